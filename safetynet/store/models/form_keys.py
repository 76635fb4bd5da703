"""The idempotency keys of forms a device may send more than once (a village doctor's form
queued offline and sent when the connection returns): one row per user and key, with a
digest of the body it came with and the id of the row it wrote, so a replay answers the
first result and a key reused with another body is refused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.models.base import Base


class FormKey(Base):
    """One accepted form: whose key, for which form, the body's SHA-256, the row written."""

    __tablename__ = "form_key"
    __table_args__ = (UniqueConstraint("username", "key", name="form_key_user_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    form: Mapped[str] = mapped_column(String(32))  # "follow_up"
    body_sha256: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
