"""The worklist's offline queue over HTTP, on the real server (uvicorn) on SQLite and
PostgreSQL: ``/worklist/{id}/send`` records a form once per key (a replay answers the first
follow-up, a key reused with another form is a 409, two sends of one key at once record
one), refuses a bad record, a bad CSRF token and an ended session with a sentence in the
user's language, and the page's form is idempotent on its key too; the service worker is
served for the ``/worklist`` scope."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Engine, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import AuditEvent, DoctorContract, FollowUp, FormKey, Person
from safetynet.store.models.security import User
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import csrf_of
from tests.web.server import running_server


@pytest.fixture(scope="module")
def url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with running_server(app) as base:
        yield base


def _client(url: str, locale: str = "en", username: str = "doctor") -> httpx.Client:
    language = {"accept-language": "en" if locale == "en" else "zh-CN"}  # also once logged out
    client = httpx.Client(base_url=url, timeout=30, headers=language)
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                    "csrf_token": csrf_of(page.text), "next": "/"})  # fmt: skip
    assert r.status_code == 303, r.text
    client.get(f"/locale/{locale}")
    return client


def _contract_id(engine: Engine) -> int:
    with session_scope(engine) as s:
        village = s.scalar(select(User.region_code).where(User.username == "doctor"))
        found = s.scalar(
            select(DoctorContract.id).join(Person, Person.id == DoctorContract.person_id)
            .where(Person.region_code == village, DoctorContract.package == "chronic")
            .order_by(DoctorContract.id.desc())
        )  # fmt: skip
        assert found is not None
        return found


def _count(engine: Engine, contract_id: int) -> int:
    with session_scope(engine) as s:
        where = FollowUp.contract_id == contract_id
        return s.scalar(select(func.count(FollowUp.id)).where(where)) or 0


def _form(token: str, key: str, **change: str) -> dict[str, str]:
    return {"kind": "follow_up", "done_on": "2017-11-03", "systolic": "138", "diastolic": "86",
            "glucose": "", "drugs": "氨氯地平", "next_on": "2018-02-03", "csrf_token": token,
            "idempotency_key": key, **change}  # fmt: skip


def _token(client: httpx.Client) -> str:
    r = client.get("/worklist/token")
    assert r.status_code == 200 and r.json()["user"] == "doctor"
    return str(r.json()["csrf_token"])


def test_a_replay_answers_the_first_follow_up(web_engine: Engine, url: str) -> None:
    cid = _contract_id(web_engine)
    client = _client(url)
    form = _form(_token(client), "replay-0001")
    before = _count(web_engine, cid)
    first = client.post(f"/worklist/{cid}/send", data=form)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["replayed"] is False and body["message"] == "Recorded."
    assert body["location"] == f"/worklist/{cid}?on=2017-11-03&kind=follow_up&saved=1"
    again = client.post(f"/worklist/{cid}/send", data=form)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert again.json()["replayed"] is True
    assert _count(web_engine, cid) == before + 1
    with session_scope(web_engine) as s:
        audits = s.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.target == "follow_up", AuditEvent.target_id == str(body["id"])))  # fmt: skip
        assert audits == 1
        key = s.scalar(select(FormKey).where(FormKey.key == "replay-0001"))
        assert key is not None and (key.username, key.result_id) == ("doctor", body["id"])
    # the same key with another body: a clear 409, nothing written
    other = client.post(f"/worklist/{cid}/send", data={**form, "systolic": "150"})
    assert other.status_code == 409
    assert other.json()["error"] == {
        "code": "client_key_reused", "field": None,
        "message": "This form was already sent with other content; open it again.",
    }  # fmt: skip
    zh = _client(url, "zh_Hans")
    refused = zh.post(f"/worklist/{cid}/send", data={**form, "systolic": "150",
                                                     "csrf_token": _token(zh)})  # fmt: skip
    assert refused.status_code == 409 and "已" in refused.json()["error"]["message"]
    assert not any(c.isascii() and c.isalpha() for c in refused.json()["error"]["message"])
    assert _count(web_engine, cid) == before + 1


def test_a_refused_record_writes_nothing_and_keeps_its_key_free(
    web_engine: Engine, url: str
) -> None:
    cid = _contract_id(web_engine)
    client = _client(url)
    token = _token(client)
    before = _count(web_engine, cid)
    form = _form(token, "refused-001", done_on="2017-11-04", systolic="400")
    bad = client.post(f"/worklist/{cid}/send", data=form)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "range_systolic"
    assert bad.json()["error"]["message"] == (
        "The systolic pressure must be a whole number from 50 to 300."
    )
    zh = _client(url, "zh_Hans")
    bad_zh = zh.post(f"/worklist/{cid}/send", data=_form(_token(zh), "refused-002",
                                                          done_on="2016-01-04"))  # fmt: skip
    assert bad_zh.status_code == 422 and bad_zh.json()["error"]["code"] == "before_contract"
    assert not any(c.isascii() and c.isalpha() for c in bad_zh.json()["error"]["message"])
    assert _count(web_engine, cid) == before
    fixed = client.post(f"/worklist/{cid}/send",
                        data=_form(token, "refused-001", done_on="2017-11-04"))  # fmt: skip
    assert fixed.status_code == 201
    assert _count(web_engine, cid) == before + 1
    no_key = client.post(f"/worklist/{cid}/send", data=_form(token, "", done_on="2017-11-05"))
    assert no_key.status_code == 422 and no_key.json()["error"]["code"] == "key_invalid"
    odd = client.post(f"/worklist/{cid}/send", data=_form(token, "a b<c>", done_on="2017-11-05"))
    assert odd.status_code == 422 and odd.json()["error"]["code"] == "key_invalid"
    assert _count(web_engine, cid) == before + 1


def test_csrf_and_an_ended_session_are_refused_and_the_form_can_wait(
    web_engine: Engine, url: str
) -> None:
    cid = _contract_id(web_engine)
    client = _client(url)
    before = _count(web_engine, cid)
    form = _form(_token(client), "session-0001", done_on="2017-11-06")
    forged = client.post(f"/worklist/{cid}/send", data={**form, "csrf_token": "forged"})
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf"
    assert "reload" in forged.json()["error"]["message"]
    keyless = client.post(f"/worklist/{cid}/send",
                          data={**form, "csrf_token": "forged", "idempotency_key": ""})  # fmt: skip
    assert keyless.status_code == 403  # the CSRF token is checked first
    logout = client.post("/logout", data={"csrf_token": form["csrf_token"]})
    assert logout.status_code == 303
    ended = client.post(f"/worklist/{cid}/send", data=form)
    assert ended.status_code == 401
    assert ended.json()["error"]["code"] == "login_required"
    assert "log in again" in ended.json()["error"]["message"]
    assert client.get("/worklist/token").status_code == 401
    assert _count(web_engine, cid) == before
    again = _client(url)  # the doctor logs in again: the queue sends with the new token
    sent = again.post(f"/worklist/{cid}/send", data={**form, "csrf_token": _token(again)})
    assert sent.status_code == 201
    assert _count(web_engine, cid) == before + 1
    other = _client(url, username="analyst")
    assert other.get("/worklist/token").status_code == 403
    outside = other.post(f"/worklist/{cid}/send", data={**form, "csrf_token": "x"})
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "forbidden"


def test_two_sends_of_one_key_at_once_record_one(web_engine: Engine, url: str) -> None:
    cid = _contract_id(web_engine)
    client = _client(url)
    form = _form(_token(client), "burst-000001", done_on="2017-11-07")
    before = _count(web_engine, cid)

    def send(_: int) -> tuple[int, int]:
        r = client.post(f"/worklist/{cid}/send", data=form)
        return r.status_code, int(r.json()["id"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send, range(4)))
    assert sorted(code for code, _ in answers) == [200, 200, 200, 201]
    assert len({fid for _, fid in answers}) == 1
    assert _count(web_engine, cid) == before + 1


def test_the_page_form_submitted_twice_records_once(web_engine: Engine, url: str) -> None:
    cid = _contract_id(web_engine)
    client = _client(url)
    page = client.get(f"/worklist/{cid}?on=2017-11-08")
    key = page.text.split('name="idempotency_key" value="')[1].split('"')[0]
    form = _form(csrf_of(page.text), key, done_on="2017-11-08")
    before = _count(web_engine, cid)
    first = client.post(f"/worklist/{cid}/record", data=form)
    second = client.post(f"/worklist/{cid}/record", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert "saved=1" in second.headers["location"]
    assert _count(web_engine, cid) == before + 1


def test_the_service_worker_is_served_for_the_worklist(url: str) -> None:
    r = httpx.get(f"{url}/worklist/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/worklist"
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert 'addEventListener("fetch"' in r.text


def test_only_the_worklist_pages_may_be_kept_and_only_for_their_user(
    url: str, web_engine: Engine
) -> None:
    """The worklist and its contract pages are the only pages the phone may keep offline:
    ``private, no-cache`` with the user they are kept for (the service worker keeps nothing
    else, and nothing marked no-store); logout clears the browser's copies."""
    cid = _contract_id(web_engine)
    client = _client(url)
    with session_scope(web_engine) as s:
        uid = s.scalar(select(User.id).where(User.username == "doctor"))
    for path in ("/worklist?on=2017-10-01", f"/worklist/{cid}?on=2017-10-01"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["cache-control"] == "private, no-cache"
        assert r.headers["x-offline-user"] == str(uid)
    for path in ("/worklist/token", "/worklist/999999999", "/worklist?on=1999-01-01"):
        r = client.get(path)
        assert r.headers["cache-control"] == "no-store", path
        assert "x-offline-user" not in r.headers
    logout = client.post("/logout", data={"csrf_token": _token(client)})
    assert logout.status_code == 303 and logout.headers["clear-site-data"] == '"cache"'
    ended = client.get("/worklist?on=2017-10-01")  # no session: the login page, not kept
    assert ended.status_code in (303, 307, 401) and "x-offline-user" not in ended.headers
    assert (ended.headers.get("cache-control") or "no-store") == "no-store"
