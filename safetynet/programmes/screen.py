"""Screening: who belongs in which batch, from a year's claims and the registry, set-based.

Pure Polars over frames: every claim's diagnosis is matched against every list of every batch
at once (one regular expression per list), persons outside the target population are dropped
by a join, and each person gets at most one row per batch (the earliest matching claim; the
first list of the batch in file order when several match on that claim). A claim of a
disease the rules bound by age (``age_bounds``: the children's diseases) takes its person in
only when the person's whole years of age on the claim's date are within the bound
(:func:`within_age`; ``birth_date`` unknown: not taken in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from safetynet.programmes.schema import AgeBound, ProgrammeRules
from safetynet.regions import in_region
from safetynet.registry.age import age_expr

CLAIM_COLUMNS = ("claim_id", "person_id", "start_date", "diagnosis", "total_fen",
                 "institution_code")  # fmt: skip
# and ``birth_date`` (the person's), needed for the diseases bound by age
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


def within_age(rules: ProgrammeRules, code: str, on: str, born: str) -> pl.Expr:
    """Whether the diagnosis in column ``code`` on the day in ``on`` of a person born on
    ``born`` is within the rules' age bounds — true for a disease no bound names, or a day
    outside the bound's period; false when the birth date is unknown. Age is whole years
    (周岁) on the day (:func:`safetynet.registry.age.age_expr`, the settlement's
    one definition). The one rule screening and every other way into the programme use."""
    return within_bounds(rules.age_bounds, pl.col(code), pl.col(on), age_expr(born, on))


def within_bounds(bounds: Sequence[AgeBound], code: pl.Expr, day: pl.Expr, age: pl.Expr) -> pl.Expr:
    """The age bounds' rule on columns: a diagnosis ``code`` on ``day`` at ``age`` (whole
    years on the day, as settlement stores it; null: unknown) is within ``bounds`` unless a
    bound in force on the day names the code (a prefix, dots and case ignored) and the age is
    above its ``max_age`` or unknown. :func:`within_bounds_on` is the same rule on one
    claim."""
    ok = pl.lit(True)
    clean = code.str.to_uppercase().str.replace_all(".", "", literal=True)
    for bound in bounds:
        named = clean.str.contains("^(?:" + "|".join(bound.prefixes()) + ")").fill_null(False)
        in_force = day >= bound.valid_from
        if bound.valid_to is not None:
            in_force = in_force & (day < bound.valid_to)
        within = (age <= bound.max_age).fill_null(False)
        ok = ok & ~(named & in_force & ~within)
    return ok


def within_bounds_on(
    bounds: Sequence[AgeBound], code: str | None, day: dt.date, age: int | None
) -> bool:
    """:func:`within_bounds` on one claim (the check after a settlement)."""
    clean = (code or "").upper().replace(".", "")
    for bound in bounds:
        named = code is not None and clean.startswith(tuple(bound.prefixes()))
        in_force = bound.valid_from <= day and (bound.valid_to is None or day < bound.valid_to)
        if named and in_force and (age is None or age > bound.max_age):
            return False
    return True


def screen(
    rules: ProgrammeRules,
    claims: pl.DataFrame,
    targets: pl.Series,
    region_code: str,
    year: int,
) -> pl.DataFrame:
    """The persons of ``targets`` (ids) each batch takes in ``year``, as ``SCREENED_SCHEMA``.

    ``claims`` has :data:`CLAIM_COLUMNS`; lists apply by their region and validity on the
    claim's date (a list valid from 2020 does not screen 2019 claims). A county's own list
    (its ``region``) takes the persons who live in that county: with ``person_region`` (the
    person's village) among the claims' columns, by that, whatever region is screened (a
    city's or a province's screening takes each county's own list for its persons); without
    it, by ``region_code`` (the region screened, inside the list's or not).
    """
    if "birth_date" not in claims.columns:
        claims = claims.with_columns(pl.lit(None, pl.Date).alias("birth_date"))
    c = claims.filter(
        pl.col("start_date").dt.year() == year, pl.col("person_id").is_in(targets.implode())
    )
    parts: list[pl.DataFrame] = []
    for batch in rules.batches:
        for order, dl in enumerate(batch.lists):
            until = dl.valid_to or dt.date.max
            # the list's region, and its period meeting the year (a list may begin and end
            # inside it: tested on 1 January and 31 December only, such a list was skipped)
            if not (dl.valid_from < dt.date(year + 1, 1, 1) and until > dt.date(year, 1, 1)):
                continue
            lives = pl.lit(True)
            if dl.region is not None and "person_region" in c.columns:
                regions = c.get_column("person_region").drop_nulls().unique().to_list()
                inside = [r for r in regions if in_region(r, dl.region)]
                lives = pl.col("person_region").is_in(inside)
            elif not dl.applies(region_code, dl.valid_from):
                continue
            pattern = "^(?:" + "|".join(dl.prefixes()) + ")"
            parts.append(
                c.filter(
                    lives,
                    _code().str.contains(pattern),
                    pl.col("start_date") >= dl.valid_from,
                    pl.col("start_date") < until,
                    within_age(rules, "diagnosis", "start_date", "birth_date"),
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
