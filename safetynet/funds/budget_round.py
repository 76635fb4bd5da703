"""The year-end round of a budget-limited fund (e.g. re-assistance, 2.7 M yuan a year).

A fund listed under ``payments.budget_limited`` pays in full while its pot (the year's
allocation) lasts. Everything paid out of the pot in the year counts: what the fund's layers
paid persons at the window (settlements less refunds) and what the re-assistance rounds paid
households (the rounds paid, not cancelled, charged to the fund by
:func:`~safetynet.funds.household_payments.fund_of_rounds`; a round counts what the window
paid as paid on account, so nothing is counted twice) — the fund's ``spending`` in the
journal. When that exceeds the pot, the year-end round scales every payee's amount pro
rata — the one definition in :mod:`safetynet.funds.prorata` (index = pot ÷ total, floored to
the fen, the fen left over to the largest remainders, ties by payee), so the round adds up
to the pot exactly — and explains each payee's amount: what the pot paid, the index and
what the round settles, and the difference to recover or forgo.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.funds.household_payments import fund_of_rounds
from safetynet.funds.journal import JournalError
from safetynet.funds.prorata import scale
from safetynet.funds.schema import FundRules
from safetynet.funds.statements import check_payer
from safetynet.store.models import (
    Household,
    Person,
    ReassistancePayment,
    ReassistanceRound,
    Settlement,
    SettlementLayer,
)

PERSON, HOUSEHOLD = "person", "household"  # the payees: a person at the window, a household
ROUND_SCHEMA: dict[str, type[pl.DataType]] = {
    "payee": pl.String,  # "person" (paid at the window) or "household" (a re-assistance round)
    "person_id": pl.Int64,  # the person paid at the window (None for a household)
    "household_id": pl.Int64,  # the household a round paid (None for a person)
    "owed_fen": pl.Int64,  # what the pot paid the payee in the year
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


def pot_of(rules: FundRules, fund: str, payer: str | None = None) -> int:
    """The fund's annual pot: its fiscal allocations in the funds file; ``payer``: those of
    the counties whose codes start with it only (each allocation is one county's, so the
    counties' pots add up to the whole, never the whole pot once per county)."""
    return sum(
        a.amount_fen
        for a in rules.allocations
        if a.fund == fund and (payer is None or (a.county(rules.region) or "").startswith(payer))
    )


OWED_SCHEMA: dict[str, type[pl.DataType]] = {
    k: ROUND_SCHEMA[k] for k in ("payee", "person_id", "household_id", "owed_fen")
}


def owed_frame(
    session: Session, rules: FundRules, fund: str, year: int, payer: str | None = None
) -> pl.DataFrame:
    """Per payee, what the pot paid in the year: each person what the fund's layers paid at
    the window (settlements less refunds), each household what the paid re-assistance
    rounds charged to the fund paid it; ``payer``: of the residents of one paying county
    (its code) only."""
    layers = [lay for f in rules.funds if f.id == fund for lay in f.layers]
    q = (
        select(Settlement.person_id, func.sum(SettlementLayer.paid_fen))
        .join(Settlement, Settlement.id == SettlementLayer.settlement_id)
        .where(Settlement.year == year, SettlementLayer.layer_id.in_(layers))
        .group_by(Settlement.person_id)
        .having(func.sum(SettlementLayer.paid_fen) > 0)
        .order_by(Settlement.person_id)
    )
    if payer is not None:
        q = q.join(Person, Person.id == Settlement.person_id).where(
            Person.region_code.startswith(payer)
        )
    rows: list[tuple[str, int | None, int | None, int]] = [
        (PERSON, int(p), None, int(v)) for p, v in session.execute(q)
    ]
    if fund_of_rounds(rules) == fund:
        paid = (
            select(ReassistancePayment.household_id, func.sum(ReassistancePayment.amount_fen))
            .join(ReassistanceRound, ReassistanceRound.id == ReassistancePayment.round_id)
            .where(ReassistanceRound.year == year, ReassistanceRound.state == "paid")
            .group_by(ReassistancePayment.household_id)
            .having(func.sum(ReassistancePayment.amount_fen) > 0)
            .order_by(ReassistancePayment.household_id)
        )
        for county in (rules.region, payer):  # the county's rounds only
            if county:
                paid = paid.where(ReassistanceRound.region_code.startswith(county))
        rows += [(HOUSEHOLD, None, int(h), int(v)) for h, v in session.execute(paid)]
    return pl.DataFrame(rows, schema=OWED_SCHEMA, orient="row")


def compute_round(pot_fen: int, owed: pl.DataFrame) -> pl.DataFrame:
    """Each payee's amount in the round (pure); ``owed`` has :data:`OWED_SCHEMA`'s columns
    (a frame of ``person_id`` and ``owed_fen`` only: persons)."""
    if "payee" not in owed.columns:
        owed = owed.with_columns(
            pl.lit(PERSON).alias("payee"), pl.lit(None, pl.Int64).alias("household_id")
        )
    tie = pl.concat_str(
        [pl.col("payee"), pl.coalesce("person_id", "household_id").cast(pl.String).str.zfill(12)],
        separator=":",
    )
    out = scale(owed.with_columns(tie.alias("_key")), pot_fen, owed="owed_fen", key="_key")
    out = out.with_columns((pl.col("owed_fen") - pl.col("amount_fen")).alias("difference_fen"))
    return out.select([pl.col(c).cast(t) for c, t in ROUND_SCHEMA.items()])


def budget_round(
    session: Session, rules: FundRules, fund: str, year: int, payer: str | None = None
) -> BudgetRound:
    """The year-end round of a budget-limited fund, from the settlement ledger and the
    re-assistance rounds; ``payer``: the pot of one paying county (its code), over its
    residents only."""
    if fund not in {b.fund for b in rules.payments.budget_limited}:
        raise JournalError("not_budget_limited", f"fund {fund!r} has no annual pot to share")
    check_payer(session, payer)
    pot = pot_of(rules, fund, payer)
    owed = owed_frame(session, rules, fund, year, payer)
    persons = compute_round(pot, owed)
    return BudgetRound(fund, year, pot, int(owed["owed_fen"].sum() or 0), persons)


def with_residents(session: Session, persons: pl.DataFrame) -> pl.DataFrame:
    """``persons`` (the round's payees) with each person's resident ID and name, each
    household's number (for the round's list)."""
    ids = [i for i in persons["person_id"].to_list() if i is not None]
    rows = session.execute(
        select(Person.id, Person.resident_id, Person.name).where(Person.id.in_(ids))
    ).all()
    who = pl.DataFrame(
        [(int(i), r, n) for i, r, n in rows],
        schema={"person_id": pl.Int64, "resident_id": pl.String, "name": pl.String},
        orient="row",
    )
    out = persons.join(who, on="person_id", how="left")
    if "household_id" not in out.columns:
        return out
    homes = [i for i in out["household_id"].to_list() if i is not None]
    numbers = pl.DataFrame(
        [
            (int(i), n)
            for i, n in session.execute(
                select(Household.id, Household.number).where(Household.id.in_(homes))
            )
        ],
        schema={"household_id": pl.Int64, "household_number": pl.String},
        orient="row",
    )
    return out.join(numbers, on="household_id", how="left")
