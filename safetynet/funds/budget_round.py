"""The year-end round of a budget-limited fund (e.g. re-assistance, 2.7 M yuan a year).

A fund listed under ``payments.budget_limited`` pays in full while its pot (the year's
allocation) lasts. When what its layers paid in the year exceeds the pot, the year-end round
scales every person's amount pro rata — the one definition in :mod:`safetynet.funds.prorata`
(index = pot ÷ total, floored to the fen, the fen left over to the largest remainders, ties by
person), so the round adds up to the pot exactly — and explains each person's amount: what
the layer paid, the index and what the round settles, and the difference to recover or
forgo.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.funds.journal import JournalError
from safetynet.funds.prorata import scale
from safetynet.funds.schema import FundRules
from safetynet.store.models import Person, Settlement, SettlementLayer

ROUND_SCHEMA: dict[str, type[pl.DataType]] = {
    "person_id": pl.Int64,
    "owed_fen": pl.Int64,  # what the fund's layers paid the person in the year
    "scale_bp": pl.Int64,  # pot ÷ total in basis points, 10,000 when the pot suffices
    "amount_fen": pl.Int64,  # the person's amount in the round
    "difference_fen": pl.Int64,  # owed − amount
}


@dataclass(frozen=True)
class BudgetRound:
    fund: str
    year: int
    pot_fen: int
    total_fen: int
    persons: pl.DataFrame  # ROUND_SCHEMA

    @property
    def short(self) -> bool:
        return self.total_fen > self.pot_fen


def pot_of(rules: FundRules, fund: str) -> int:
    """The fund's annual pot: its fiscal allocations in the funds file."""
    return sum(a.amount_fen for a in rules.allocations if a.fund == fund)


def owed_frame(session: Session, rules: FundRules, fund: str, year: int) -> pl.DataFrame:
    """Per person, what the fund's layers paid in the year (settlements less refunds)."""
    layers = [lay for f in rules.funds if f.id == fund for lay in f.layers]
    q = (
        select(Settlement.person_id, func.sum(SettlementLayer.paid_fen))
        .join(Settlement, Settlement.id == SettlementLayer.settlement_id)
        .where(Settlement.year == year, SettlementLayer.layer_id.in_(layers))
        .group_by(Settlement.person_id)
        .having(func.sum(SettlementLayer.paid_fen) > 0)
        .order_by(Settlement.person_id)
    )
    rows = [(int(p), int(v)) for p, v in session.execute(q)]
    return pl.DataFrame(rows, schema={"person_id": pl.Int64, "owed_fen": pl.Int64}, orient="row")


def compute_round(pot_fen: int, owed: pl.DataFrame) -> pl.DataFrame:
    """Each person's amount in the round (pure)."""
    out = scale(owed, pot_fen, owed="owed_fen", key="person_id")
    out = out.with_columns((pl.col("owed_fen") - pl.col("amount_fen")).alias("difference_fen"))
    return out.select([pl.col(c).cast(t) for c, t in ROUND_SCHEMA.items()])


def budget_round(session: Session, rules: FundRules, fund: str, year: int) -> BudgetRound:
    """The year-end round of a budget-limited fund, from the settlement ledger."""
    if fund not in {b.fund for b in rules.payments.budget_limited}:
        raise JournalError("not_budget_limited", f"fund {fund!r} has no annual pot to share")
    pot = pot_of(rules, fund)
    owed = owed_frame(session, rules, fund, year)
    persons = compute_round(pot, owed)
    return BudgetRound(fund, year, pot, int(owed["owed_fen"].sum() or 0), persons)


def with_residents(session: Session, persons: pl.DataFrame) -> pl.DataFrame:
    """``persons`` with each person's resident ID and name (for the round's list)."""
    ids = persons["person_id"].to_list()
    rows = session.execute(
        select(Person.id, Person.resident_id, Person.name).where(Person.id.in_(ids))
    ).all()
    who = pl.DataFrame(
        [(int(i), r, n) for i, r, n in rows],
        schema={"person_id": pl.Int64, "resident_id": pl.String, "name": pl.String},
        orient="row",
    )
    return persons.join(who, on="person_id", how="left")
