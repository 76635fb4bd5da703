"""Idempotent forms: a form a device may send more than once (queued offline, sent again
when the connection returns, or submitted twice) carries a client-made key; the first
accepted send stores the key with its user, a SHA-256 of its body and the id of the row it
wrote (:class:`~safetynet.store.models.form_keys.FormKey`), in the same transaction as the
row. A later send with the same key and body answers that first row; with another body it
is refused (409). A refused form stores nothing, so its key stays free for a corrected one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.store.models.form_keys import FormKey
from safetynet.web.errors import WebError

KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


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
    session.add(FormKey(username=username, key=key, form=form, body_sha256=body,
                        result_id=result_id))  # fmt: skip
    session.flush()
