"""Database engine and sessions for SQLite (embedded default) and PostgreSQL.

One schema serves both; ``make_engine`` applies SQLite's pragmas (WAL, foreign keys) and
lets a session ask for SQLite's write lock up front (``write_lock=True``: ``BEGIN
IMMEDIATE``), which settlement uses so writers are serialised; on PostgreSQL the settlement
service locks rows with ``SELECT ... FOR UPDATE`` instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from safetynet.config import get_settings

# seconds a new PostgreSQL connection may take: a database that does not answer (a server
# stopping, a port taken meanwhile by something else) fails a request instead of hanging it
PG_CONNECT_TIMEOUT = 10


# every session in UTC, whatever the server's TimeZone: ``now()`` stored into a timestamp
# column is then UTC, as SQLite's CURRENT_TIMESTAMP and safetynet.clock.utc_now are
PG_SESSION_OPTIONS = "-c TimeZone=UTC"


def postgres_engine(url: str, **pool: int | bool) -> Engine:
    """An engine on a PostgreSQL URL (psycopg), new connections bounded by
    :data:`PG_CONNECT_TIMEOUT` and in UTC; ``pool``: the pool's settings."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    args = {"connect_timeout": PG_CONNECT_TIMEOUT, "options": PG_SESSION_OPTIONS}
    return create_engine(url, connect_args=args, **pool)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            # ``write_lock=True`` sessions take SQLite's write lock at the start, so a
            # transaction that reads accumulators and then writes them never interleaves
            # with another writer; other transactions begin deferred as usual.
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    # a request holds at most one connection at a time (see safetynet.web.db.release); the
    # pool keeps as many as the server has request threads busy, so a burst does not open and
    # close connections (a new PostgreSQL connection costs more than a settlement)
    return postgres_engine(url, pool_pre_ping=True, pool_size=32, max_overflow=16, pool_timeout=30)


# psycopg rewrites a statement's ``%(name)s`` placeholders with a regular expression, and
# remembers the result only for statements of at most 4,096 characters and 50 parameters.
# Two statements run by every settlement batch exceed that — the ledger's chained insert
# (one array per column: 53) and the early-warning household query (9 KB) — and were
# rewritten each time: about a millisecond of the batch's CPU. The statements an app runs
# are a fixed set, so the limits are raised (the cache keeps 128 statements, least recently
# used dropped).
STATEMENT_CACHE_LENGTH = 65_536
STATEMENT_CACHE_PARAMS = 1_024


def convert_long_statements_once() -> None:
    """Let psycopg remember the conversion of long statements too (see above); a psycopg
    without these limits is left alone."""
    from psycopg import _queries

    for name, value in (("MAX_CACHED_STATEMENT_LENGTH", STATEMENT_CACHE_LENGTH),
                        ("MAX_CACHED_STATEMENT_PARAMS", STATEMENT_CACHE_PARAMS)):  # fmt: skip
        if getattr(_queries, name, value) < value:
            setattr(_queries, name, value)


convert_long_statements_once()  # for every engine of the process


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def default_engine() -> Engine:
    return engine_for(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None, *, write_lock: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error (all or nothing).

    ``write_lock``: on SQLite, take the database's write lock when the transaction begins.
    """
    bind = engine or default_engine()
    if write_lock:
        bind = bind.execution_options(sqlite_begin="IMMEDIATE")
    factory = sessionmaker(bind=bind, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
