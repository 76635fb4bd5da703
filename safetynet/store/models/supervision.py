"""Fund supervision at the window: the screening hits stored with the settlement they went
with (``warn`` and ``deduct``; a ``block`` hit refuses the claim, so nothing is stored)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.models.base import Base, Fen


class ScreeningHit(Base):
    """One rule's hit on a settled claim, as the window screened it."""

    __tablename__ = "screening_hit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlement.id"), index=True)
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    article: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Fen)
    facts: Mapped[str] = mapped_column(Text)  # a JSON object, as the screening wrote it
