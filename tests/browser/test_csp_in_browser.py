"""A Content-Security-Policy on every page, strict enough to refuse inline scripts, inline
event handlers and inline styles, and pages that need none: Chromium reports no violation
on any page of the walk."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_every_page_has_a_strict_policy(walk) -> None:  # type: ignore[no-untyped-def]
    for v in walk:
        assert v.csp, f"{v.where()}: no Content-Security-Policy"
        directives = dict([*d.strip().split(" ", 1), ""][:2] for d in v.csp.split(";") if d.strip())
        assert directives.get("script-src") == "'self'", v.csp
        assert "unsafe-inline" not in v.csp and "unsafe-eval" not in v.csp, v.csp
        assert directives.get("object-src") == "'none'"
        assert directives.get("frame-ancestors") == "'none'"


def test_no_page_breaks_the_policy(walk) -> None:  # type: ignore[no-untyped-def]
    broken = [f"{v.where()}: {c}" for v in walk for c in v.violations]
    assert not broken, "\n".join(broken[:40])
