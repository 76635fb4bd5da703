"""Shared fixtures: a clean database per test, on SQLite and on PostgreSQL.

``db_engine`` is parametrised over both backends. PostgreSQL comes from
``SAFETYNET_TEST_PG_URL`` (set by ``make test`` / ``.ci/run``); without it the
PostgreSQL half is skipped locally and is an error under CI (``CI=true``).
Each pytest-xdist worker gets its own PostgreSQL database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from safetynet.store.db import make_engine
from safetynet.store.models import Base

PG_URL = os.environ.get("SAFETYNET_TEST_PG_URL")
# the test clients speak plain HTTP: a Secure session cookie would never come back
os.environ.setdefault("SAFETYNET_SECURE_COOKIE", "false")
# fund supervision's screening at the window is off unless a test turns it on (tests of
# settlement are not about it, and their made-up claims may well break its rules)
os.environ.setdefault("SAFETYNET_SCREENING_RULES", "off")
# likewise the early-warning check after every settlement (its tests call it or turn it on)
os.environ.setdefault("SAFETYNET_EARLY_WARNING_ONLINE", "false")


def _pg_url_for_worker(worker: str) -> str:
    assert PG_URL
    base, _, _db = PG_URL.rpartition("/")
    # SAFETYNET_TEST_DB_TAG keeps test runs of several checkouts on one server apart
    tag = os.environ.get("SAFETYNET_TEST_DB_TAG", "")
    name = f"safetynet_test_{tag}{worker}"
    admin = create_engine(
        "postgresql+psycopg://" + f"{base}/postgres".split("://", 1)[1],
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname=:n"), {"n": name})
        if exists.scalar() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_engine(worker_id: str) -> Iterator[Engine]:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("SAFETYNET_TEST_PG_URL is not set under CI: PostgreSQL tests cannot run")
        pytest.skip("PostgreSQL not configured (set SAFETYNET_TEST_PG_URL or run `make test`)")
    engine = make_engine(_pg_url_for_worker(worker_id))
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _truncate_pg(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, empty database with the full schema, on each backend."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("pg_engine")
        _truncate_pg(engine)
        yield engine
        _truncate_pg(engine)


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    session = sessionmaker(bind=db_engine, expire_on_commit=False)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def fresh_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str
) -> Engine:
    """An empty database with the full schema on the backend a fixture is parametrised with
    (``request.param``: ``sqlite`` or ``postgresql``), for module- or session-scoped data."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp(name) / f"{name}.db"
        engine = make_engine(f"sqlite:///{path}")
        Base.metadata.create_all(engine)
        return engine
    if not PG_URL:
        request.getfixturevalue("pg_engine")  # skips, or fails under CI
    worker = request.getfixturevalue("worker_id")
    engine = make_engine(_pg_url_for_worker(f"{name}_{worker}"))
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    return engine
