"""Every page at 1024 and 1366 px in both languages (and the township staff's pages on a
390 px phone): nothing scrolls sideways, nothing sticks out of its card, buttons and the
navigation stay on one line, chart labels keep clear of their bars. The screenshots are in
the pytest tmp dir (``walk*/``) to look at."""

from __future__ import annotations

import pytest

from tests.browser.walk import DESKTOP, PHONE, WIDE

pytestmark = pytest.mark.browser


def test_every_page_fits_its_width(walk) -> None:  # type: ignore[no-untyped-def]
    widths = {v.width for v in walk}
    assert widths == {*DESKTOP, WIDE, PHONE}
    assert all(v.screenshot.stat().st_size > 1000 for v in walk)
    problems = [f"{v.where()}: {p}" for v in walk for p in v.layout]
    assert not problems, "\n".join(problems[:60])


FORBIDDEN = {("analyst", "/audit"), ("bureau", "/audit")}


def test_every_page_answered(walk) -> None:  # type: ignore[no-untyped-def]
    """The walk saw the pages themselves, not a login page or a server error."""
    expected_errors = {"/indicators?period=week": 400, "/nowhere": 404}
    for v in walk:
        if (v.role, v.url) in FORBIDDEN:
            assert v.status == 403, v.where()
        elif v.url in expected_errors:
            assert v.status == expected_errors[v.url], v.where()
        else:
            assert v.status == 200, v.where()
