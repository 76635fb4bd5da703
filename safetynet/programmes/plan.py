"""Planned services of family-doctor contracts and what has been done of them, set-based.

A contract's package plans ``per_year`` services of each kind in each year of the contract
(services named for disease lists only when the contract's disease is on one of them). Each
year, counted from the contract's first day to its anniversary, is cut into that many equal
slots; slot *j* of the year falls due at its end, while the contract runs (before
``valid_to``): a one-year contract has ``per_year`` slots, the last on its last day; one
cancelled early (``valid_to`` brought forward) keeps the slots already due on their days and
loses the later ones, and one over several years has ``per_year`` a year. The *k*-th service
of that kind done under the contract fills the *k*-th slot. A slot is on time when its
service was done at most ``on_time_days`` after it fell due.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from safetynet.programmes.schema import ProgrammeRules

SLOT_SCHEMA = {"contract_id": pl.Int64, "person_id": pl.Int64, "kind": pl.String, "k": pl.Int64,
               "due_on": pl.Date, "done_on": pl.Date}  # fmt: skip


def package_services(rules: ProgrammeRules) -> pl.DataFrame:
    """package, kind, per_year, prefixes (a regex over the contract's disease; null = all)."""
    rows = []
    for p in rules.packages:
        for s in p.services:
            prefixes = sorted({x for name in s.lists for x in rules.disease_list(name).prefixes()})
            pattern = "^(?:" + "|".join(prefixes) + ")" if prefixes else None
            rows.append((p.id, s.kind.value, s.per_year, pattern))
    return pl.DataFrame(
        rows, schema={"package": pl.String, "kind": pl.String, "per_year": pl.Int64,
                      "pattern": pl.String}, orient="row",
    )  # fmt: skip


def disease_prefix(col: str = "disease_code") -> pl.Expr:
    return pl.col(col).str.to_uppercase().str.replace_all(".", "", literal=True)


def slots(rules: ProgrammeRules, contracts: pl.DataFrame, done: pl.DataFrame) -> pl.DataFrame:
    """Every planned slot of ``contracts`` with the day the service filling it was done.

    ``contracts`` has ``id``, ``person_id``, ``package``, ``valid_from``, ``valid_to``,
    ``disease_code`` and optionally ``deceased_on`` (the person's day of death: no slot falls
    due from that day on, the day of death not being a day alive); ``done`` has
    ``contract_id``, ``kind`` and ``done_on``.
    """
    services = package_services(rules)
    planned = contracts.join(services, on="package", how="inner")
    patterns = planned["pattern"].unique().drop_nulls().to_list()
    applies = pl.col("pattern").is_null()
    for pattern in patterns:  # one regex per distinct list, each over the whole column
        applies = applies | (
            (pl.col("pattern") == pattern) & disease_prefix().str.contains(pattern).fill_null(False)
        )
    # the contract's years from its first day (anniversaries), one more than its whole years
    years = (pl.col("valid_to") - pl.col("valid_from")).dt.total_days() // 365 + 1
    s = (
        planned.filter(applies)
        .with_columns(pl.int_ranges(0, years).alias("_y"))
        .explode("_y")
        .with_columns(
            pl.col("valid_from").dt.offset_by(pl.format("{}mo", pl.col("_y") * 12)).alias("_a"),
            pl.col("valid_from")
            .dt.offset_by(pl.format("{}mo", pl.col("_y") * 12 + 12))
            .alias("_b"),
            pl.int_ranges(1, pl.col("per_year") + 1).alias("_j"),
        )
        .explode("_j")
        .with_columns(
            (pl.col("_y") * pl.col("per_year") + pl.col("_j")).alias("k"),
            (
                pl.col("_a")
                + pl.duration(
                    days=(pl.col("_j") * (pl.col("_b") - pl.col("_a")).dt.total_days())
                    // pl.col("per_year")
                )
                - pl.duration(days=1)
            ).alias("due_on"),
        )
        .filter(pl.col("due_on") < pl.col("valid_to"))  # planned while the contract runs
        .select(
            pl.col("id").alias("contract_id"),
            "person_id",
            "kind",
            "k",
            "due_on",
            pl.col("deceased_on")
            if "deceased_on" in contracts.columns
            else pl.lit(None, pl.Date).alias("deceased_on"),
        )
        .filter(pl.col("deceased_on").is_null() | (pl.col("due_on") < pl.col("deceased_on")))
        .drop("deceased_on")
    )
    ranked = done.sort("done_on").with_columns(
        pl.col("done_on").rank("ordinal").over("contract_id", "kind").cast(pl.Int64).alias("k")
    )
    return s.join(
        ranked.select("contract_id", "kind", "k", "done_on"),
        on=["contract_id", "kind", "k"],
        how="left",
    ).cast(SLOT_SCHEMA)  # type: ignore[arg-type]


def worklist(
    rules: ProgrammeRules, slot: pl.DataFrame, last_next: pl.DataFrame, today: dt.date
) -> pl.DataFrame:
    """Per contract and kind, the next slot not done: its due date (the doctor's own next date
    when earlier), and whether it is overdue or due within ``due_soon_days``; only those.

    ``last_next`` has ``contract_id``, ``kind`` and ``next_on`` (of the latest service)."""
    soon = today + dt.timedelta(days=rules.contracts.due_soon_days)
    nxt = (
        slot.filter(pl.col("done_on").is_null())
        .sort("k")
        .group_by("contract_id", "kind", maintain_order=True)
        .first()
        .join(last_next, on=["contract_id", "kind"], how="left")
        .with_columns(
            pl.min_horizontal("due_on", pl.col("next_on").fill_null(pl.col("due_on"))).alias(
                "due_on"
            )
        )
    )
    return nxt.with_columns((pl.col("due_on") < today).alias("overdue")).filter(
        pl.col("due_on") <= soon
    )
