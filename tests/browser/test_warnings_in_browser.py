"""A warning in Debian's Chromium on a 390 px phone screen: township staff open the
monitoring list, the warning, and take it step by step from the visit to the closed case."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from safetynet.early_warning.service import evaluate_year, record
from safetynet.store.db import session_scope
from safetynet.store.models import EarlyWarning
from tests.browser.test_window_in_browser import _log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _warning(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        found = evaluate_year(conn, 2017)
    with session_scope(engine) as s:  # records only what is not yet recorded
        record(s, 2017, found.rules, found.warnings, date(2017, 12, 31))
        wid = s.scalar(select(func.min(EarlyWarning.id)).where(EarlyWarning.state == "open"))
        assert wid is not None
        return int(wid)


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_from_the_list_to_the_closed_case_on_a_phone(browser, server, county_engine) -> None:  # type: ignore[no-untyped-def]
    wid = _warning(county_engine)
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    try:
        _log_in(page, "bureau")
        page.wait_for_url(re.compile(r"/$"))
        page.goto("/warnings?year=2017")
        assert page.locator("h1").inner_text().startswith("因病致贫返贫预警")
        assert page.locator(".warn-card").count() >= 1
        assert _fits(page)
        page.click(f"a[href='/warnings/{wid}']")
        page.wait_for_url(re.compile(rf"/warnings/{wid}$"))
        assert "待核实" in page.locator("#warning-state").inner_text()
        steps = [
            ("visit_confirmed", "2018-01-10", None),
            ("hand_over", "2018-01-12", None),
            ("measure", "2018-01-20", "re_assistance"),
            ("follow_up_below", "2018-02-05", None),
            ("follow_up_below", "2018-03-05", None),
            ("follow_up_below", "2018-04-05", None),
            ("close", "2018-04-20", None),
        ]
        for step, on, measure in steps:
            page.select_option("#step-form select[name=step]", step)
            if measure:
                page.select_option("#step-form select[name=measure]", measure)
            page.fill("#step-form input[name=on]", on)
            page.click("#step-form button[type=submit]")
            page.wait_for_url(re.compile(rf"/warnings/{wid}$"))
            assert page.locator("p.error").count() == 0, page.locator("p.error").inner_text()
        assert "已销号" in page.locator("#warning-state").inner_text()
        assert page.locator("#step-form").count() == 0  # nothing more to do
        assert "帮扶措施：大病再救助" in page.content()
        assert _fits(page) or page.locator(".warn-table .scroll").count() > 0
    finally:
        context.close()
