"""Usernames are case-insensitive, on both databases: ``Case-User`` and ``case-user`` are one
account — a second differing only by case is refused (service, database and CLI); login by
form and by HTTP Basic takes any case; failed logins of every spelling count against the one
account and are audited under its name; the audit log and a reviewer's assignment find the
account in any case."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from safetynet.cli.main import app as cli
from safetynet.config import get_settings
from safetynet.security import audit
from safetynet.security.users import UserError, create_user, set_password
from safetynet.store.db import make_engine, session_scope
from safetynet.store.migrate import upgrade_to_head
from safetynet.store.models import Region
from safetynet.store.models.security import AuditEvent, Role, User
from safetynet.store.models.throttle import LoginFailure
from safetynet.web.app import create_app
from tests.web.conftest import csrf_of

PASSWORD = "right-password-1"
NAME = "Case-User"


def _county(s) -> str:  # type: ignore[no-untyped-def]
    code = s.scalar(select(Region.code).where(Region.level == "county"))
    assert code
    return code


@pytest.fixture
def account(web_engine: Engine) -> Iterator[str]:
    with session_scope(web_engine) as s:
        s.execute(delete(LoginFailure))
        s.execute(delete(User).where(User.username == NAME))
        create_user(s, username=NAME, password=PASSWORD, role=Role.BUREAU,
                    region_code=_county(s), locale="en")  # fmt: skip
    yield NAME
    with session_scope(web_engine) as s:
        s.execute(delete(LoginFailure))


@pytest.fixture
def strict(web_engine: Engine) -> TestClient:
    """An app allowing 3 failed logins per user (and many per client)."""
    settings = replace(get_settings(), secure_cookie=False, login_limit_user="3 per 15 minutes",
                       login_limit_client="50 per 15 minutes")  # fmt: skip
    return TestClient(create_app(web_engine, secret_key="k", settings=settings),
                      follow_redirects=False)  # fmt: skip


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"authorization": f"Basic {token}"}


def _form_login(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(page.text), "next": "/"})  # fmt: skip


def _audited(engine: Engine, action: str) -> list[str | None]:
    with session_scope(engine) as s:
        query = select(AuditEvent.username).where(AuditEvent.action == action)
        return list(s.scalars(query.where(func.lower(AuditEvent.username) == NAME.lower())))


def test_a_second_account_differing_only_by_case_is_refused(
    web_engine: Engine, account: str
) -> None:
    for other in ("case-user", "CASE-USER", " case-USER "):
        with pytest.raises(UserError, match="not case-sensitive") as error, \
                session_scope(web_engine) as s:  # fmt: skip
            create_user(s, username=other, password=PASSWORD, role=Role.CLERK,
                        region_code=_county(s))  # fmt: skip
        assert repr(NAME) in str(error.value)
    with pytest.raises(UserError, match="already exists"), session_scope(web_engine) as s:
        create_user(s, username=NAME, password=PASSWORD, role=Role.CLERK, region_code=_county(s))
    with pytest.raises(IntegrityError), session_scope(web_engine) as s:  # the database's rule
        existing = s.scalar(select(User).where(User.username == NAME))
        assert existing is not None
        s.add(User(username="cASE-uSER", username_key=existing.username_key,
                   display_name="x", password_hash=existing.password_hash, role=Role.CLERK,
                   region_code=existing.region_code, locale="en", active=True,
                   created_at=existing.created_at))  # fmt: skip
    with session_scope(web_engine) as s:
        key = func.lower(User.username) == NAME.lower()
        assert s.scalar(select(func.count()).select_from(User).where(key)) == 1
        set_password(s, "CASE-user", PASSWORD)  # any case names the account


def test_login_by_form_and_basic_takes_any_case(
    strict: TestClient, web_engine: Engine, account: str
) -> None:
    for spelling in ("case-user", "CASE-USER", NAME):
        r = _form_login(strict, spelling, PASSWORD)
        assert r.status_code == 303, (spelling, r.text)
        me = strict.get("/api/me", headers=_basic(spelling, PASSWORD))
        assert me.status_code == 200, spelling
        assert me.json()["username"] == NAME  # the account's own name
    assert _audited(web_engine, "login") == [NAME] * 3


def test_failed_logins_of_every_spelling_count_against_the_one_account(
    strict: TestClient, web_engine: Engine, account: str
) -> None:
    assert _form_login(strict, "case-user", "guess").status_code == 401
    assert strict.get("/api/me", headers=_basic("CASE-USER", "guess")).status_code == 401
    assert _form_login(strict, "Case-USER", "guess").status_code == 401
    for spelling in (NAME, "case-user"):  # the right password, in any case: too late
        assert _form_login(strict, spelling, PASSWORD).status_code == 429
        assert strict.get("/api/me", headers=_basic(spelling, PASSWORD)).status_code == 429
    assert _audited(web_engine, "login_failed") == [NAME] * 3  # under the account's name
    assert _audited(web_engine, "login_throttled") == [NAME] * 4
    with session_scope(web_engine) as s:  # the audit log finds them by any case
        found = audit.recent(s, username="CASE-USER", limit=50)
        assert sum(e.action == "login_failed" for e in found) == 3


def _cli_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'users.db'}"
    upgrade_to_head(url)
    with session_scope(make_engine(url)) as s:
        s.add(Region(code="341821", name="郎溪县", level="county"))
    return url


def _add(url: str, username: str):  # type: ignore[no-untyped-def]
    args = ["user", "add", username, "--role", "clerk", "--region", "341821"]
    return CliRunner().invoke(cli, [*args, "--password", "window-pass-1", "--db", url])


def test_the_cli_refuses_a_name_differing_only_by_case(tmp_path: Path) -> None:
    url = _cli_db(tmp_path)
    assert _add(url, "Wang").exit_code == 0
    r = _add(url, "wANG")
    assert r.exit_code == 2
    assert "'Wang' already exists" in r.output and "not case-sensitive" in r.output
    args = ["user", "passwd", "WANG", "--password", "window-pass-2", "--db", url]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    with session_scope(make_engine(url)) as s:
        assert list(s.scalars(select(User.username))) == ["Wang"]
