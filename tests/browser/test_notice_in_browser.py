"""The county's public notice in Chromium at 1366 × 768: the reimbursements sit in a box no
taller than the window, so the per-layer columns' horizontal scrollbar is on screen, and
the column header stays in view as the lines scroll."""

from __future__ import annotations

import pytest

from tests.browser.test_window_in_browser import _log_in
from tests.reports.helpers import busiest_month

pytestmark = pytest.mark.browser


def test_the_notice_keeps_its_columns_in_view(browser, server, county_engine) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server, locale="zh-CN",
                                  viewport={"width": 1366, "height": 768})  # fmt: skip
    page = context.new_page()
    try:
        _log_in(page, "bureau")
        page.wait_for_url("**/")
        year, month = busiest_month(county_engine)
        page.goto(f"/reports/notice?month={year}-{month:02d}")
        box = page.locator(".notice-scroll").last
        box.scroll_into_view_if_needed()
        size = box.evaluate(
            "el => ({h: el.getBoundingClientRect().height, sh: el.scrollHeight,"
            " top: el.getBoundingClientRect().top, vh: window.innerHeight})"
        )
        assert size["sh"] > size["h"]  # the lines scroll inside the box ...
        assert size["h"] <= size["vh"]  # ... which fits the window, scrollbar included
        box.evaluate("el => { el.scrollTop = el.scrollHeight / 2; }")
        header = box.locator("thead th").first.evaluate(
            "el => el.getBoundingClientRect().top - el.closest('.notice-scroll')"
            ".getBoundingClientRect().top"
        )
        assert abs(header) <= 2  # the header stays at the top of the box
        assert page.locator("nav.pager").count() >= 1
        assert page.evaluate("document.documentElement.scrollHeight") < 6 * 768
    finally:
        context.close()
