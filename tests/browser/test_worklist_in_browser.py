"""The village doctor's worklist in Debian's Chromium on a 390 px phone screen: the doctor
logs in, sees who is due and overdue, opens a contract and records a follow-up."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from safetynet.store.db import session_scope
from safetynet.store.models import DoctorContract, FollowUp, Person
from safetynet.store.models.security import User
from tests.browser.test_window_in_browser import _log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DAY = "2017-10-01"


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_a_follow_up_recorded_on_a_phone(browser, server, county_engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(county_engine) as s:
        village = s.scalar(select(User.region_code).where(User.username == "doctor"))
        before = s.scalar(select(func.count(FollowUp.id)))
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    try:
        _log_in(page, "doctor")
        page.wait_for_url(re.compile(r"/worklist$"))
        page.goto(f"/worklist?on={DAY}")
        assert page.locator("h1").inner_text().startswith("待办")
        cards = page.locator("#worklist .warn-card")
        assert cards.count() >= 1
        assert _fits(page)
        first = cards.first.locator("a")
        href = first.get_attribute("href")
        assert href is not None
        cid = int(re.search(r"/worklist/(\d+)", href).group(1))  # type: ignore[union-attr]
        with session_scope(county_engine) as s:
            owner = s.scalar(
                select(Person.region_code)
                .join(DoctorContract, DoctorContract.person_id == Person.id)
                .where(DoctorContract.id == cid)
            )
        assert owner == village  # the doctor's own village only
        first.click()
        page.wait_for_url(re.compile(rf"/worklist/{cid}"))
        assert _fits(page)
        page.select_option("#record-form select[name=kind]", "follow_up")
        page.fill("#record-form input[name=done_on]", "2017-10-02")
        page.fill("#record-form input[name=systolic]", "136")
        page.fill("#record-form input[name=diastolic]", "84")
        page.fill("#record-form input[name=glucose]", "6.4")
        page.fill("#record-form input[name=drugs]", "氨氯地平")
        page.fill("#record-form input[name=next_on]", "2018-01-02")
        page.fill("#record-form input[name=systolic]", "400")  # refused: shown, kept to correct
        page.click("#record-form button[type=submit]")
        page.locator("#queued.error").wait_for()
        assert page.locator("#queued").inner_text() == "收缩压须为50到300之间的整数。"
        assert page.input_value("#record-form input[name=diastolic]") == "84"
        assert page.locator("#outbox li").count() == 0
        page.fill("#record-form input[name=systolic]", "136")
        page.click("#record-form button[type=submit]")
        page.wait_for_url(re.compile(r"saved=1"))
        assert page.locator("#saved").inner_text() == "已记录。"
        assert "136/84" in page.locator("#done").inner_text()
        assert _fits(page)
        with session_scope(county_engine) as s:
            assert s.scalar(select(func.count(FollowUp.id))) == (before or 0) + 1
    finally:
        context.close()


def test_a_follow_up_recorded_offline_is_sent_when_the_connection_returns(
    browser, server, county_engine
) -> None:  # type: ignore[no-untyped-def]
    """The worklist kept on the phone: offline, the doctor opens a contract, records a
    follow-up, sees it waiting to send; online again it is sent, once; a reload offline
    shows the worklist kept on the phone."""
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    try:
        _log_in(page, "doctor")
        page.wait_for_url(re.compile(r"/worklist$"))
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # installed
        page.goto(f"/worklist?on={DAY}")
        page.wait_for_selector("html[data-offline-ready='1']", state="attached")
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        href = page.locator("#worklist .warn-card a").first.get_attribute("href")
        assert href is not None
        cid = int(re.search(r"/worklist/(\d+)", href).group(1))  # type: ignore[union-attr]
        with session_scope(county_engine) as s:
            before = s.scalar(select(func.count(FollowUp.id)))

        context.set_offline(True)
        page.click(f"#worklist a[href='{href}']")  # from the copy kept on the phone
        page.wait_for_url(re.compile(rf"/worklist/{cid}"))
        assert page.locator("#record-form").is_visible()
        assert page.locator("#offline-note").is_visible()
        page.select_option("#record-form select[name=kind]", "follow_up")
        page.fill("#record-form input[name=done_on]", "2017-10-03")
        page.fill("#record-form input[name=systolic]", "142")
        page.fill("#record-form input[name=diastolic]", "88")
        page.fill("#record-form input[name=drugs]", "氨氯地平")
        page.click("#record-form button[type=submit]")
        queued = page.locator("#outbox li.waiting")
        queued.wait_for()
        assert queued.locator(".state").inner_text() == "等待发送"
        assert "2017-10-03" in queued.inner_text()
        assert page.locator("#queued").inner_text() == "已保存在本机：网络恢复后将自动发送。"
        assert _fits(page)
        with session_scope(county_engine) as s:
            assert s.scalar(select(func.count(FollowUp.id))) == before

        context.set_offline(False)  # the connection returns: the queue sends itself
        sent = page.locator("#outbox li.sent")
        sent.wait_for(timeout=15_000)
        assert sent.locator(".state").inner_text() == "已发送"
        assert page.locator("#outbox li.waiting").count() == 0
        assert page.evaluate("localStorage.getItem('safetynet.worklist.queue')") == "[]"
        with session_scope(county_engine) as s:
            assert s.scalar(select(func.count(FollowUp.id))) == (before or 0) + 1
            rows = s.scalars(
                select(FollowUp).where(FollowUp.contract_id == cid,
                                       FollowUp.done_on == date(2017, 10, 3))
            ).all()  # fmt: skip
            assert [(r.systolic, r.diastolic) for r in rows] == [(142, 88)]

        context.set_offline(True)  # a reload offline shows the worklist kept on the phone
        page.goto(f"/worklist?on={DAY}")
        assert page.locator("h1").inner_text().startswith("待办")
        assert page.locator("#worklist .warn-card").count() >= 1
        assert page.locator("#offline-note").is_visible()
        page.reload()
        assert page.locator("#worklist .warn-card").count() >= 1
        assert _fits(page)
    finally:
        context.close()


def _queue_offline(page, systolic: str, day: str) -> None:  # type: ignore[no-untyped-def]
    page.select_option("#record-form select[name=kind]", "follow_up")
    page.fill("#record-form input[name=done_on]", day)
    page.fill("#record-form input[name=systolic]", systolic)
    page.fill("#record-form input[name=diastolic]", "82")
    page.click("#record-form button[type=submit]")


def test_a_queued_form_waits_for_the_doctor_to_log_in_again(browser, server, county_engine) -> None:  # type: ignore[no-untyped-def]
    """Two forms queued offline; the session ends before the connection returns: both wait,
    marked for a new login; after it the good one is sent and the refused one shows the
    server's sentence (in Chinese) until the doctor removes it."""
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    try:
        _log_in(page, "doctor")
        page.wait_for_url(re.compile(r"/worklist$"))
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # installed
        page.goto(f"/worklist?on={DAY}")
        page.wait_for_selector("html[data-offline-ready='1']", state="attached")
        href = page.locator("#worklist .warn-card a").last.get_attribute("href")
        assert href is not None
        cid = int(re.search(r"/worklist/(\d+)", href).group(1))  # type: ignore[union-attr]
        with session_scope(county_engine) as s:
            before = s.scalar(select(func.count(FollowUp.id)))
        context.set_offline(True)
        page.click(f"#worklist a[href='{href}']")
        page.wait_for_url(re.compile(rf"/worklist/{cid}"))
        _queue_offline(page, "128", "2017-10-04")
        _queue_offline(page, "400", "2017-10-05")
        assert page.locator("#outbox li.waiting").count() == 2

        context.clear_cookies()  # the session ends meanwhile
        context.set_offline(False)
        page.locator("#outbox li.login").nth(1).wait_for(timeout=15_000)
        assert page.locator("#outbox li.login .state").first.inner_text() == "等待重新登录"
        assert page.locator("#outbox-login").is_visible()
        assert "请重新登录" in page.locator("#outbox-login").inner_text()
        with session_scope(county_engine) as s:
            assert s.scalar(select(func.count(FollowUp.id))) == before

        _log_in(page, "doctor")  # back on the worklist, the queue sends itself
        page.wait_for_url(re.compile(r"/worklist$"))
        page.locator("#outbox li.sent").wait_for(timeout=15_000)
        refused = page.locator("#outbox li.refused")
        refused.wait_for()
        assert refused.locator(".state").inner_text() == "未被接受"
        assert refused.locator(".why").inner_text() == "收缩压须为50到300之间的整数。"
        assert "2017-10-05" in refused.inner_text()
        assert _fits(page)
        with session_scope(county_engine) as s:
            assert s.scalar(select(func.count(FollowUp.id))) == (before or 0) + 1
        refused.locator("button").click()
        assert page.locator("#outbox li.refused").count() == 0
        assert page.evaluate("localStorage.getItem('safetynet.worklist.queue')") == "[]"
    finally:
        context.close()
