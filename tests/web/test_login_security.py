"""Logins and sessions under attack, on both databases: failed logins throttled per user and
per client address (form and HTTP Basic: 429 with Retry-After), every failure audited,
client addresses believed from trusted proxies only; logout and a password change end every
earlier session cookie and remembered Basic credential at once; the session cookie is
Secure by default, and personal answers are never stored by a cache."""

from __future__ import annotations

import asyncio
import base64
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, event, func, select

from safetynet.config import LOGIN_LIMIT_CLIENT, LOGIN_LIMIT_USER, demo_settings, get_settings
from safetynet.security.users import create_user, set_password
from safetynet.store.db import session_scope
from safetynet.store.models import Region
from safetynet.store.models.security import AuditEvent, Role, User
from safetynet.store.models.throttle import LoginFailure
from safetynet.web.app import create_app
from safetynet.web.throttle import SNAPSHOT_TTL
from tests.web.conftest import csrf_of, inpatient_claim
from tests.web.server import running_server

PASSWORD = "right-password-1"
NEW_PASSWORD = "right-password-2"


def _settings(**changes: object):  # type: ignore[no-untyped-def]
    base = replace(get_settings(), secure_cookie=False, login_limit_user="3 per 15 minutes",
                   login_limit_client="5 per 15 minutes")  # fmt: skip
    return replace(base, **changes)


def _user(engine: Engine, username: str, role: Role = Role.BUREAU, institution: str | None = None):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        s.execute(delete(User).where(User.username == username))
        county = s.scalar(select(Region.code).where(Region.level == "county"))
        create_user(s, username=username, password=PASSWORD, role=role, region_code=county,
                    institution_code=institution, locale="en")  # fmt: skip


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"authorization": f"Basic {token}"}


def _form_login(client: TestClient, username: str, password: str, **headers: str):  # type: ignore[no-untyped-def]
    page = client.get("/login", headers=headers)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text),
              "next": "/"},
        headers=headers,
    )  # fmt: skip


def _failures(engine: Engine, username: str, action: str = "login_failed") -> list[AuditEvent]:
    with session_scope(engine) as s:
        return list(
            s.scalars(
                select(AuditEvent)
                .where(AuditEvent.username == username, AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        )


@pytest.fixture(autouse=True)
def no_earlier_failures(web_engine: Engine) -> None:
    """Failed logins are rows of the module's database now: each test starts without any."""
    with session_scope(web_engine) as s:
        s.execute(delete(LoginFailure))


@pytest.fixture
def strict(web_engine: Engine) -> Iterator[TestClient]:
    """A client of an app allowing 3 failed logins per user and 5 per client."""
    yield TestClient(create_app(web_engine, secret_key="k", settings=_settings()),
                     follow_redirects=False)  # fmt: skip


def _assert_throttled(r) -> int:  # type: ignore[no-untyped-def]
    assert r.status_code == 429, r.text
    wait = int(r.headers["retry-after"])
    assert 0 < wait <= 15 * 60
    return wait


def test_the_login_form_is_throttled_per_user_and_audited(
    strict: TestClient, web_engine: Engine
) -> None:
    _user(web_engine, "form-victim")
    for _ in range(3):
        assert _form_login(strict, "form-victim", "guess").status_code == 401
    r = _form_login(strict, "form-victim", PASSWORD)  # the right password, too late
    _assert_throttled(r)
    assert "登录失败次数过多" in r.text  # the page's language (Chinese unless chosen)
    assert strict.get("/persons").status_code == 303  # not logged in
    failures = _failures(web_engine, "form-victim")
    assert len(failures) == 3 and all(f.detail == {"via": "form"} for f in failures)
    refused = _failures(web_engine, "form-victim", "login_throttled")
    assert [f.detail for f in refused] == [{"via": "form"}]


def test_http_basic_is_throttled_per_user_and_every_failure_audited(
    strict: TestClient, web_engine: Engine, sample_person, hospital: str
) -> None:
    _user(web_engine, "basic-victim", Role.CLERK, institution=hospital)
    # the right password, remembered from now on: a guess equal to it gains nothing later
    assert strict.get("/api/me", headers=_basic("basic-victim", PASSWORD)).status_code == 200
    for _ in range(3):
        r = strict.get("/api/me", headers=_basic("basic-victim", "guess"))
        assert r.status_code == 401
    r = strict.get("/api/me", headers=_basic("basic-victim", PASSWORD))
    _assert_throttled(r)
    assert r.json()["error"]["code"] == "login_throttled"
    claim = inpatient_claim(sample_person.resident_id, hospital)
    r = strict.post("/api/claims", json=claim, headers=_basic("basic-victim", PASSWORD))
    _assert_throttled(r)  # the settlement's own fast login path too
    failures = _failures(web_engine, "basic-victim")
    assert len(failures) == 3 and all(f.detail == {"via": "basic"} for f in failures)
    refused = _failures(web_engine, "basic-victim", "login_throttled")
    assert [f.detail for f in refused] == [{"via": "basic"}] * 2
    assert all(f.client == "testclient" for f in failures)
    # in Chinese when asked, its code the same (tests/web/test_api_language.py)
    r = strict.get("/api/me", headers={**_basic("basic-victim", PASSWORD),
                                       "accept-language": "zh-CN"})  # fmt: skip
    _assert_throttled(r)
    error = r.json()["error"]
    assert error["code"] == "login_throttled" and "登录失败次数过多" in error["message"]
    assert not re.search("[A-Za-z]", error["message"]) and r.headers["retry-after"] in error[
        "message"]  # fmt: skip


def test_one_address_guessing_many_users_is_throttled(
    strict: TestClient, web_engine: Engine
) -> None:
    _user(web_engine, "innocent")
    for i in range(5):
        assert _form_login(strict, f"nobody-{i}", "guess").status_code == 401
    _assert_throttled(_form_login(strict, "innocent", PASSWORD))
    _assert_throttled(strict.get("/api/me", headers=_basic("innocent", PASSWORD)))


def test_correct_logins_never_count(strict: TestClient, web_engine: Engine) -> None:
    _user(web_engine, "regular")
    for _ in range(12):
        assert _form_login(strict, "regular", PASSWORD).status_code == 303
        assert strict.get("/api/me", headers=_basic("regular", PASSWORD)).status_code == 200


def test_behind_a_trusted_proxy_each_forwarded_address_counts_apart(web_engine: Engine) -> None:
    app = create_app(
        web_engine, secret_key="k", settings=_settings(trusted_proxies=("testclient",))
    )
    client = TestClient(app, follow_redirects=False)
    _user(web_engine, "proxied")
    far = {"x-forwarded-for": "203.0.113.5"}
    for i in range(5):
        r = client.get("/api/me", headers={**_basic(f"ghost-{i}", "guess"), **far})
        assert r.status_code == 401
    _assert_throttled(client.get("/api/me", headers={**_basic("proxied", PASSWORD), **far}))
    near = {"x-forwarded-for": "203.0.113.6"}
    assert client.get("/api/me", headers={**_basic("proxied", PASSWORD), **near}).status_code == 200
    assert _failures(web_engine, "ghost-0")[-1].client == "203.0.113.5"


def test_forwarded_addresses_from_untrusted_peers_are_ignored(
    strict: TestClient, web_engine: Engine
) -> None:
    _user(web_engine, "spoofer")
    for i in range(5):  # a new forged address each time: still one client
        r = strict.get("/api/me", headers={**_basic("spoofer", "guess"),
                                           "x-forwarded-for": f"198.51.100.{i}"})  # fmt: skip
        assert r.status_code in (401, 429)
    assert {f.client for f in _failures(web_engine, "spoofer")} == {"testclient"}
    _assert_throttled(strict.get("/api/me", headers=_basic("spoofer", PASSWORD)))


def test_thresholds_and_proxies_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SAFETYNET_LOGIN_LIMIT_USER", "SAFETYNET_LOGIN_LIMIT_CLIENT",
                 "SAFETYNET_TRUSTED_PROXIES", "SAFETYNET_SECURE_COOKIE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    s = get_settings()
    assert (s.login_limit_user, s.login_limit_client) == (LOGIN_LIMIT_USER, LOGIN_LIMIT_CLIENT)
    assert s.trusted_proxies == () and s.secure_cookie is True
    assert demo_settings().secure_cookie is False
    monkeypatch.setenv("SAFETYNET_LOGIN_LIMIT_USER", "5 per minute")
    monkeypatch.setenv("SAFETYNET_TRUSTED_PROXIES", "10.0.0.1, 10.1.0.0/16")
    monkeypatch.setenv("SAFETYNET_SECURE_COOKIE", "false")
    s = get_settings()
    assert s.login_limit_user == "5 per minute"
    assert s.trusted_proxies == ("10.0.0.1", "10.1.0.0/16")
    assert s.secure_cookie is False


# --- shared by every server process -------------------------------------------------------


def test_two_server_processes_share_the_throttle_over_http(web_engine: Engine) -> None:
    """Two apps on one database (two workers, or hosts), served over real HTTP: failures
    made against one throttle logins at the other, for the form and for Basic, and the
    counts outlive both apps (a restarted server remembers them)."""
    _user(web_engine, "roamer")
    first = create_app(web_engine, secret_key="k", settings=_settings())
    second = create_app(web_engine, secret_key="k", settings=_settings())
    with running_server(first) as a, running_server(second) as b:
        for i in range(3):  # the limit per user, spread over both servers
            url = a if i % 2 == 0 else b
            r = httpx.get(f"{url}/api/me", headers=_basic("roamer", "guess"))
            assert r.status_code == 401, r.text
        for url in (a, b):
            r = httpx.get(f"{url}/api/me", headers=_basic("roamer", PASSWORD))
            _assert_throttled(r)
    restarted = TestClient(create_app(web_engine, secret_key="k", settings=_settings()),
                           follow_redirects=False)  # fmt: skip
    _assert_throttled(_form_login(restarted, "roamer", PASSWORD))
    with session_scope(web_engine) as s:
        assert s.scalar(select(func.count()).select_from(LoginFailure)) == 3


def test_a_credential_remembered_by_one_process_is_throttled_by_anothers_failures(
    web_engine: Engine,
) -> None:
    """The guessing oracle across workers: the right password is remembered by the second
    app (no password check there); an attacker fills the throttle on the first app; the
    remembered right password must not answer 200 on the second one either."""
    _user(web_engine, "oracle")
    first = TestClient(create_app(web_engine, secret_key="k", settings=_settings()))
    second = TestClient(create_app(web_engine, secret_key="k", settings=_settings()))
    assert second.get("/api/me", headers=_basic("oracle", PASSWORD)).status_code == 200
    for _ in range(3):
        assert first.get("/api/me", headers=_basic("oracle", "guess")).status_code == 401
    time.sleep(SNAPSHOT_TTL + 0.1)
    _assert_throttled(second.get("/api/me", headers=_basic("oracle", PASSWORD)))


def test_the_throttles_snapshot_is_refreshed_on_one_kept_connection(
    web_engine: Engine, sample_person, hospital: str
) -> None:
    """A remembered credential's throttle check (a hospital system's claims) reads the
    snapshot again every ``SNAPSHOT_TTL``: on one connection kept open (not a new one each
    time, which cost more than the refresh), that still sees the failures another process
    counted meanwhile; and never on the event loop (a database that does not answer would
    stop every request of the process)."""
    _user(web_engine, "keeper", Role.CLERK, institution=hospital)
    first = TestClient(create_app(web_engine, secret_key="k", settings=_settings()))
    second = create_app(web_engine, secret_key="k", settings=_settings())
    own = second.state.login_throttle._snapshot_sessions.kw["bind"]
    assert own is not web_engine  # never the requests' pool
    opened: list[object] = []
    event.listen(own, "connect", lambda conn, _record: opened.append(conn))
    on_loop: list[bool] = []
    event.listen(own, "before_cursor_execute", lambda *_: on_loop.append(_on_event_loop()))
    claim = inpatient_claim(sample_person.resident_id, hospital)
    headers = {**_basic("keeper", PASSWORD), "idempotency-key": "keep-1"}
    with TestClient(second) as system:
        assert system.get("/api/me", headers=headers).status_code == 200  # remembered now
        for _ in range(4):  # the first settles, the others answer it again
            assert system.post("/api/claims", json=claim, headers=headers).status_code in (200, 201)
            time.sleep(SNAPSHOT_TTL + 0.05)  # the next one refreshes the snapshot
        assert len(opened) == 1, opened
        for _ in range(3):
            assert first.get("/api/me", headers=_basic("keeper", "guess")).status_code == 401
        time.sleep(SNAPSHOT_TTL + 0.1)
        _assert_throttled(system.post("/api/claims", json=claim, headers=headers))
    assert len(opened) == 1
    assert on_loop and not any(on_loop), on_loop


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def test_failures_older_than_the_windows_are_pruned(web_engine: Engine) -> None:
    with session_scope(web_engine) as s:
        s.add(LoginFailure(at=datetime(2000, 1, 1), username="ancient", client="x"))
    _user(web_engine, "pruner")
    client = TestClient(create_app(web_engine, secret_key="k", settings=_settings()))
    assert client.get("/api/me", headers=_basic("pruner", "guess")).status_code == 401
    with session_scope(web_engine) as s:
        assert s.scalars(select(LoginFailure.username)).all() == ["pruner"]


# --- revocation ---------------------------------------------------------------------------


def _cookie(client: TestClient) -> str:
    value = client.cookies.get("safetynet_session")
    assert value
    return value


def test_logout_ends_every_earlier_session_cookie(app, web_engine: Engine) -> None:
    _user(web_engine, "leaver")
    first, second = TestClient(app, follow_redirects=False), TestClient(app, follow_redirects=False)
    assert _form_login(first, "leaver", PASSWORD).status_code == 303
    assert _form_login(second, "leaver", PASSWORD).status_code == 303
    captured = _cookie(first)
    assert first.get("/persons").status_code == 200
    token = csrf_of(first.get("/persons").text)
    assert first.post("/logout", data={"csrf_token": token}).status_code == 303
    thief = TestClient(app, follow_redirects=False, cookies={"safetynet_session": captured})
    r = thief.get("/persons")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert second.get("/persons").status_code == 303  # the user's other session too
    again = TestClient(app, follow_redirects=False)
    assert _form_login(again, "leaver", PASSWORD).status_code == 303
    assert again.get("/persons").status_code == 200  # a new login works


def test_a_stale_cookie_cannot_log_the_user_out(app, web_engine: Engine) -> None:
    _user(web_engine, "stayer")
    old = TestClient(app, follow_redirects=False)
    assert _form_login(old, "stayer", PASSWORD).status_code == 303
    token = csrf_of(old.get("/persons").text)
    captured = _cookie(old)
    assert old.post("/logout", data={"csrf_token": token}).status_code == 303
    fresh = TestClient(app, follow_redirects=False)
    assert _form_login(fresh, "stayer", PASSWORD).status_code == 303
    thief = TestClient(app, follow_redirects=False, cookies={"safetynet_session": captured})
    thief.post("/logout", data={"csrf_token": token})
    assert fresh.get("/persons").status_code == 200


def test_a_password_change_ends_old_cookies_and_old_basic_credentials_at_once(
    app, web_engine: Engine, sample_person, hospital: str
) -> None:
    _user(web_engine, "changer", Role.CLERK, institution=hospital)
    browser = TestClient(app, follow_redirects=False)
    assert _form_login(browser, "changer", PASSWORD).status_code == 303
    system = TestClient(app)
    old = _basic("changer", PASSWORD)
    assert system.get("/api/me", headers=old).status_code == 200  # remembered from now on
    claim = inpatient_claim(sample_person.resident_id, hospital, "2017-12-06")  # a bill of its own
    r = system.post("/api/claims", json=claim, headers={**old, "idempotency-key": "chg-1"})
    assert r.status_code == 201, r.text
    with session_scope(web_engine) as s:  # as `safetynet user passwd` does
        set_password(s, "changer", NEW_PASSWORD)
    assert system.get("/api/me", headers=old).status_code == 401
    r = system.post("/api/claims", json=claim, headers={**old, "idempotency-key": "chg-2"})
    assert r.status_code == 401, r.text
    assert browser.get("/persons").status_code == 303
    assert system.get("/api/me", headers=_basic("changer", NEW_PASSWORD)).status_code == 200


# --- cookie and cache headers ---------------------------------------------------------------


def test_the_session_cookie_is_secure_when_the_setting_says_so(web_engine: Engine) -> None:
    _user(web_engine, "secure-user")
    app = create_app(web_engine, secret_key="k", settings=_settings(secure_cookie=True))
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    r = _form_login(client, "secure-user", PASSWORD)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "safetynet_session=" in cookie and "; secure" in cookie and "httponly" in cookie
    assert client.get("/persons").status_code == 200  # over HTTPS it comes back
    plain = create_app(web_engine, secret_key="k", settings=_settings(secure_cookie=False))
    r = _form_login(TestClient(plain, follow_redirects=False), "secure-user", PASSWORD)
    assert "; secure" not in r.headers["set-cookie"].lower()


def test_personal_answers_are_never_stored_by_a_cache(
    login, app, sample_person, web_engine: Engine
) -> None:
    client = login("bureau", "en")
    rid = sample_person.resident_id
    with session_scope(web_engine) as s:
        from safetynet.store.models import Settlement

        sid = s.scalar(select(Settlement.id).where(Settlement.person_id == sample_person.id))
    for url in (f"/persons/{rid}", f"/persons/{rid}/claims.xlsx", f"/settlements/{sid}/pdf",
                f"/api/persons/{rid}", "/persons.xlsx?q=" + rid, "/login"):  # fmt: skip
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert r.headers.get("cache-control") == "no-store", url
    r = TestClient(app).get("/api/me", headers=_basic("bureau", "safetynet-demo"))
    assert r.headers.get("cache-control") == "no-store"
    static = client.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")
