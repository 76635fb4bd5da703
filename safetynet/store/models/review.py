"""Claim review: cases per claim and their line decisions, the append-only deduction ledger,
sanction cases with recoveries, suspensions as dated facts, spot checks and call-backs.

Decisions change ``review_line`` rows under optimistic concurrency (``version``); money that
changes hands is only ever appended (``review_deduction``, ``sanction_recovery``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.codes import (
    CaseState,
    DeductionKind,
    LineDecision,
    Outcome,
    SanctionState,
    SuspensionScope,
)
from safetynet.store.models.base import Base, Fen, enum_column


def _named(enum: type[StrEnum], name: str) -> Enum:
    """An enum column with its own CHECK constraint name (a second column of one enum)."""
    column = enum_column(enum)
    column.name = name
    return column


class ReviewCase(Base):
    """The review of one settled claim, through its states (:class:`CaseState`)."""

    __tablename__ = "review_case"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), unique=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("institution.code"), index=True)
    state: Mapped[CaseState] = mapped_column(enum_column(CaseState), index=True)
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))  # first decision
    final_outcome: Mapped[Outcome | None] = mapped_column(
        _named(Outcome, "final_outcome")
    )  # after appeal
    risk_score: Mapped[float] = mapped_column(Float, default=0.0)
    flag: Mapped[str | None] = mapped_column(String(200))  # why it was flagged (call-back)
    assigned_to: Mapped[str | None] = mapped_column(String(64), index=True)
    self_check_note: Mapped[str | None] = mapped_column(String(500))
    self_checked_by: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_on: Mapped[date | None] = mapped_column(Date)
    appeal_deadline: Mapped[date | None] = mapped_column(Date)  # last day an appeal is taken
    appeal_reason: Mapped[str | None] = mapped_column(String(500))
    appealed_by: Mapped[str | None] = mapped_column(String(64))
    appealed_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class ReviewLine(Base):
    """The decision on one item line of a claim; ``deducted_fen`` is what the institution
    bears of it now (the sum of the line's deduction entries)."""

    __tablename__ = "review_line"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id"), index=True)
    claim_item_id: Mapped[int] = mapped_column(ForeignKey("claim_item.id"), unique=True)
    amount_fen: Mapped[int] = mapped_column(Fen)  # the line as billed (less pre-deductions)
    decision: Mapped[LineDecision] = mapped_column(enum_column(LineDecision))
    deducted_fen: Mapped[int] = mapped_column(Fen, default=0)
    reason: Mapped[str | None] = mapped_column(String(500))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    article: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    round: Mapped[int] = mapped_column(Integer, default=0)  # 1 first decision, 2 after appeal
    version: Mapped[int] = mapped_column(Integer, default=0)


class ReviewDeduction(Base):
    """One entry of the append-only deduction ledger: an amount the institution bears
    (negative: given back), who decided it, why, and when. Never edited."""

    __tablename__ = "review_deduction"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[DeductionKind] = mapped_column(enum_column(DeductionKind))
    institution_code: Mapped[str] = mapped_column(ForeignKey("institution.code"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"), index=True)
    claim_item_id: Mapped[int | None] = mapped_column(ForeignKey("claim_item.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("review_case.id"))
    spot_check_id: Mapped[int | None] = mapped_column(ForeignKey("spot_check.id"))
    amount_fen: Mapped[int] = mapped_column(Fen)
    reason: Mapped[str] = mapped_column(String(500))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    article: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_review_deduction_institution_at", "institution_code", "at"),)


class SanctionCase(Base):
    """A finding sanctioned under an article of Decree No. 735: the fund's loss, the fine
    (``fine_multiple_pct`` / 100 times the loss) and what has been recovered of both.
    ``cancelled_on`` is set when the sanction is overturned (its recoveries are reversed)."""

    __tablename__ = "sanction_case"
    # one act, one sanction: one standing (not cancelled) case per review case and party;
    # NULLs are distinct, so a case of the other party or without a review case is free
    __table_args__ = (
        Index("uq_sanction_case_act_institution", "review_case_id", "institution_code",
              unique=True, sqlite_where=text("cancelled_on IS NULL"),
              postgresql_where=text("cancelled_on IS NULL")),
        Index("uq_sanction_case_act_person", "review_case_id", "person_id",
              unique=True, sqlite_where=text("cancelled_on IS NULL"),
              postgresql_where=text("cancelled_on IS NULL")),
    )  # fmt: skip
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_code: Mapped[str | None] = mapped_column(ForeignKey("institution.code"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    review_case_id: Mapped[int | None] = mapped_column(ForeignKey("review_case.id"))
    article: Mapped[int] = mapped_column(Integer)
    finding: Mapped[str] = mapped_column(String(500))
    loss_fen: Mapped[int] = mapped_column(Fen)
    fine_multiple_pct: Mapped[int] = mapped_column(Integer)  # 150 = 1.5 × the loss
    fine_fen: Mapped[int] = mapped_column(Fen)
    state: Mapped[SanctionState] = mapped_column(enum_column(SanctionState))
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))


class SanctionRecovery(Base):
    """An amount recovered on a sanction case (append-only)."""

    __tablename__ = "sanction_recovery"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("sanction_case.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(Fen)
    received_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class Suspension(Base):
    """A dated suspension, ``[valid_from, valid_to)``: an institution's department (for the
    claim kinds it treats; none listed = every kind) or a person's direct settlement."""

    __tablename__ = "suspension"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[SuspensionScope] = mapped_column(enum_column(SuspensionScope))
    institution_code: Mapped[str | None] = mapped_column(ForeignKey("institution.code"), index=True)
    department: Mapped[str | None] = mapped_column(String(64))
    claim_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    sanction_case_id: Mapped[int | None] = mapped_column(ForeignKey("sanction_case.id"))
    article: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)  # exclusive
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    @property
    def last_day(self) -> date:
        return self.valid_to - timedelta(days=1)


class SpotCheck(Base):
    """A bureau spot check: the sample drawn from a region's closed claims of a period."""

    __tablename__ = "spot_check"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)  # inclusive
    params_id: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    drawn_by: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[datetime] = mapped_column(DateTime)
    strata: Mapped[dict[str, dict[str, int]]] = mapped_column(JSON)  # stratum -> N, X (fen)
    recovered_at: Mapped[datetime | None] = mapped_column(DateTime)  # extrapolation booked


class SpotCheckClaim(Base):
    """A claim of a spot check's sample and what the inspectors found wrong in it."""

    __tablename__ = "spot_check_claim"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_check.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"))
    stratum: Mapped[str] = mapped_column(String(32))
    by_random_share: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_fen: Mapped[int] = mapped_column(Fen)
    found_fen: Mapped[int | None] = mapped_column(Fen)  # None: not yet checked
    checked_by: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        UniqueConstraint("spot_check_id", "claim_id", name="uq_spot_check_claim_once"),
    )


class Callback(Base):
    """A call-back (回访) to a discharged patient and whether the answers agree."""

    __tablename__ = "review_callback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    care_received: Mapped[bool] = mapped_column(Boolean)
    drugs_received: Mapped[bool] = mapped_column(Boolean)
    paid_fen: Mapped[int] = mapped_column(Fen)  # what the patient says was paid at discharge
    expected_fen: Mapped[int] = mapped_column(Fen)  # the settlement's out-of-pocket
    agrees: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(200))
    called_by: Mapped[str] = mapped_column(String(64))
    called_on: Mapped[date] = mapped_column(Date)
