"""Logging in, sessions, CSRF, roles and the audit of logins — over HTTP, in process."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from safetynet.store.db import session_scope
from safetynet.store.models.security import AuditEvent, User
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import csrf_of


def test_pages_need_a_login_and_come_back_after_it(app) -> None:
    client = TestClient(app, follow_redirects=False)
    r = client.get("/persons?q=abc")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/persons%3Fq%3Dabc"
    page = client.get("/login?next=/persons")
    r = client.post(
        "/login",
        data={
            "username": "bureau",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/persons",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/persons"
    assert client.get("/persons").status_code == 200


def test_a_wrong_password_is_refused_and_audited(app, web_engine: Engine) -> None:
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login", headers={"accept-language": "en"})
    r = client.post(
        "/login",
        data={"username": "clerk", "password": "wrong-password", "csrf_token": csrf_of(page.text)},
        headers={"accept-language": "en"},
    )
    assert r.status_code == 401
    assert "Wrong username or password." in r.text
    assert "safetynet_session" not in r.cookies or client.get("/persons").status_code == 303
    with session_scope(web_engine) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
        assert any(e.username == "clerk" for e in events)


def test_the_login_form_needs_its_csrf_token(app) -> None:
    client = TestClient(app, follow_redirects=False)
    client.get("/login")
    r = client.post(
        "/login", data={"username": "bureau", "password": DEMO_PASSWORD, "csrf_token": "forged"}
    )
    assert r.status_code == 403


def test_next_never_leaves_the_site(app) -> None:
    for target in ("//evil.example/x", "https://evil.example", "/\\evil"):
        client = TestClient(app, follow_redirects=False)
        page = client.get("/login")
        r = client.post(
            "/login",
            data={
                "username": "bureau",
                "password": DEMO_PASSWORD,
                "csrf_token": csrf_of(page.text),
                "next": target,
            },
        )
        assert r.headers["location"] == "/"


def test_passwords_are_stored_as_argon2_hashes(web_engine: Engine) -> None:
    with session_scope(web_engine) as s:
        hashes = s.scalars(select(User.password_hash)).all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(DEMO_PASSWORD in h for h in hashes)


def test_logout_ends_the_session(login) -> None:
    client = login("bureau")
    token = csrf_of(client.get("/persons").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/persons").status_code == 303


def test_roles_limit_what_a_user_may_open(login) -> None:
    analyst = login("analyst")
    assert analyst.get("/").status_code == 200
    assert analyst.get("/audit").status_code == 403
    clerk = login("clerk")
    assert clerk.get("/").status_code == 200  # no reports: the clerk lands at the window
    assert clerk.get("/audit").status_code == 403
    assert login("auditor").get("/audit").status_code == 200


def test_api_answers_401_in_json_without_credentials(app) -> None:
    client = TestClient(app)
    r = client.get("/api/me")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]["code"] == "login_required"
    bad = base64.b64encode(b"clerk:nope-nope").decode()
    r = client.get("/api/me", headers={"authorization": f"Basic {bad}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "credentials_wrong"
    good = base64.b64encode(f"clerk:{DEMO_PASSWORD}".encode()).decode()
    r = client.get("/api/me", headers={"authorization": f"Basic {good}"})
    assert r.status_code == 200 and r.json()["role"] == "clerk"


def test_api_changes_through_a_browser_session_need_the_csrf_header(login) -> None:
    client = login("clerk")
    r = client.post("/api/settlements/1/refund", json={"reason": "test"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"


def test_pages_name_their_icon_and_it_is_served(app) -> None:
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login")
    assert '<link rel="icon" href="/static/favicon.svg"' in page.text
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")


def test_reading_the_audit_log_is_itself_audited(login, web_engine: Engine) -> None:
    """Who read the audit log, when and with which filters: an entry per read of /audit."""

    def reads() -> list[tuple[str | None, dict | None]]:
        with session_scope(web_engine) as s:
            rows = s.execute(
                select(AuditEvent.username, AuditEvent.detail)
                .where(AuditEvent.target == "audit", AuditEvent.action == "read")
                .order_by(AuditEvent.id)
            ).all()
            return [(u, d) for u, d in rows]

    before = len(reads())
    auditor = login("auditor")
    assert auditor.get("/audit", params={"username": "clerk"}).status_code == 200
    assert login("analyst").get("/audit").status_code == 403  # refused: no read recorded
    after = reads()
    assert len(after) == before + 1
    assert after[-1][0] == "auditor" and (after[-1][1] or {}).get("username") == "clerk"


def test_an_auditor_reads_the_log_of_their_region_only(login, web_engine: Engine) -> None:
    """The reads of another county's users (of that county's people) are not the county
    auditor's to see; that county's auditor sees them; unknown usernames (failed logins)
    stay visible."""
    from safetynet.codes import RegionLevel
    from safetynet.security import audit
    from safetynet.security.users import create_user
    from safetynet.store.models import Region
    from safetynet.store.models.security import Role

    with session_scope(web_engine) as s:
        if s.get(Region, "349998") is None:
            s.add(Region(code="349998", name="远县", level=RegionLevel.COUNTY))
            s.flush()
            create_user(s, username="faraway", password=DEMO_PASSWORD, role=Role.BUREAU,
                        region_code="349998", locale="en")  # fmt: skip
            create_user(s, username="faraway-auditor", password=DEMO_PASSWORD,
                        role=Role.AUDITOR, region_code="349998", locale="en")  # fmt: skip
        audit.record_read(s, username="faraway", action="read", target="person",
                          target_id="FARAWAY-PERSON")  # fmt: skip
        audit.record_read(s, username="nobody-such", action="login_failed", target="user",
                          target_id="NOBODY-SUCH")  # fmt: skip
    county = login("auditor", "en")

    def shown(client: TestClient, target: str) -> bool:
        page = client.get("/audit", params={"target_id": target})
        assert page.status_code == 200
        return f"<td>{target}</td>" in page.text

    assert "FARAWAY-PERSON" not in county.get("/audit").text
    assert not shown(county, "FARAWAY-PERSON") and shown(county, "NOBODY-SUCH")
    assert "<td>clerk</td>" in county.get("/audit", params={"username": "clerk"}).text
    assert shown(login("faraway-auditor", "en"), "FARAWAY-PERSON")
