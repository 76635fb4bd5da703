"""How many persons and households cross each warning line under a base and a reform policy
(the same claims settled under each), by person category and, when the households' townships
are given, by township.

A person's category is the first status they held on any of their claims, in the indicators'
order (extremely poor, registered poor, returned, exited, low income, marginal, ordinary); a
household's is the first among its members.
"""

from __future__ import annotations

import polars as pl

from safetynet.derived.frames import DEFAULT_PRIORITY
from safetynet.early_warning.evaluate import evaluate
from safetynet.early_warning.rules import RuleSet
from safetynet.registry.status import STATUS_BITS

_ORDER = [(s.value, STATUS_BITS[s]) for s in DEFAULT_PRIORITY]


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


UNPLACED = "?"  # the township of a household the townships file does not name


def _count(
    found: pl.DataFrame, persons: pl.DataFrame, homes: pl.DataFrame, keys: list[str]
) -> pl.DataFrame:
    person_rows = found.filter(pl.col("person_id").is_not_null()).join(persons, on="person_id")
    home_rows = found.filter(pl.col("person_id").is_null()).join(homes, on="household_id")
    if "township" in keys:
        person_rows = person_rows.join(homes.select("household_id", "township"),
                                       on="household_id", how="left")  # fmt: skip
    return pl.concat(
        [
            person_rows.group_by(keys).agg(
                pl.col("person_id").n_unique().alias("persons"),
                pl.col("household_id").n_unique().alias("households"),
            ),
            home_rows.group_by(keys).agg(
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
    townships: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """rule_id, category (and township: ``townships`` maps household_id → township; a
    household it does not name is in township ``?``), persons and households under base and
    reform, and the change."""
    persons, homes = categories(base[0])
    keys = ["rule_id", "category"]
    if townships is not None:
        place = townships.select("household_id", "township")
        homes = homes.join(place, on="household_id", how="left").with_columns(
            pl.col("township").fill_null(UNPLACED)
        )
        keys.append("township")
    b = _count(evaluate(rules, *base), persons, homes, keys)
    r = _count(evaluate(rules, *reform), persons, homes, keys)
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
        .sort("_o", *keys[1:])
        .drop("_o")
    )
