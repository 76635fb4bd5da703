"""A re-assistance round (大病医疗再救助): what each household is owed, within the budget.

Per person, from the year's ledger: the compliant self-pay (as :mod:`evaluate` defines it)
before re-assistance (``reassisted_fen``, what the cascade already paid as re-assistance, is
added back), the excess above the line, ``ratio`` of it rounded half up to the fen, less what
was already paid. Households are owed their members' sum. When the round's total is above the
budget every household gets the same share ``budget ÷ total``, by the one definition of
pro-rata scaling (:func:`safetynet.funds.prorata.scale`: floored to the fen, the fen left
over one each to the largest remainders, ties by household id), so the round adds up to the
budget exactly. Each household's row carries the figures that explain its amount.
"""

from __future__ import annotations

import polars as pl

from safetynet.early_warning.evaluate import _claims
from safetynet.early_warning.rules import ReAssistance
from safetynet.funds.prorata import scale

ROUND_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household_id": pl.Int64,
    "persons": pl.Int64,  # members above the line
    "self_pay_fen": pl.Int64,  # their compliant self-pay before re-assistance
    "excess_fen": pl.Int64,  # above the line, summed over those members
    "owed_fen": pl.Int64,  # ratio × excess per person, less re-assistance already paid
    "scale_bp": pl.Int64,  # budget ÷ total owed in basis points (10000 when not short)
    "amount_fen": pl.Int64,  # what the round pays
}


def owed_per_person(rule: ReAssistance, ledger: pl.DataFrame) -> pl.DataFrame:
    """Persons above the line: self-pay before re-assistance, excess and owed (fen)."""
    claims = _claims(ledger.lazy())
    paid = (
        ledger.lazy().group_by("person_id").agg(pl.col("reassisted_fen").sum())
        if "reassisted_fen" in ledger.columns
        else None
    )
    per = claims.group_by("person_id", "household_id").agg(pl.col("self_pay_fen").sum())
    if paid is not None:
        per = per.join(paid, on="person_id", how="left")
    else:
        per = per.with_columns(pl.lit(0, pl.Int64).alias("reassisted_fen"))
    per = per.with_columns(
        (pl.col("self_pay_fen") + pl.col("reassisted_fen").fill_null(0)).alias("before_fen")
    ).with_columns((pl.col("before_fen") - rule.line).alias("excess_fen"))
    return (
        per.filter(pl.col("excess_fen") > 0)
        .with_columns(
            (
                (pl.col("excess_fen") * rule.ratio + 5_000) // 10_000
                - pl.col("reassisted_fen").fill_null(0)
            )
            .clip(lower_bound=0)
            .alias("owed_fen")
        )
        .sort("person_id")
        .collect()
    )


def compute_round(
    rule: ReAssistance, ledger: pl.DataFrame, budget_fen: int | None = None
) -> pl.DataFrame:
    """Each household's amount in a round (``budget_fen`` defaults to the rule's budget)."""
    budget = rule.budget if budget_fen is None else budget_fen
    persons = owed_per_person(rule, ledger)
    households = (
        persons.group_by("household_id")
        .agg(
            pl.len().cast(pl.Int64).alias("persons"),
            pl.col("before_fen").sum().alias("self_pay_fen"),
            pl.col("excess_fen", "owed_fen").sum(),
        )
        .filter(pl.col("owed_fen") > 0)
        .sort("household_id")
    )
    out = scale(households, budget, owed="owed_fen", key="household_id")
    return out.select([pl.col(c).cast(t) for c, t in ROUND_SCHEMA.items()])
