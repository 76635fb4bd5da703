"""Failed logins kept in the database, so every server process of a deployment (workers,
hosts, a restarted server) counts the same ones: record one, and the seconds a username or a
client address still has to wait under a moving-window limit ("N failures per window")."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from safetynet.store.models.throttle import LoginFailure

KEY_LENGTH = 64  # the columns' length: longer usernames and addresses are cut


def now() -> datetime:
    """The current time as stored (naive UTC, like every other timestamp)."""
    return datetime.now(UTC).replace(tzinfo=None)


def fold_username(username: str) -> str:
    """The username as the throttle counts it (case and surrounding space ignored)."""
    return username.strip().lower()[:KEY_LENGTH]


def fold_client(client: str | None) -> str:
    return (client or "unknown")[:KEY_LENGTH]


def record(db: Session, username: str, client: str | None, keep: timedelta) -> None:
    """Store a failed login of ``username`` from ``client`` and drop failures older than
    ``keep`` (the longest window); commits."""
    at = now()
    db.execute(delete(LoginFailure).where(LoginFailure.at < at - keep))
    db.add(LoginFailure(at=at, username=fold_username(username), client=fold_client(client)))
    db.commit()


def wait(db: Session, column: str, key: str, amount: int, window: timedelta) -> int | None:
    """Seconds until fewer than ``amount`` failures of ``key`` (a folded username or client,
    per ``column``) fall within ``window``; None when fewer already do."""
    at = now()
    field = getattr(LoginFailure, column)
    nth_latest = db.scalar(
        select(LoginFailure.at)
        .where(field == key, LoginFailure.at > at - window)
        .order_by(LoginFailure.at.desc())
        .offset(amount - 1)
        .limit(1)
    )
    if nth_latest is None:
        return None
    return max(1, math.ceil((nth_latest + window - at).total_seconds()))


def over_limit(db: Session, column: str, amount: int, window: timedelta) -> set[str]:
    """Every username or client (per ``column``) with at least ``amount`` failures within
    ``window`` now."""
    field = getattr(LoginFailure, column)
    rows = db.execute(
        select(field)
        .where(LoginFailure.at > now() - window)
        .group_by(field)
        .having(func.count() >= amount)
    )
    return {row[0] for row in rows}
