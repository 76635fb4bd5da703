"""The real server in Debian's Chromium: log in, the overview, find a person, settle a claim
at the window, see the slip, switch language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from safetynet.store.db import session_scope
from safetynet.store.models import Person, Settlement
from safetynet.synth.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")


def _a_person(engine) -> Person:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        pid = s.scalar(
            select(Settlement.person_id)
            .join(Person, Person.id == Settlement.person_id)
            .where(Person.deceased_on.is_(None))
            .order_by(Settlement.id.desc())
            .limit(1)
        )
        person = s.get(Person, pid)
        assert person is not None
        return person


def test_overview_in_chinese_then_english(page) -> None:  # type: ignore[no-untyped-def]
    _log_in(page, "bureau")
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("h1").inner_text().startswith("概览")
    assert page.locator("svg.bars rect").count() >= 3  # the chart of spending by layer
    page.click("a[data-locale=en]")
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("h1").inner_text().startswith("Overview")
    assert page.get_by_text("Spending by layer").count() == 1


def test_find_a_person_settle_a_claim_and_print_the_slip(page, county_engine) -> None:  # type: ignore[no-untyped-def]
    person = _a_person(county_engine)
    _log_in(page, "clerk")
    page.wait_for_url(re.compile(r"/$"))  # the clerk lands on the window
    page.fill("input[name=q]", person.name)
    page.click("form.search button")
    page.click(f"a[href='/persons/{person.resident_id}'] >> nth=0")
    assert person.resident_id in page.locator("h1").inner_text()
    page.click("#new-claim")
    page.select_option("select[name=kind]", "inpatient")
    page.fill("input[name=date]", "2017-12-10")
    page.fill("input[name=discharge_date]", "2017-12-16")
    page.fill("input[name=diagnosis]", "I63.9")
    for row, (code, qty, amount) in enumerate(
        [("S0002", "6", "210.00"), ("D0003", "8", "144.00"), ("M0005", "1", "2000.00")]
    ):
        page.fill(f"input[name=item_code] >> nth={row}", code)
        page.fill(f"input[name=item_quantity] >> nth={row}", qty)
        page.fill(f"input[name=item_amount] >> nth={row}", amount)
    page.click("#preview")
    page.wait_for_selector("#preview-result")
    previewed = page.locator("#patient-pays").inner_text()
    page.click("#confirm")
    page.wait_for_url(re.compile(r"/settlements/\d+$"))
    slip = page.locator("#slip")
    assert "一站式结算单" in slip.inner_text()
    assert "基本医疗保险" in slip.inner_text()
    assert page.locator("#patient-pays").inner_text() == previewed
    assert float(previewed.replace(",", "")) < 2354.00
    page.click("a[data-locale=en]")
    assert "Settlement slip" in page.locator("#slip").inner_text()


def test_the_same_bill_again_asks_for_a_reason_then_settles(page, county_engine) -> None:  # type: ignore[no-untyped-def]
    """A bill settled, then entered again at the window: refused in the clerk's language with
    the earlier settlement named and a reason asked; with the reason it previews and settles."""
    person = _a_person(county_engine)
    _log_in(page, "clerk")
    page.wait_for_url(re.compile(r"/$"))

    def enter_the_bill() -> None:
        page.goto(f"/window?resident_id={person.resident_id}")
        page.select_option("select[name=kind]", "outpatient")
        page.fill("input[name=date]", "2017-12-05")
        page.fill("input[name=item_code] >> nth=0", "D0003")
        page.fill("input[name=item_quantity] >> nth=0", "2")
        page.fill("input[name=item_amount] >> nth=0", "36.00")
        page.click("#preview")

    enter_the_bill()
    page.wait_for_selector("#preview-result")
    page.click("#confirm")
    page.wait_for_url(re.compile(r"/settlements/\d+$"))
    first = page.url.rsplit("/", 1)[1]
    enter_the_bill()
    page.wait_for_selector("#duplicate-confirm")
    error = page.locator("#error").inner_text()
    assert "不重复支付" in error and f"结算号 {first}" in error
    assert page.locator("#preview-result").count() == 0
    page.fill("#duplicate-reason", "同日两次相同门诊")
    page.click("#preview")
    page.wait_for_selector("#preview-result")
    page.click("#confirm")
    page.wait_for_url(re.compile(r"/settlements/\d+$"))
    assert page.url.rsplit("/", 1)[1] != first
