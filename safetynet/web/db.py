"""A database session per request, from the engine the app was created with."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from fastapi import Request
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
    first: SQLite has one writer at a time anyway, and threads that wait on SQLite's own
    lock poll it with sleeps of up to 100 ms, which would stretch every wait."""
    return app_write_session(request.app)


@contextmanager
def app_write_session(app: Any) -> Iterator[Session]:
    """:func:`write_session` of an app, outside a request (the settlement writer's thread)."""
    sqlite = app.state.engine.dialect.name == "sqlite"
    if sqlite:
        _SQLITE_WRITER.acquire()
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
            _SQLITE_WRITER.release()
