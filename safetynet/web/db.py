"""A database session per request, from the engine the app was created with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def write_session(request: Request) -> Iterator[Session]:
    """A session for a change, committed on success; on SQLite it takes the write lock at
    the start (``BEGIN IMMEDIATE``) so settlements of one household never interleave."""
    session: Session = request.app.state.write_sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
