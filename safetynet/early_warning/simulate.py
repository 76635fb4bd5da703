"""How many persons and households cross each warning line under a base and a reform policy
(the same claims settled under each), by person category.

A person's category is the first status they held on any of their claims, in the indicators'
order (extremely poor, registered poor, returned, exited, low income, marginal, ordinary); a
household's is the first among its members.
"""

from __future__ import annotations

import polars as pl

from safetynet.codes import code
from safetynet.derived.frames import DEFAULT_PRIORITY
from safetynet.early_warning.evaluate import evaluate
from safetynet.early_warning.rules import RuleSet

_ORDER = [(s.value, 1 << code(s)) for s in DEFAULT_PRIORITY]


def _category(mask: pl.Expr) -> pl.Expr:
    out = pl.lit("ordinary")
    for name, bit in reversed(_ORDER):
        out = pl.when(mask & bit != 0).then(pl.lit(name)).otherwise(out)
    return out


def categories(ledger: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(person_id → category, household_id → category)."""
    rank = {name: i for i, (name, _bit) in enumerate(_ORDER)}
    persons = (
        ledger.group_by("person_id", "household_id")
        .agg(pl.col("status_mask").fill_null(0).bitwise_or().alias("mask"))
        .with_columns(_category(pl.col("mask")).alias("category"))
        .with_columns(pl.col("category").replace_strict(rank, default=len(rank)).alias("_r"))
    )
    homes = persons.sort("_r").group_by("household_id").agg(pl.col("category").first())
    return persons.select("person_id", "category"), homes


def _count(found: pl.DataFrame, persons: pl.DataFrame, homes: pl.DataFrame) -> pl.DataFrame:
    person_rows = found.filter(pl.col("person_id").is_not_null()).join(persons, on="person_id")
    home_rows = found.filter(pl.col("person_id").is_null()).join(homes, on="household_id")
    return pl.concat(
        [
            person_rows.group_by("rule_id", "category").agg(
                pl.col("person_id").n_unique().alias("persons"),
                pl.col("household_id").n_unique().alias("households"),
            ),
            home_rows.group_by("rule_id", "category").agg(
                pl.lit(0, pl.UInt32).alias("persons"),
                pl.col("household_id").n_unique().alias("households"),
            ),
        ],
        how="vertical_relaxed",
    )


def crossings(
    rules: RuleSet,
    base: tuple[pl.DataFrame, pl.DataFrame],
    reform: tuple[pl.DataFrame, pl.DataFrame],
) -> pl.DataFrame:
    """rule_id, category, persons and households under base and reform (and the change)."""
    persons, homes = categories(base[0])
    b = _count(evaluate(rules, *base), persons, homes)
    r = _count(evaluate(rules, *reform), persons, homes)
    keys = ["rule_id", "category"]
    out = b.join(r, on=keys, how="full", coalesce=True, suffix="_reform").rename(
        {"persons": "persons_base", "households": "households_base"}
    )
    counts = ["persons_base", "households_base", "persons_reform", "households_reform"]
    order = {r.id: i for i, r in enumerate(rules.rules)}
    return (
        out.with_columns(pl.col(counts).fill_null(0).cast(pl.Int64))
        .with_columns(
            (pl.col("persons_reform") - pl.col("persons_base")).alias("persons_change"),
            (pl.col("households_reform") - pl.col("households_base")).alias("households_change"),
            pl.col("rule_id").replace_strict(order, default=len(order)).alias("_o"),
        )
        .sort("_o", "category")
        .drop("_o")
    )
