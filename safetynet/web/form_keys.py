"""Idempotent forms: a form a device may send more than once (queued offline, sent again
when the connection returns, or submitted twice) carries a client-made key; the first
accepted send stores the key with its user, a SHA-256 of its body and the id of the row it
wrote (:class:`~safetynet.store.models.form_keys.FormKey`), in the same transaction as the
row. A later send with the same key and body answers that first row; with another body it
is refused (409). A refused form stores nothing, so its key stays free for a corrected one.

Keys are kept ``form_key_days`` (setting ``SAFETYNET_FORM_KEY_DAYS``, default 90): storing a
key drops the keys older than that, at most once a day per process (:func:`prune_due`).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from safetynet.config import get_settings
from safetynet.store.models.form_keys import FormKey
from safetynet.web.errors import WebError

KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
PRUNE_EVERY = timedelta(days=1)  # a process prunes at most this often


def now() -> datetime:
    """The current time as stored (naive UTC, like every other timestamp)."""
    return datetime.now(UTC).replace(tzinfo=None)


class _Gate:
    """When this process last pruned (so storing a key prunes at most once a day)."""

    def __init__(self) -> None:
        self.last: datetime | None = None
        self.lock = threading.Lock()

    def due(self, at: datetime) -> bool:
        with self.lock:
            if self.last is not None and at - self.last < PRUNE_EVERY:
                return False
            self.last = at
            return True


_gate = _Gate()


def checked_key(text: str) -> str | None:
    """The form's key (None when it came without one); 422 when it is not 8-64 letters,
    digits, ``-`` or ``_``."""
    text = text.strip()
    if not text:
        return None
    if not KEY.fullmatch(text):
        raise WebError(422, "key_invalid", "the form's key must be 8-64 letters, digits, - or _",
                       field="idempotency_key")  # fmt: skip
    return text


def digest(fields: Mapping[str, object]) -> str:
    """The SHA-256 of a form's fields (order-free; the key and CSRF token left out)."""
    body = {k: v for k, v in fields.items() if k not in ("csrf_token", "idempotency_key")}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def replayed(session: Session, username: str, key: str, form: str, body: str) -> int | None:
    """The id the key's first send wrote, or None if the key is new; 409 when the key came
    with another body (or for another form)."""
    row = session.scalar(select(FormKey).where(FormKey.username == username, FormKey.key == key))
    if row is None:
        return None
    if row.body_sha256 != body or row.form != form:
        raise WebError(409, "client_key_reused", f"the key {key} was sent with another form")
    return row.result_id


def remember(
    session: Session, username: str, key: str, form: str, body: str, result_id: int
) -> None:
    """Store the key of an accepted form (the caller commits it with the row it wrote; a
    concurrent send of the same key fails there on the unique key)."""
    at = now()
    prune_due(session, timedelta(days=get_settings().form_key_days), at)
    session.add(FormKey(username=username, key=key, form=form, body_sha256=body,
                        result_id=result_id, created_at=at))  # fmt: skip
    session.flush()


def prune(session: Session, before: datetime) -> int:
    """Delete the keys stored before ``before`` (in the session's transaction); how many."""
    result = session.execute(delete(FormKey).where(FormKey.created_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def prune_due(session: Session, keep: timedelta, at: datetime) -> int | None:
    """Delete the keys older than ``keep`` at ``at`` unless this process pruned less than
    :data:`PRUNE_EVERY` ago (then None). A send of a form queued longer than ``keep`` is
    no longer recognised as a replay."""
    if not _gate.due(at):
        return None
    return prune(session, at - keep)
