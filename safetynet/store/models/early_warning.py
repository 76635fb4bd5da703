"""Early warning: household income and its history, reference income, monitored categories
as dated periods, and the warnings with their workflow events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
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

from safetynet.codes import IncomeSource, MonitoredCategory, WarningState
from safetynet.store.models.base import Base, Fen, enum_column


class HouseholdIncome(Base):
    """A household's income of a year as declared or reported; rows are never edited, the
    latest recorded one is in force and the earlier ones are its history."""

    __tablename__ = "household_income"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    year: Mapped[int] = mapped_column(Integer)
    income_fen: Mapped[int] = mapped_column(Fen)
    source: Mapped[IncomeSource] = mapped_column(enum_column(IncomeSource))
    reference: Mapped[str | None] = mapped_column(String(128))  # list / form number
    recorded_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    recorded_by: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_household_income_household_year", "household_id", "year"),)


class ReferenceIncome(Base):
    """Per-capita disposable income of a region's rural residents in a year (统计公报)."""

    __tablename__ = "reference_income"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    year: Mapped[int] = mapped_column(Integer)
    per_capita_fen: Mapped[int] = mapped_column(Fen)
    source: Mapped[str] = mapped_column(String(200))
    __table_args__ = (UniqueConstraint("region_code", "year", name="region_year"),)


class MonitoringPeriod(Base):
    """A monitored category of a household (``person_id`` NULL) or person over
    ``[valid_from, valid_to)``, like :class:`PovertyStatusPeriod`."""

    __tablename__ = "monitoring_period"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    category: Mapped[MonitoredCategory] = mapped_column(enum_column(MonitoredCategory))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    department: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class EarlyWarning(Base):
    """A rule hit of a year, kept once per (year, rule, household, person) and followed."""

    __tablename__ = "early_warning"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)  # village
    measure: Mapped[int] = mapped_column(Fen)
    threshold: Mapped[int] = mapped_column(Fen)
    unit: Mapped[str] = mapped_column(String(8))
    facts: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    detected_on: Mapped[date] = mapped_column(Date)
    verify_due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[WarningState] = mapped_column(enum_column(WarningState))
    # the settlement whose check after it raised the warning (None: the year's batch)
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("settlement.id"), index=True)
    __table_args__ = (
        UniqueConstraint("year", "rule_id", "household_id", "person_id", name="hit"),
        Index("ix_early_warning_year_state", "year", "state"),
    )


class WarningEvent(Base):
    """One step of a warning's workflow: a visit, a hand-over, a measure, a follow-up."""

    __tablename__ = "warning_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("early_warning.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    done_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int | None] = mapped_column(Fen)
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class ReassistanceRound(Base):
    """A re-assistance round of a year: computed (draft), approved, then paid; its households'
    amounts in :class:`ReassistancePayment`."""

    __tablename__ = "reassistance_round"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    budget_fen: Mapped[int] = mapped_column(Fen)
    owed_fen: Mapped[int] = mapped_column(Fen)
    amount_fen: Mapped[int] = mapped_column(Fen)
    # what the re_assistance settlement layer paid at the window that year (from the pot)
    window_fen: Mapped[int] = mapped_column(Fen, server_default="0")
    state: Mapped[str] = mapped_column(String(16))  # draft, approved, paid, cancelled
    computed_by: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class ReassistancePayment(Base):
    """One household's amount in a round, with the figures that explain it."""

    __tablename__ = "reassistance_payment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reassistance_round.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    persons: Mapped[int] = mapped_column(Integer)
    self_pay_fen: Mapped[int] = mapped_column(Fen)
    excess_fen: Mapped[int] = mapped_column(Fen)
    entitlement_fen: Mapped[int] = mapped_column(Fen, server_default="0")
    window_fen: Mapped[int] = mapped_column(Fen, server_default="0")  # paid at the window
    owed_fen: Mapped[int] = mapped_column(Fen)
    scale_bp: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Fen)
    __table_args__ = (UniqueConstraint("round_id", "household_id", name="round_household"),)


class EarlyWarningTotal(Base):
    """A person's claims of a year in one household, summed per bucket — the claim's kind,
    institution level (``""``: not known), poverty-status mask and the early-warning rule
    set's disease sources it is on (``listed``: a bit per source,
    :mod:`safetynet.early_warning.totals`) — as the online check reads them instead of the
    ledger. Claims netted to nothing leave a bucket of ``claims`` 0 (kind ``""``): the
    person was still settled in the household that year. Maintained in the settlement's
    transaction; rebuilt from the ledger (``safetynet warnings totals``)."""

    __tablename__ = "early_warning_total"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[str] = mapped_column(String(32), primary_key=True)
    status_mask: Mapped[int] = mapped_column(Integer, primary_key=True)
    listed: Mapped[int] = mapped_column(Fen, primary_key=True)
    claims: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(Fen)
    paid_fen: Mapped[int] = mapped_column(Fen)
    out_of_pocket_fen: Mapped[int] = mapped_column(Fen)
    self_pay_fen: Mapped[int] = mapped_column(Fen)  # sum of each claim's compliant self-pay
    first_date: Mapped[date | None] = mapped_column(Date)  # the first claim (date, id)
    first_claim_id: Mapped[int | None] = mapped_column(Integer)
    first_diagnosis: Mapped[str | None] = mapped_column(String(16))
    last_date: Mapped[date | None] = mapped_column(Date)  # the latest claim (date, id)
    last_claim_id: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (Index("ix_early_warning_total_household", "year", "household_id"),)


class EarlyWarningTotalYear(Base):
    """A year whose :class:`EarlyWarningTotal` rows are maintained, for the rule set's
    disease sources named by ``fingerprint``; without it (or with another fingerprint) the
    online check reads the ledger."""

    __tablename__ = "early_warning_total_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
