"""A programme patient's next step recorded on a 390 px phone screen, in Chinese: the village
doctor opens the programme patients, a patient of the village, and records the verification
with its date; the pages fit the screen."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from safetynet.codes import Batch, PatientState
from safetynet.store.db import session_scope
from safetynet.store.models import Person
from safetynet.store.models.programmes import ProgrammePatient
from safetynet.store.models.security import User
from tests.browser.test_window_in_browser import _log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_a_step_recorded_on_a_phone(browser, server, county_engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(county_engine) as s:
        village = s.scalar(select(User.region_code).where(User.username == "doctor"))
        taken = select(ProgrammePatient.person_id).where(
            ProgrammePatient.year == 2017, ProgrammePatient.batch == Batch.SERIOUS
        )
        person = s.scalars(select(Person).where(
            Person.region_code == village, Person.deceased_on.is_(None),
            Person.id.not_in(taken)).order_by(Person.id)).first()  # fmt: skip
        assert person is not None
        row = ProgrammePatient(year=2017, batch=Batch.SERIOUS, person_id=person.id,
                               rules="national-2017", list_id="nine_major", disease_code="C16.9",
                               found_in="claims", state=PatientState.SCREENED,
                               screened_on=date(2017, 3, 1), updated_by="test")  # fmt: skip
        s.add(row)
        s.flush()
        pid = row.id
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    try:
        _log_in(page, "doctor")
        page.wait_for_url(re.compile(r"/worklist$"))
        page.click("#nav-programme")
        page.wait_for_url(re.compile(r"/programme/patients$"))
        assert page.locator("h1").inner_text().startswith("“三个一批”患者")
        assert _fits(page)
        page.click(f'a[href="/programme/patients/{pid}"]')
        page.wait_for_url(re.compile(rf"/programme/patients/{pid}$"))
        assert _fits(page)
        page.select_option("#step-form select[name=to]", "verified")
        page.fill("#step-form input[name=on]", "2017-02-28")  # before it was screened
        page.click("#step-form button[type=submit]")
        page.wait_for_url(re.compile(r"error=date_order"))
        assert page.locator("#refused").inner_text() == "日期早于患者上一步的日期。"
        page.fill("#step-form input[name=on]", "2017-03-10")
        page.click("#step-form button[type=submit]")
        page.wait_for_url(re.compile(r"saved=1"))
        assert page.locator("#saved").inner_text() == "已记录。"
        assert "2017-03-10" in page.locator("#steps").inner_text()
        assert _fits(page)
        with session_scope(county_engine) as s:
            done = s.get(ProgrammePatient, pid)
            assert done is not None
            assert (done.state, done.verified_on) == (PatientState.VERIFIED, date(2017, 3, 10))
    finally:
        context.close()
