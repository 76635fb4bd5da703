"""The window in Chromium as a clerk uses it: the landing after login (no redirect), item
rows added and removed, an item's name shown as its code is typed, the unit price a line
total implies, and a refund that asks first and needs a reason."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_window_in_browser import _a_person, _log_in

pytestmark = pytest.mark.browser


def test_item_rows_names_unit_prices_and_a_confirmed_refund(page, county_engine) -> None:  # type: ignore[no-untyped-def]
    person = _a_person(county_engine)
    _log_in(page, "clerk")
    page.wait_for_url(re.compile(r"/$"))  # the clerk's landing is the window, not a redirect
    assert page.locator("#window-search").count() == 1
    assert page.locator("#nav-window").count() == 1
    page.goto(f"/window?resident_id={person.resident_id}")
    rows = page.locator("#items tbody tr")
    start = rows.count()
    page.click("#add-row")
    assert rows.count() == start + 1
    last = rows.nth(start)
    last.locator("input[name=item_code]").fill("s0002")
    name = last.locator(".item-name")
    page.wait_for_function("el => el.textContent.trim().length > 0", arg=name.element_handle())
    assert "(A)" in name.inner_text() or "(B)" in name.inner_text() or "(C)" in name.inner_text()
    last.locator("input[name=item_quantity]").fill("10")
    last.locator("input[name=item_amount]").fill("350.00")
    assert last.locator(".unit-price").inner_text() == "35.00"
    rows.nth(0).locator("input[name=item_code]").fill("NOPE99")
    page.wait_for_function(
        "el => el.classList.contains('unknown')",
        arg=rows.nth(0).locator(".item-name").element_handle(),
    )
    rows.nth(0).locator(".remove-row").click()
    assert rows.count() == start
    page.select_option("select[name=kind]", "outpatient")
    page.fill("input[name=date]", "2017-07-03")
    page.click("#preview")
    page.wait_for_selector("#preview-result, #error")
    assert page.locator("#error").count() == 0, page.locator("#error").inner_text()
    page.click("#confirm")
    page.wait_for_url(re.compile(r"/settlements/\d+$"))
    slip_url = page.url
    assert "S0002" in page.locator("#slip-items").inner_text()
    page.fill("#refund-form input[name=reason]", "entered twice")
    asked: list[str] = []

    def dismiss(dialog) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("#refund-form button[type=submit]")
    page.wait_for_timeout(300)
    assert asked and page.url == slip_url  # asked, and nothing refunded on "cancel"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#refund-form button[type=submit]")
    page.wait_for_url(lambda url: url != slip_url)
    assert "entered twice" in page.locator("#slip").inner_text()
