"""Personal data kept on a shared phone for offline use: the worklist's pages are kept only
for the user who saw them, never a `Cache-Control: no-store` page, and none after logout
(from the worklist or from any other page) or once another doctor logs in on the phone."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from safetynet.security.roles import Role
from safetynet.security.users import create_user
from safetynet.store.db import session_scope
from safetynet.store.models import DoctorContract, Person
from safetynet.store.models.security import User
from safetynet.synth.demo import DEMO_PASSWORD
from tests.browser.test_window_in_browser import _log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DAY = "2017-10-01"
PAGES = "safetynet-worklist-pages-"

# Every cached response of the origin: cache name, URL, Cache-Control, X-Offline-User, body.
CACHED = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const r = await cache.match(request);
      out.push([name, request.url, r.headers.get('Cache-Control') || '',
                r.headers.get('X-Offline-User') || '', await r.text()]);
    }
  }
  return out;
}"""


def _people(engine, region: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Names and resident IDs of the people with contracts in the doctor's village."""
    with session_scope(engine) as s:
        rows = s.execute(
            select(Person.name, Person.resident_id)
            .join(DoctorContract, DoctorContract.person_id == Person.id)
            .where(Person.region_code == region)
        ).all()
    return [(r.name, r.resident_id) for r in rows]


def _personal(cached: list[list[str]], people: list[tuple[str, str]]) -> list[str]:
    """The cached URLs whose body names one of ``people`` (by name or resident ID)."""
    return [
        url
        for _name, url, _cc, _user, body in cached
        if any(name in body or rid in body for name, rid in people)
    ]


def _ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_url(re.compile(r"/worklist$"))
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"/worklist?on={DAY}")
    page.wait_for_selector("html[data-offline-ready='1']", state="attached")


def _doctor(engine, username: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return user.id, user.region_code


@pytest.mark.parametrize("where", ("worklist", "another page"))
def test_nothing_personal_is_left_after_logout(browser, server, county_engine, where: str) -> None:  # type: ignore[no-untyped-def]
    uid, village = _doctor(county_engine, "doctor")
    people = _people(county_engine, village)
    assert people
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    try:
        _log_in(page, "doctor")
        _ready(page)
        cached = page.evaluate(CACHED)
        pages = [c for c in cached if "/static/" not in c[1]]
        assert pages and _personal(cached, people)  # kept for offline use, for this user
        assert {c[0] for c in pages} == {f"safetynet-worklist-pages-{uid}"}
        assert {c[3] for c in pages} == {str(uid)}
        assert not [c[1] for c in cached if "no-store" in c[2]]  # never a no-store page
        if where == "another page":  # a page of the app without the worklist's script
            page.goto("/worklist/999999999")  # the app's error page, its logout form
            assert page.locator("script[src='/static/worklist.js']").count() == 0
        page.click("form[action='/logout'] button")
        page.wait_for_url(re.compile(r"/login"))
        page.wait_for_selector("html[data-offline-forgotten='1']", state="attached")
        cached = page.evaluate(CACHED)
        assert _personal(cached, people) == []
        assert [c for c in cached if c[0].startswith("safetynet-worklist-pages-")] == []

        context.set_offline(True)  # offline, the worklist is not there for the next person
        with pytest.raises(Exception):  # noqa: B017 (the browser's own network error)
            page.goto(f"/worklist?on={DAY}")
        context.set_offline(False)
    finally:
        context.close()


def test_pages_are_kept_per_user(browser, server, county_engine) -> None:  # type: ignore[no-untyped-def]
    """A doctor whose session ended without a logout: the next doctor to log in on the phone
    finds nothing of the first doctor's kept (the copies of one user drop every other's)."""
    uid, village = _doctor(county_engine, "doctor")
    with session_scope(county_engine) as s:
        if s.scalar(select(User.id).where(User.username == "doctor2")) is None:
            create_user(s, username="doctor2", password=DEMO_PASSWORD, role=Role.VILLAGE_DOCTOR,
                        region_code=village, display_name="村医二")  # fmt: skip
    uid2, _ = _doctor(county_engine, "doctor2")
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    try:
        _log_in(page, "doctor")
        _ready(page)
        assert {c[0] for c in page.evaluate(CACHED) if "/static/" not in c[1]} == {
            f"safetynet-worklist-pages-{uid}"
        }
        context.clear_cookies()  # the session ends (expired, revoked) with no logout
        page.goto(f"/worklist?on={DAY}")  # the network answers with the login page
        page.wait_for_url(re.compile(r"/login"))
        page.wait_for_selector("html[data-offline-forgotten='1']", state="attached")
        assert not [
            c for c in page.evaluate(CACHED) if c[0].startswith("safetynet-worklist-pages-")
        ]
        _log_in(page, "doctor2")
        _ready(page)
        names = {
            c[0] for c in page.evaluate(CACHED) if c[0].startswith("safetynet-worklist-pages-")
        }
        assert names == {f"safetynet-worklist-pages-{uid2}"}
    finally:
        context.close()
