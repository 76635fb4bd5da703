"""The audit log: who read or changed whose personal or financial data, and logins.

Every interface records through :func:`record`, in the same transaction as the read or the
change, so a change without its audit entry cannot be committed. :func:`recent` reads the
log for an auditor of a region: the entries of that region's users (and of no known user:
failed logins under made-up names), never another region's users' reads of its people.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from safetynet.security.login_failures import fold_username
from safetynet.security.scope import within
from safetynet.store.models.security import AuditEvent, User
from safetynet.store.unnest import UnnestInsert

_INSERT = insert(AuditEvent.__table__)  # built once; runs in the caller's transaction
_ROWS = UnnestInsert(
    AuditEvent.__table__,  # type: ignore[arg-type]
    ("at", "username", "action", "target", "target_id", "detail", "client"),
)


def record(
    session: Session,
    *,
    username: str | None,
    action: str,
    target: str,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
    client: str | None = None,
) -> None:
    session.connection().execute(
        _INSERT,
        {
            "at": datetime.now(UTC).replace(tzinfo=None),
            "username": username,
            "action": action,
            "target": target,
            "target_id": target_id,
            "detail": detail,
            "client": client,
        },
    )


def record_many(session: Session, entries: list[dict[str, Any]]) -> None:
    """Record several changes with one multi-row statement (a batch of settlements); each
    entry holds :func:`record`'s keyword arguments."""
    if not entries:
        return
    at = datetime.now(UTC).replace(tzinfo=None)
    rows = [{"at": at, "target_id": None, "detail": None, "client": None, **e} for e in entries]
    _ROWS.insert(session.connection(), rows)  # PostgreSQL: one fixed statement of arrays


def record_read(session: Session, **entry: Any) -> None:
    """Record a read (or an export, a login) made in ``session`` and commit.

    The read's own transaction ends first and the entry is written by a fresh one: on SQLite
    a transaction that has read and then writes fails at once when another connection wrote
    in between, while a fresh write waits for the lock like any other.
    """
    session.commit()
    record(session, **entry)
    session.commit()


def recent(
    session: Session,
    *,
    limit: int = 200,
    username: str | None = None,
    target_id: str | None = None,
    region_code: str | None = None,
) -> list[AuditEvent]:
    """The latest entries, newest first; ``region_code``: only those of the region's users
    (any depth) and of no known user."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if region_code:
        users = select(User.username)
        query = query.where(
            AuditEvent.username.is_(None)
            | AuditEvent.username.in_(users.where(within(User.region_code, region_code)))
            | AuditEvent.username.not_in(users)
        )
    if username:  # any case: the account's name, and the folded name of failed logins
        account = session.scalar(
            select(User.username).where(User.username_key == fold_username(username))
        )
        names = {username, fold_username(username)} | ({account} if account else set())
        query = query.where(AuditEvent.username.in_(sorted(names)))
    if target_id:
        query = query.where(AuditEvent.target_id == target_id)
    return list(session.scalars(query))
