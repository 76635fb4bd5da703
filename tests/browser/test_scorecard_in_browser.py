"""The risk scorecard in Debian's Chromium: ECharts draws a stacked bar per level with no
inline script (the page's Content-Security-Policy holds), and the xlsx downloads."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.browser.test_window_in_browser import _log_in

pytestmark = pytest.mark.browser


def test_scorecard_draws_its_charts_and_downloads_excel(page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    _log_in(page, "bureau")
    page.goto("/supervision/scorecard")
    page.wait_for_selector("#chart-county[data-ready='1'] svg", timeout=15_000)
    assert page.locator("#chart-county svg path").count() > 2
    assert page.locator("section[data-level='county'] tbody tr").count() >= 1
    assert not [p for p in problems if "Content Security Policy" in p], problems
    with page.expect_download() as info:
        page.click("#scorecard-xlsx")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert load_workbook(target).active.max_row > 3
