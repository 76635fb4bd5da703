"""Fund supervision at the window in Debian's Chromium: a claim a ``block`` rule hits is
refused with the rule and its facts in Chinese; without the over-priced item it previews
with its warning, settles, and the slip shows the warning stored with it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.test_window_in_browser import _log_in
from tests.supervision.window_claims import blocked, readmission

pytestmark = pytest.mark.browser


def _fill(page, claim: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    page.select_option("select[name=institution_code]", claim["institution_code"])
    page.select_option("select[name=kind]", "inpatient")
    page.fill("input[name=date]", claim["date"])
    page.fill("input[name=discharge_date]", claim["discharge_date"])
    page.fill("input[name=diagnosis]", claim["diagnosis"])
    for row in range(page.locator("input[name=item_code]").count()):
        item = claim["items"][row] if row < len(claim["items"]) else None
        page.fill(f"input[name=item_code] >> nth={row}", item["code"] if item else "")
        page.fill(f"input[name=item_quantity] >> nth={row}", str(item["quantity"] if item else 1))
        page.fill(f"input[name=item_amount] >> nth={row}", item["amount"] if item else "")


def test_a_block_refuses_and_a_warning_goes_to_the_slip(  # type: ignore[no-untyped-def]
    page, county_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", "anhui-langxi-2021")
    claim = readmission(county_engine)
    _log_in(page, "bureau")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/window?resident_id={claim['resident_id']}")
    _fill(page, blocked(claim))
    page.click("#preview")
    refusal = page.locator("#screening-refusal")
    refusal.wait_for()
    assert "基金监管不予结算" in page.locator("#error").inner_text()
    assert "超标准收费" in refusal.inner_text() and "S0004" in refusal.inner_text()
    assert page.locator("#preview-result").count() == 0  # nothing to confirm
    _fill(page, claim)  # the over-priced row emptied
    page.click("#preview")
    page.wait_for_selector("#preview-result")
    assert "分解住院" in page.locator("#screening").inner_text()
    page.click("#confirm")
    page.wait_for_url(re.compile(r"/settlements/\d+$"))
    warning = page.locator("#slip #screening").inner_text()
    assert "分解住院" in warning and "距出院天数: 10" in warning
