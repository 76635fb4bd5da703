"""The dashboard in Debian's Chromium: ECharts (served by SafetyNet, no CDN) draws every chart,
and the Excel download arrives as a workbook with the key figures."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.browser.test_window_in_browser import _log_in

pytestmark = pytest.mark.browser
CHARTS = ("layers", "levels", "monthly", "ratio", "oop", "townships")


def test_dashboard_draws_its_charts_and_downloads_excel(page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _log_in(page, "bureau")
    page.goto("/dashboard")
    for chart in CHARTS:
        box = page.locator(f"#chart-{chart}")
        box.wait_for()
        page.wait_for_selector(f"#chart-{chart}[data-ready='1'] svg", timeout=15_000)
    # bars were drawn: the layers chart has a path per bar at least
    assert page.locator("#chart-layers svg path").count() > 2
    assert page.locator("#key-figures tbody tr").count() >= 10
    assert all(u.startswith(page.url.split("/dashboard")[0]) for u in requests), (
        "a request left the app"
    )
    with page.expect_download() as info:
        page.click("#dashboard-xlsx")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".xlsx"
    wb = load_workbook(target)
    assert "主要指标" in wb.sheetnames  # the user's language: Chinese
    assert wb["主要指标"].max_row > 10
