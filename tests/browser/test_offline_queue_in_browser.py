"""The forms a village doctor queues offline wait in the phone's localStorage with personal
data (readings, drugs; the label names the patient masked). They are the doctor's alone: once
another doctor is signed in on the phone they are deleted, never shown to nor sent in the
other's session; logging out deletes them, asking first while some are not sent (cancelled,
nothing is lost); a session that merely ended keeps them for the same doctor
(test_worklist_in_browser)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from safetynet.registry.masking import mask_name
from safetynet.security.roles import Role
from safetynet.security.users import create_user
from safetynet.store.db import session_scope
from safetynet.store.models import DoctorContract, FollowUp, Person
from safetynet.store.models.security import User
from safetynet.synth.demo import DEMO_PASSWORD
from tests.browser.test_window_in_browser import _log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DAY = "2017-10-01"
QUEUE = "localStorage.getItem('safetynet.worklist.queue')"


def _queue(page) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return json.loads(page.evaluate(QUEUE) or "[]")


def _second_doctor(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        village = s.scalar(select(User.region_code).where(User.username == "doctor"))
        if s.scalar(select(User.id).where(User.username == "doctor2")) is None:
            create_user(s, username="doctor2", password=DEMO_PASSWORD, role=Role.VILLAGE_DOCTOR,
                        region_code=village, display_name="村医二")  # fmt: skip


def _queue_one_offline(page, context, day: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """Log in as the doctor, open a contract from the worklist kept on the phone, go offline
    and record a follow-up: it waits in the queue. Returns the contract id and the URL."""
    _log_in(page, "doctor")
    page.wait_for_url(re.compile(r"/worklist$"))
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"/worklist?on={DAY}")
    page.wait_for_selector("html[data-offline-ready='1']", state="attached")
    href = page.locator("#worklist .warn-card a").first.get_attribute("href")
    assert href is not None
    cid = int(re.search(r"/worklist/(\d+)", href).group(1))  # type: ignore[union-attr]
    context.set_offline(True)
    page.click(f"#worklist a[href='{href}']")
    page.wait_for_url(re.compile(rf"/worklist/{cid}"))
    page.select_option("#record-form select[name=kind]", "follow_up")
    page.fill("#record-form input[name=done_on]", day)
    page.fill("#record-form input[name=systolic]", "131")
    page.fill("#record-form input[name=diastolic]", "83")
    page.fill("#record-form input[name=drugs]", "氨氯地平")
    page.click("#record-form button[type=submit]")
    page.locator("#outbox li.waiting").wait_for()
    return cid, href


def _patient(engine, cid: int) -> str:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        name = s.scalar(
            select(Person.name).join(DoctorContract, DoctorContract.person_id == Person.id)
            .where(DoctorContract.id == cid)
        )  # fmt: skip
    assert name
    return str(name)


def _follow_ups(engine, day: str) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        on = date.fromisoformat(day)
        return int(s.scalar(select(func.count(FollowUp.id)).where(FollowUp.done_on == on)) or 0)


def test_another_doctor_on_the_phone_never_gets_the_queue(browser, server, county_engine) -> None:  # type: ignore[no-untyped-def]
    _second_doctor(county_engine)
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    day = "2017-10-06"
    before = _follow_ups(county_engine, day)
    try:
        cid, _href = _queue_one_offline(page, context, day)
        [item] = _queue(page)
        assert item["user"] == "doctor" and item["fields"]["drugs"] == "氨氯地平"
        name = _patient(county_engine, cid)
        assert name not in json.dumps(item, ensure_ascii=False)  # the label is masked
        assert item["label"].startswith(mask_name(name))
        sends: list[str] = []
        page.on("request", lambda r: sends.append(r.url) if "/send" in r.url else None)
        context.clear_cookies()  # the session ends, the form still waiting
        context.set_offline(False)
        _log_in(page, "doctor2")  # another doctor picks up the phone
        page.wait_for_url(re.compile(r"/worklist$"))
        page.wait_for_selector("html[data-queue-checked='1']", state="attached")
        assert _queue(page) == []  # deleted, not kept for anyone
        assert page.locator("#outbox li").count() == 0
        page.wait_for_timeout(500)
        assert sends == [] and _follow_ups(county_engine, day) == before
    finally:
        context.close()


def test_logging_out_deletes_the_queue_asking_first(browser, server, county_engine) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    day = "2017-10-07"
    before = _follow_ups(county_engine, day)
    try:
        _queue_one_offline(page, context, day)
        # the server is busy when the connection returns: the form keeps waiting
        page.route("**/send", lambda route: route.fulfill(status=503, body="{}"))
        context.set_offline(False)
        asked: list[str] = []

        def dismiss(dialog) -> None:  # type: ignore[no-untyped-def]
            asked.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", dismiss)
        page.click("form[action='/logout'] button")
        page.wait_for_timeout(300)
        assert asked and "尚未发送" in asked[0]  # asked, in the user's language
        assert not re.search(r"/login", page.url)  # cancelled: still signed in
        assert len(_queue(page)) == 1

        page.once("dialog", lambda dialog: dialog.accept())
        page.click("form[action='/logout'] button")
        page.wait_for_url(re.compile(r"/login"))
        assert page.evaluate(QUEUE) is None
        assert _follow_ups(county_engine, day) == before

        _log_in(page, "doctor")  # the same doctor again: nothing comes back
        page.wait_for_url(re.compile(r"/worklist$"))
        assert page.evaluate(QUEUE) is None and page.locator("#outbox li").count() == 0
    finally:
        context.close()
