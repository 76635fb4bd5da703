"""SQLite's write-ahead log copied back by a thread of its own (safetynet.store.checkpoint),
so a server's settlement writer never pays for an automatic checkpoint; the API server on a
SQLite file runs one beside its writer and stops it with the writer."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from safetynet.store.checkpoint import WalCheckpointer
from safetynet.store.db import make_engine
from safetynet.web.app import create_app
from safetynet.web.settling import stop_writer, writer_of


def _wait(condition, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_committed_pages_reach_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
    with engine.begin() as conn:  # ~100 pages: in the log, below the automatic checkpoint's 1,000
        conn.execute(text("INSERT INTO t (body) VALUES (:b)"), [{"b": "x" * 200}] * 2_000)
    before = path.stat().st_size
    checkpointer = WalCheckpointer(engine, every=0.01)
    try:
        assert _wait(lambda: path.stat().st_size > before + 200_000)
        assert checkpointer.checkpoints >= 1
    finally:
        checkpointer.stop()
    assert not checkpointer.running
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2_000
    engine.dispose()


def test_the_server_checkpoints_beside_its_writer_on_a_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    app = create_app(engine, secret_key="k" * 32)
    with TestClient(app):
        writer_of(app)
        checkpointer = app.state.wal_checkpointer
        assert isinstance(checkpointer, WalCheckpointer) and checkpointer.running
        stop_writer(app)
        assert not checkpointer.running
    engine.dispose()


def test_no_checkpointer_in_memory() -> None:
    engine = make_engine("sqlite://")
    app = create_app(engine, secret_key="k" * 32)
    with TestClient(app):
        writer_of(app)
        assert app.state.wal_checkpointer is None
        stop_writer(app)
    engine.dispose()
