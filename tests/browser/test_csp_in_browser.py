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


def test_chart_tooltips_show_within_the_policy(browser, server) -> None:  # type: ignore[no-untyped-def]
    """Hovering every chart shows its tooltip (drawn in the chart: HTML tooltips with style
    attributes would be refused) and breaks nothing."""
    from tests.browser.test_window_in_browser import _log_in
    from tests.browser.walk import CSP_LISTENER

    context = browser.new_context(base_url=server, locale="zh-CN")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    _log_in(page, "bureau")
    page.goto("/dashboard")
    page.wait_for_selector("#chart-townships[data-ready='1'] svg")
    for chart in ("layers", "levels", "monthly", "ratio", "oop", "townships"):
        texts = f"#chart-{chart} svg text"
        before = page.locator(texts).count()
        box = page.locator(f"#chart-{chart}")
        size = box.bounding_box()
        box.hover(position={"x": size["width"] * 0.45, "y": size["height"] * 0.45})
        for _ in range(50):  # (wait_for_function evaluates a string: the policy refuses it)
            if page.locator(texts).count() > before:
                break
            page.wait_for_timeout(100)
        assert page.locator(texts).count() > before, f"no tooltip on {chart}"
    assert page.evaluate("window.__csp") == []
    context.close()
