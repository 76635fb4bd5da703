"""Screening: who belongs in which batch, from a year's claims and the registry, set-based.

Pure Polars over frames: every claim's diagnosis is matched against every list of every batch
at once (one regular expression per list), persons outside the target population are dropped
by a join, and each person gets at most one row per batch (the earliest matching claim; the
first list of the batch in file order when several match on that claim).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from safetynet.programmes.schema import ProgrammeRules

CLAIM_COLUMNS = ("claim_id", "person_id", "start_date", "diagnosis", "total_fen",
                 "institution_code")  # fmt: skip
SCREENED_SCHEMA = {
    "batch": pl.String,
    "person_id": pl.Int64,
    "list_id": pl.String,
    "disease_code": pl.String,
    "screened_on": pl.Date,
    "institution_code": pl.String,
}


def _code() -> pl.Expr:
    return pl.col("diagnosis").str.to_uppercase().str.replace_all(".", "", literal=True)


def screen(
    rules: ProgrammeRules,
    claims: pl.DataFrame,
    targets: pl.Series,
    region_code: str,
    year: int,
) -> pl.DataFrame:
    """The persons of ``targets`` (ids) each batch takes in ``year``, as ``SCREENED_SCHEMA``.

    ``claims`` has :data:`CLAIM_COLUMNS`; lists apply by their region and validity on the
    claim's date (a list valid from 2020 does not screen 2019 claims).
    """
    c = claims.filter(
        pl.col("start_date").dt.year() == year, pl.col("person_id").is_in(targets.implode())
    )
    parts: list[pl.DataFrame] = []
    for batch in rules.batches:
        for order, dl in enumerate(batch.lists):
            until = dl.valid_to or dt.date.max
            # the list's region, and its period meeting the year (a list may begin and end
            # inside it: tested on 1 January and 31 December only, such a list was skipped)
            if not dl.applies(region_code, dl.valid_from) or not (
                dl.valid_from < dt.date(year + 1, 1, 1) and until > dt.date(year, 1, 1)
            ):
                continue
            pattern = "^(?:" + "|".join(dl.prefixes()) + ")"
            parts.append(
                c.filter(
                    _code().str.contains(pattern),
                    pl.col("start_date") >= dl.valid_from,
                    pl.col("start_date") < until,
                ).select(
                    pl.lit(batch.id.value).alias("batch"),
                    "person_id",
                    pl.lit(dl.id).alias("list_id"),
                    pl.col("diagnosis").str.to_uppercase().alias("disease_code"),
                    pl.col("start_date").alias("screened_on"),
                    "institution_code",
                    pl.lit(order).alias("_order"),
                    "claim_id",
                )
            )
        if batch.annual_cost_at_least is not None:
            # the claim on which the year's running total first reaches the line
            totals = (
                c.sort("person_id", "start_date", "claim_id")
                .with_columns(pl.col("total_fen").cum_sum().over("person_id").alias("_total"))
                .filter(pl.col("_total") >= batch.annual_cost_at_least)
                .group_by("person_id", maintain_order=True)
                .first()
                .select("person_id", "_total", pl.col("start_date").alias("screened_on"),
                        pl.col("diagnosis").alias("disease_code"), "institution_code")
            )  # fmt: skip
            parts.append(
                totals.filter(pl.col("_total") >= batch.annual_cost_at_least).select(
                    pl.lit(batch.id.value).alias("batch"),
                    "person_id",
                    pl.lit(None, pl.String).alias("list_id"),
                    pl.col("disease_code").str.to_uppercase(),
                    "screened_on",
                    "institution_code",
                    pl.lit(0).alias("_order"),
                    pl.lit(0, pl.Int64).alias("claim_id"),
                )
            )
    if not parts:
        return pl.DataFrame(schema=SCREENED_SCHEMA)
    found = pl.concat(
        [p.cast({"claim_id": pl.Int64, "_order": pl.Int32, "person_id": pl.Int64}) for p in parts]
    )
    return (
        found.sort("batch", "person_id", "screened_on", "_order", "claim_id")
        .unique(["batch", "person_id"], keep="first", maintain_order=True)
        .select(list(SCREENED_SCHEMA))
        .cast(SCREENED_SCHEMA)  # type: ignore[arg-type]
    )
