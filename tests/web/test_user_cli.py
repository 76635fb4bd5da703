"""`safetynet user add|list|passwd`: accounts from the command line; bad input is refused
with a clear message and creates nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.security.passwords import verify_password
from safetynet.store.db import make_engine, session_scope
from safetynet.store.migrate import upgrade_to_head
from safetynet.store.models import Region, User

runner = CliRunner()


def _db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'users.db'}"
    upgrade_to_head(url)
    with session_scope(make_engine(url)) as s:
        s.add(Region(code="341821", name="郎溪县", level="county"))
    return url


def _users(url: str) -> int:
    with session_scope(make_engine(url)) as s:
        return s.scalar(select(func.count()).select_from(User)) or 0


def test_add_list_and_change_a_password(tmp_path: Path) -> None:
    url = _db(tmp_path)
    r = runner.invoke(
        app,
        [
            "user",
            "add",
            "wang",
            "--role",
            "clerk",
            "--region",
            "341821",
            "--password",
            "window-pass-1",
            "--db",
            url,
        ],
    )
    assert r.exit_code == 0, r.output
    assert "wang" in runner.invoke(app, ["user", "list", "--db", url]).output
    r = runner.invoke(app, ["user", "passwd", "wang", "--password", "window-pass-2", "--db", url])
    assert r.exit_code == 0
    with session_scope(make_engine(url)) as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "wang"))
    assert stored and verify_password(stored, "window-pass-2")


def test_bad_input_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    url = _db(tmp_path)
    cases = [
        (["--role", "boss", "--region", "341821", "--password", "long-enough-1"], "unknown role"),
        (["--role", "clerk", "--region", "999999", "--password", "long-enough-1"], "region"),
        (["--role", "clerk", "--region", "341821", "--password", "short"], "8 characters"),
    ]
    for args, message in cases:
        r = runner.invoke(app, ["user", "add", "li", *args, "--db", url])
        assert r.exit_code == 2 and message in r.output, r.output
    assert _users(url) == 0
    runner.invoke(
        app,
        [
            "user",
            "add",
            "li",
            "--role",
            "clerk",
            "--region",
            "341821",
            "--password",
            "long-enough-1",
            "--db",
            url,
        ],
    )
    again = runner.invoke(
        app,
        [
            "user",
            "add",
            "li",
            "--role",
            "clerk",
            "--region",
            "341821",
            "--password",
            "long-enough-1",
            "--db",
            url,
        ],
    )
    assert again.exit_code == 2 and "already exists" in again.output
    assert _users(url) == 1
