"""A re-assistance round (大病医疗再救助): what each household is owed, within the budget.

A person's entitlement of the year is computed once, from the rule: the compliant self-pay
(as :mod:`evaluate` defines it) of the claims at institutions of the rule's ``levels``
(Langxi: in the province, seed 004 "在省内定点医疗机构就医") before re-assistance
(``reassisted_fen``, what the ``re_assistance`` settlement layer already paid at the window,
is added back), the excess above the line, ``ratio`` of it rounded half up to the fen. The
line is the person's over the whole year, across a move to another household (seed 004: a
person's 年度累计 self-pay): the person is owed in the household of their latest claim (by
date, then claim), as the ``self_pay_year`` warning names it. What
the layer paid at the window counts as paid on account: a household is owed ``max(0, its
members' entitlements − what the layer paid its members that year)``. So a county may pay
re-assistance at the window, by rounds, or both, and never pays it twice.

The round's pot is the budget less what the layer already paid from it that year (the
same pot: the funds file charges the layer to the re-assistance fund). When what is owed is
above the pot every household gets the same share ``pot ÷ owed``, by the one definition of
pro-rata scaling (:func:`safetynet.funds.prorata.scale`: floored to the fen, the fen left
over one each to the largest remainders, ties by household id), so the round adds up to the
pot exactly. Each household's row carries the figures that explain its amount.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from safetynet.early_warning.evaluate import LATEST_HOUSEHOLD, _claims
from safetynet.early_warning.rules import ReAssistance, at_levels
from safetynet.funds.prorata import scale

ROUND_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household_id": pl.Int64,
    "persons": pl.Int64,  # members above the line
    "self_pay_fen": pl.Int64,  # their compliant self-pay before re-assistance
    "excess_fen": pl.Int64,  # above the line, summed over those members
    "entitlement_fen": pl.Int64,  # ratio × excess per person, summed
    "window_fen": pl.Int64,  # what the settlement layer paid the members at the window
    "owed_fen": pl.Int64,  # max(0, entitlement − paid at the window)
    "scale_bp": pl.Int64,  # pot ÷ total owed in basis points (10000 when not short)
    "amount_fen": pl.Int64,  # what the round pays
}


def window_paid(ledger: pl.DataFrame) -> int:
    """What the re-assistance settlement layer paid at the window over ``ledger`` (fen, net
    of refunds)."""
    return int(ledger["reassisted_fen"].sum() or 0) if "reassisted_fen" in ledger.columns else 0


def per_person(rule: ReAssistance, ledger: pl.DataFrame) -> pl.DataFrame:
    """Persons above the line or paid at the window: self-pay before re-assistance,
    excess, entitlement and what the layer paid them (fen)."""
    claims = _claims(ledger.lazy()).filter(at_levels(rule.levels))
    # per person over the year, whichever household each entry was settled in
    if "reassisted_fen" in ledger.columns:
        entries = ledger.lazy()
        paid = (
            entries.group_by("person_id")
            .agg(pl.col("reassisted_fen").sum().alias("window_fen"))
            .join(
                entries.filter(pl.col("reassisted_fen") != 0)
                .group_by("person_id")
                .agg(LATEST_HOUSEHOLD.alias("_paid_home")),
                on="person_id",
                how="left",
            )
        )
    else:
        paid = pl.LazyFrame(
            schema={"person_id": pl.Int64, "window_fen": pl.Int64, "_paid_home": pl.Int64}
        )
    per = (
        claims.group_by("person_id")
        .agg(pl.col("self_pay_fen").sum(), LATEST_HOUSEHOLD)
        .join(paid, on="person_id", how="full", coalesce=True)
        .with_columns(pl.coalesce("household_id", "_paid_home").alias("household_id"))
        .drop("_paid_home")
        .with_columns(pl.col("self_pay_fen", "window_fen").fill_null(0))
        .with_columns((pl.col("self_pay_fen") + pl.col("window_fen")).alias("before_fen"))
        .with_columns((pl.col("before_fen") - rule.line).clip(lower_bound=0).alias("excess_fen"))
        .with_columns(
            ((pl.col("excess_fen") * rule.ratio + 5_000) // 10_000).alias("entitlement_fen")
        )
    )
    return (
        per.filter((pl.col("excess_fen") > 0) | (pl.col("window_fen") != 0))
        .sort("person_id")
        .collect()
    )


def round_pot(budget_fen: int, ledger: pl.DataFrame) -> int:
    """What a round may pay: the budget less what the layer paid from it at the window."""
    return max(0, budget_fen - window_paid(ledger))


def in_households(ledger: pl.DataFrame, households: Collection[int] | None) -> pl.DataFrame:
    """The entries settled in ``households`` (every entry when ``None``)."""
    if households is None:
        return ledger
    return ledger.filter(pl.col("household_id").is_in(list(households)))


def compute_round(
    rule: ReAssistance,
    ledger: pl.DataFrame,
    budget_fen: int | None = None,
    households: Collection[int] | None = None,
) -> pl.DataFrame:
    """Each household's amount in a round (``budget_fen`` defaults to the rule's budget).
    ``households``: a region's round pays only these (the ledger then holds the whole year
    of the persons settled in one of them, :func:`~safetynet.early_warning.load.ledger_query`
    ``by_household``); the pot is the budget less the window's payments in them."""
    budget = rule.budget if budget_fen is None else budget_fen
    persons = per_person(rule, ledger)
    if households is not None:
        persons = persons.filter(pl.col("household_id").is_in(list(households)))
    ledger = in_households(ledger, households)
    households = (
        persons.group_by("household_id")
        .agg(
            (pl.col("excess_fen") > 0).sum().cast(pl.Int64).alias("persons"),
            pl.col("before_fen").filter(pl.col("excess_fen") > 0).sum().alias("self_pay_fen"),
            pl.col("excess_fen", "entitlement_fen", "window_fen").sum(),
        )
        .with_columns(
            (pl.col("entitlement_fen") - pl.col("window_fen")).clip(lower_bound=0).alias("owed_fen")
        )
        .filter(pl.col("owed_fen") > 0)
        .sort("household_id")
    )
    out = scale(households, round_pot(budget, ledger), owed="owed_fen", key="household_id")
    return out.select([pl.col(c).cast(t) for c, t in ROUND_SCHEMA.items()])
