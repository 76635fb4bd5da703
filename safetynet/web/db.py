"""A database session per request, from the engine the app was created with, and the write
sessions: on SQLite one writer at a time, in turn across the threads of a process (a lock)
and across the server's processes (the write turn: an exclusive ``flock`` on the file
``<database>-writer.lock`` beside the database, taken before ``BEGIN IMMEDIATE``)."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

from fastapi import Request
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session


def get_db(request: Request) -> Iterator[Session]:
    """A session for the request; routes that write commit it themselves."""
    session: Session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def release(session: Session) -> None:
    """End the request's read transaction (objects stay loaded) so its connection goes back
    to the pool before a write session takes one: a request never holds two connections
    while it waits for a lock, so a burst of requests cannot exhaust the pool."""
    session.commit()


_SQLITE_WRITER = threading.Lock()


def write_session(request: Request) -> AbstractContextManager[Session]:
    """A session for a change, committed on success; on SQLite it takes the write lock at
    the start (``BEGIN IMMEDIATE``) so settlements of one household never interleave.

    On SQLite the request threads of one server process also queue on a process lock
    first, and the server's processes on the write turn (``safetynet serve --workers``):
    SQLite has one writer at a time anyway, and a writer that waits on SQLite's own lock
    polls it with sleeps of up to 100 ms, which would stretch every wait; a writer waiting
    on the turn wakes as soon as the one before commits."""
    return app_write_session(request.app)


@contextmanager
def app_write_session(app: Any) -> Iterator[Session]:
    """:func:`write_session` of an app, outside a request (the settlement writer's thread)."""
    sqlite = app.state.engine.dialect.name == "sqlite"
    turn = None
    if sqlite:
        _SQLITE_WRITER.acquire()
        turn = _turn_file(app.state.engine)
        if turn is not None:
            fcntl.flock(turn, fcntl.LOCK_EX)
    session: Session = app.state.write_sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        if sqlite:
            if turn is not None:
                fcntl.flock(turn, fcntl.LOCK_UN)
            _SQLITE_WRITER.release()


_TURNS: dict[str, int] = {}


def _turn_file(engine: Engine) -> int | None:
    """The open lock file beside a SQLite database file whose ``flock`` the writers of every
    server process on it take in turn (None in memory: one process)."""
    path = engine.url.database
    if not path or path == ":memory:":
        return None
    fd = _TURNS.get(path)
    if fd is None:
        fd = _TURNS[path] = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    return fd


GENERIC_PLANS = "force_generic_plan"


def _plans(conn: Connection, mode: str) -> None:
    """PostgreSQL's ``plan_cache_mode`` for the connection's prepared statements."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET plan_cache_mode = {mode}")
        conn.commit()


class HeldConnection:
    """A connection each writer thread keeps from batch to batch (PostgreSQL): a batch's
    session starts on it at once, without the pool's check-out — its liveness ping, one round
    trip to the server per batch — and the return's reset. A connection the server dropped
    fails the batch it was used by (the writer answers 503, as for any unreachable database)
    and is replaced at the next batch.

    The writer's statements are fixed texts with array parameters, which psycopg prepares
    once per connection; the server still planned three of them afresh at every batch (the
    persons with their locks, the snapshot, the early-warning read: a custom plan, as a
    generic plan's estimate for an array of unknown length came out higher), and planning
    them cost more than running them. On these connections every prepared statement keeps
    its generic plan (``plan_cache_mode``), reset when the connection goes back to the
    pool."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._local = threading.local()
        self._all: set[Connection] = set()
        self._lock = threading.Lock()
        # the engine's pool closes only the connections checked in: these go with it
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on this thread's connection, committed on success, else rolled back."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            if conn is not None:
                self._forget(conn)
            conn = self._local.conn = self._engine.connect()
            _plans(conn, GENERIC_PLANS)
            with self._lock:
                self._all.add(conn)
        session = Session(bind=conn, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except BaseException as exc:
            session.rollback()
            if isinstance(exc, DBAPIError):  # the connection may be broken: a new one next
                self._local.conn = None
                self._forget(conn)
            raise
        finally:
            session.close()

    def held(self) -> list[Connection]:
        """The connections the writer threads hold now (for tests)."""
        with self._lock:
            return list(self._all)

    def _forget(self, conn: Connection) -> None:
        with self._lock:
            self._all.discard(conn)
        conn.close()

    def close(self) -> None:
        """Close every thread's connection (the writer has stopped)."""
        with self._lock:
            held, self._all = list(self._all), set()
        for conn in held:
            with suppress(SQLAlchemyError):  # a connection closed or dropped: no reset
                _plans(conn, "auto")
            conn.close()
