"""A warning from the window to the closed case, in Debian's Chromium: a claim settled at the
window puts its household over a line, the slip shows the new warning at once, and its link
leads to the warning, taken step by step from the home visit to the closed case."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import exists, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import EarlyWarning, Person, Settlement
from tests.browser.test_window_in_browser import _log_in

pytestmark = pytest.mark.browser
STEPS = [
    ("visit_confirmed", "2018-01-10", None),
    ("hand_over", "2018-01-12", None),
    ("measure", "2018-01-20", "re_assistance"),
    ("follow_up_below", "2018-02-05", None),
    ("follow_up_below", "2018-03-05", None),
    ("follow_up_below", "2018-04-05", None),
    ("close", "2018-04-20", None),
]


def _heaviest_unwarned(engine) -> Person:  # type: ignore[no-untyped-def]
    """The living person who paid most out of pocket in the year, of a household without a
    recorded warning (the year's batch has not run on it)."""
    with session_scope(engine) as s:
        warned = exists().where(EarlyWarning.household_id == Person.household_id)
        pid = s.scalar(
            select(Settlement.person_id)
            .join(Person, Person.id == Settlement.person_id)
            .where(Person.deceased_on.is_(None), ~warned)
            .group_by(Settlement.person_id)
            .order_by(func.sum(Settlement.out_of_pocket_fen).desc())
            .limit(1)
        )
        person = s.get(Person, pid)
        assert person is not None
        return person


def test_from_the_window_to_the_closed_case(  # type: ignore[no-untyped-def]
    page, county_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "true")
    person = _heaviest_unwarned(county_engine)
    _log_in(page, "bureau")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/window?resident_id={person.resident_id}")
    page.select_option("select[name=kind]", "outpatient")
    page.fill("input[name=date]", "2017-12-20")
    page.fill("input[name=diagnosis]", "J06.9")
    page.fill("input[name=item_code] >> nth=0", "D0003")
    page.fill("input[name=item_quantity] >> nth=0", "2")
    # 30,000 yuan of an essential drug: whatever the household paid before (the year's
    # batch may have warned every household already over a line), this crosses one
    page.fill("input[name=item_amount] >> nth=0", "30000.00")
    page.click("#preview")
    page.wait_for_selector("#preview-result")
    page.click("#confirm")
    page.wait_for_url(re.compile(r"/settlements/\d+$"))
    warning = page.locator("#early-warning")
    assert "新的因病致贫返贫预警" in warning.inner_text()
    warning.locator("a >> nth=0").click()
    page.wait_for_url(re.compile(r"/warnings/\d+$"))
    assert "待核实" in page.locator("#warning-state").inner_text()
    for step, on, measure in STEPS:
        page.select_option("#step-form select[name=step]", step)
        if measure:
            page.select_option("#step-form select[name=measure]", measure)
        page.fill("#step-form input[name=on]", on)
        page.click("#step-form button[type=submit]")
        page.wait_for_url(re.compile(r"/warnings/\d+$"))
        assert page.locator("p.error").count() == 0, page.locator("p.error").inner_text()
    assert "已销号" in page.locator("#warning-state").inner_text()
    assert page.locator("#step-form").count() == 0
