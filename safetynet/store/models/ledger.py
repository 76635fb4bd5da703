"""The settlement ledger (append-only) and the accumulators derived from it.

A ``Settlement`` row is one entry: a claim settled, a settlement reversed (refund) or a
claim re-settled. Entries are never edited; a reversal is a new entry with negated amounts
pointing at the entry it reverses. ``Accumulator`` rows hold each person's and household's
running annual state under a policy (the engine's slots) and are rewritten, under a row
lock, in the same transaction as the entry that changes them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.codes import ClaimKind, InstitutionLevel
from safetynet.store.models.base import Base, Fen, enum_column


class EntryKind(StrEnum):
    SETTLEMENT = "settlement"
    REVERSAL = "reversal"


class AccumulatorScope(StrEnum):
    PERSON = "person"
    HOUSEHOLD = "household"


class Settlement(Base):
    """One ledger entry, with the claim facts the engine settled on (for replays)."""

    __tablename__ = "settlement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind))
    client_key: Mapped[str | None] = mapped_column(String(80), unique=True)  # idempotency
    request_hash: Mapped[str | None] = mapped_column(String(64))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    policy_id: Mapped[str] = mapped_column(String(64))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("settlement.id"), unique=True)
    # the facts the engine saw
    kind: Mapped[ClaimKind] = mapped_column(enum_column(ClaimKind))
    level: Mapped[InstitutionLevel] = mapped_column(enum_column(InstitutionLevel))
    in_county: Mapped[bool] = mapped_column(Boolean)
    referral: Mapped[bool] = mapped_column(Boolean)
    status_mask: Mapped[int] = mapped_column(Integer)
    disease_mask: Mapped[int] = mapped_column(Fen)
    age: Mapped[int] = mapped_column(Integer)
    claim_date: Mapped[date] = mapped_column(Date)
    # amounts (negated in a reversal)
    total_fen: Mapped[int] = mapped_column(Fen)
    compliant_fen: Mapped[int] = mapped_column(Fen)
    essential_fen: Mapped[int] = mapped_column(Fen)
    deducted_fen: Mapped[int] = mapped_column(Fen)  # borne by the institution
    paid_fen: Mapped[int] = mapped_column(Fen)  # all layers together
    out_of_pocket_fen: Mapped[int] = mapped_column(Fen)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (Index("ix_settlement_person_year", "person_id", "year"),)


class SettlementLayer(Base):
    """One layer's payment in a ledger entry, with the rule and the explanation's numbers."""

    __tablename__ = "settlement_layer"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlement.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the cascade
    layer_id: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(64))
    paid_fen: Mapped[int] = mapped_column(Fen)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Accumulator(Base):
    """The running annual state of a person or household under a policy (engine slots)."""

    __tablename__ = "accumulator"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[AccumulatorScope] = mapped_column(enum_column(AccumulatorScope))
    owner_id: Mapped[int] = mapped_column(Integer)  # person.id or household.id
    year: Mapped[int] = mapped_column(Integer)
    policy_id: Mapped[str] = mapped_column(String(64))
    slots: Mapped[list[int]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )
    __table_args__ = (UniqueConstraint("scope", "owner_id", "year", "policy_id", name="owner"),)
