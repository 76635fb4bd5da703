"""Fund accounts: the double-entry journal (append-only) and the marks of what is posted.

A ``FundEntry`` is one journal entry (a batch of settlements, a year's contributions, a
deduction, a payment); its ``FundLine`` rows are the postings, each to one account of one
fund, optionally for one institution, claim kind and month, with a signed amount in fen
(debit positive, credit negative): the lines of an entry sum to zero. ``FundPosted`` marks
each settlement-ledger entry posted at the window; a year's posting marks none but names
the id range it posts in its entry's ``reference`` (``ledger:<year>:<first>-<last>``), so a
year is posted once however often it is run.
Rows are never edited or deleted; a correction is a new entry. Triggers refuse an UPDATE or
DELETE of journal rows on both databases (:data:`APPEND_ONLY_DDL`, also in the migration).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DDL, Date, DateTime, ForeignKey, Index, Integer, String, event, func, text
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.models.base import Base, Fen


class FundEntry(Base):
    __tablename__ = "fund_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    posted_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # settlement, contribution, deduction, ...
    reference: Mapped[str | None] = mapped_column(String(120), unique=True)  # idempotency
    memo: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class FundLine(Base):
    __tablename__ = "fund_line"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("fund_entry.id"), index=True)
    fund: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(32))  # spending, payable, cash, income.x, ...
    institution_code: Mapped[str | None] = mapped_column(String(32))
    claim_kind: Mapped[str | None] = mapped_column(String(32))
    month: Mapped[int | None] = mapped_column(Integer)  # 1-12: the month of the claims
    amount_fen: Mapped[int] = mapped_column(Fen)  # debit > 0, credit < 0
    # the county whose fund pays (its 6-digit code: the patient's county); None where no
    # county is named (income, cash, an institution's own prepayments: its county's)
    payer_region: Mapped[str | None] = mapped_column(String(12))
    __table_args__ = (Index("ix_fund_line_fund_account", "fund", "account"),)


class FundPosted(Base):
    """A settlement-ledger entry posted at the window and the journal entry that posted it."""

    __tablename__ = "fund_posted"
    settlement_id: Mapped[int] = mapped_column(
        ForeignKey("settlement.id"), primary_key=True, autoincrement=False
    )
    entry_id: Mapped[int] = mapped_column(Integer, index=True)


class Budget(Base):
    """An institution's annual budget in a fund (the global budget, the base of the monthly
    prepayment); a new row for the same year replaces the earlier one (the latest is in
    force)."""

    __tablename__ = "fund_budget"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    fund: Mapped[str] = mapped_column(String(32))
    institution_code: Mapped[str] = mapped_column(ForeignKey("institution.code"))
    amount_fen: Mapped[int] = mapped_column(Fen)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class PaymentBatch(Base):
    """A payment round for the bank: made by one user, approved by another, released (the
    payments posted and the bank file written) by a third or the maker, never the approver."""

    __tablename__ = "fund_payment_batch"
    # one live round per month and paying county: two drafts made at once cannot both be paid
    __table_args__ = (
        Index("uq_fund_payment_batch_month", "year", "month", text("coalesce(payer_region, '')"),
              unique=True, sqlite_where=text("state != 'void'"),
              postgresql_where=text("state != 'void'")),
    )  # fmt: skip
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # draft, approved, released
    total_fen: Mapped[int] = mapped_column(Fen)
    made_by: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    released_by: Mapped[str | None] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("fund_entry.id"))
    # the last journal entry the round's statements read: what is posted for its month
    # after it is settled by the next round (funds.statements.settled_period)
    through_entry_id: Mapped[int | None] = mapped_column(Integer)
    # the county whose institutions' statements it pays (None: every county's)
    payer_region: Mapped[str | None] = mapped_column(String(12))


class Payment(Base):
    """One institution's payment in a batch, with the statement's figures behind it."""

    __tablename__ = "fund_payment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("fund_payment_batch.id"), index=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("institution.code"))
    fund: Mapped[str] = mapped_column(String(32))
    approved_fen: Mapped[int] = mapped_column(Fen)  # approved + adjustment + carried
    deposit_fen: Mapped[int] = mapped_column(Fen)  # withheld
    prepaid_fen: Mapped[int] = mapped_column(Fen)  # advances netted
    amount_fen: Mapped[int] = mapped_column(Fen)  # paid by the bank
    payer_region: Mapped[str | None] = mapped_column(String(12))  # the county paying


JOURNAL_TABLES = ("fund_entry", "fund_line", "fund_posted")
APPEND_ONLY_MESSAGE = "the fund journal is append-only: post a correcting entry instead"


def append_only_ddl(dialect: str, table: str) -> list[str]:
    """The statements that make a journal table refuse UPDATE and DELETE."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION fund_journal_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION fund_journal_append_only()",
        ]
    return []


for _model in (FundEntry, FundLine, FundPosted):
    for _dialect in ("sqlite", "postgresql"):
        for _stmt in append_only_ddl(_dialect, _model.__tablename__):
            event.listen(_model.__table__, "after_create", DDL(_stmt).execute_if(dialect=_dialect))
