"""Clinical pathways (临床路径) of admissions, computed set-based (pure Polars).

An inpatient claim whose diagnosis is a pathway's ICD-10 code (or a subcode; the longest code
wins) on a date in the pathway's period *enters* it. It *completes* it when none of these facts
holds, else it *deviates* for each that does (:data:`REASONS`):

* ``not_designated``: the hospital is not designated for the disease on the admission date
  (its level is not one of the designation's levels, or it is not one of the hospitals the
  designation names by institution code, or it is outside the county where only the county's
  own hospitals are designated, or no designation is in force) — the admission is then settled on
  its bill, not the fixed fee (:mod:`safetynet.programmes.fixed_fee`, the same definition);
* ``stay_too_long`` / ``stay_too_short``: the days from admission to discharge are above the
  pathway's ``max_days`` / below its ``min_days``;
* ``over_fixed_fee``: the bill's total is above the fixed fee that applied;
* ``missing_items``: an itemised bill lacks an item kind the pathway's package requires (a
  claim without item lines is not judged on its contents).

Each row keeps the facts (stay, expected range, level, in county, total, fee, kinds missing) so
a deviation can be read and checked by hand.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from safetynet.programmes.fixed_fee import designated_expr, designated_fees
from safetynet.programmes.schema import ProgrammeRules, prefix_of

REASONS = ("not_designated", "stay_too_long", "stay_too_short", "over_fixed_fee",
           "missing_items")  # fmt: skip
CLAIM_COLUMNS = ("claim_id", "person_id", "kind", "level", "in_county", "institution_code",
                 "diagnosis", "start_date", "end_date", "total_fen", "item_kinds")  # fmt: skip
RESULT_SCHEMA = {
    "claim_id": pl.Int64, "person_id": pl.Int64, "start_date": pl.Date, "pathway": pl.String,
    "level": pl.String, "in_county": pl.Boolean, "designated": pl.Boolean,
    "stay_days": pl.Int64, "min_days": pl.Int64, "max_days": pl.Int64, "total_fen": pl.Int64,
    "fee_fen": pl.Int64, "missing_items": pl.List(pl.String), "reasons": pl.List(pl.String),
    "completed": pl.Boolean,
}  # fmt: skip


def _pathways(rules: ProgrammeRules) -> pl.DataFrame:
    return pl.DataFrame(
        [(pw.id, prefix_of(pw.code), pw.valid_from, pw.valid_to, pw.stay.min_days,
          pw.stay.max_days, [k.value for k in pw.required_items]) for pw in rules.pathways],
        schema={"pathway": pl.String, "pw_code": pl.String, "pw_from": pl.Date,
                "pw_to": pl.Date, "min_days": pl.Int64, "max_days": pl.Int64,
                "required": pl.List(pl.String)}, orient="row",
    )  # fmt: skip


def _designations(rules: ProgrammeRules) -> pl.DataFrame:
    """One row per pathway and designation period (``levels``, ``institutions``: null when
    the designation gives none)."""
    return pl.DataFrame(
        [(pw.id, d.valid_from, d.valid_to, [lv.value for lv in d.levels] or None,
          d.institutions or None, d.in_county_only)
         for pw in rules.pathways for d in pw.designated],
        schema={"pathway": pl.String, "d_from": pl.Date, "d_to": pl.Date,
                "levels": pl.List(pl.String), "institutions": pl.List(pl.String),
                "in_county_only": pl.Boolean}, orient="row",
    )  # fmt: skip


def _fees(rules: ProgrammeRules, days: list[dt.date]) -> pl.DataFrame:
    """The fees that apply on each day (at a level its pathway designates then)."""
    return pl.DataFrame(
        [(day, prefix_of(f.code), f.level.value, f.fee)
         for day in days for f, _ in designated_fees(rules, day)],
        schema={"start_date": pl.Date, "pw_code": pl.String, "level": pl.String,
                "fee_fen": pl.Int64}, orient="row",
    )  # fmt: skip


def evaluate(rules: ProgrammeRules, claims: pl.DataFrame) -> pl.DataFrame:
    """The admissions of ``claims`` (:data:`CLAIM_COLUMNS`; ``item_kinds`` null: no item
    lines) that enter a pathway of ``rules``, with their facts, deviation reasons and whether
    they complete it (:data:`RESULT_SCHEMA`)."""
    pathways = _pathways(rules)
    if pathways.is_empty() or claims.is_empty():
        return pl.DataFrame(schema=RESULT_SCHEMA)
    code = pl.col("diagnosis").str.to_uppercase().str.replace_all(".", "", literal=True)
    inpatient = claims.select(CLAIM_COLUMNS).filter(
        pl.col("kind") == "inpatient", pl.col("diagnosis").is_not_null()
    )
    entered = (
        inpatient.join(pathways, how="cross")
        .filter(
            code.str.starts_with(pl.col("pw_code")),
            pl.col("start_date") >= pl.col("pw_from"),
            pl.col("pw_to").is_null() | (pl.col("start_date") < pl.col("pw_to")),
        )
        .sort("claim_id", pl.col("pw_code").str.len_chars(), descending=[False, True])
        .unique("claim_id", keep="first", maintain_order=True)
    )
    if entered.is_empty():
        return pl.DataFrame(schema=RESULT_SCHEMA)
    at = (
        entered.select(
            "claim_id", "pathway", "start_date", "level", "in_county", "institution_code"
        )
        .join(_designations(rules), on="pathway")
        .filter(
            pl.col("start_date") >= pl.col("d_from"),
            pl.col("d_to").is_null() | (pl.col("start_date") < pl.col("d_to")),
            pl.col("levels").is_null()
            | pl.col("levels").list.contains(pl.col("level")).fill_null(False),
            designated_expr(),
        )
        .select("claim_id", pl.lit(True).alias("designated"))
        .unique("claim_id")
    )
    days = entered.get_column("start_date").unique().to_list()
    fees = _fees(rules, days)
    facts = (
        entered.join(at, on="claim_id", how="left")
        .join(fees, on=["start_date", "pw_code", "level"], how="left")
        .with_columns(
            pl.col("designated").fill_null(False),
            (pl.col("end_date") - pl.col("start_date"))
            .dt.total_days()
            .cast(pl.Int64)
            .alias("stay_days"),
            pl.when(pl.col("item_kinds").is_not_null())
            .then(pl.col("required").list.set_difference(pl.col("item_kinds")).list.sort())
            .otherwise(pl.lit([], pl.List(pl.String)))
            .alias("missing_items"),
        )
        .with_columns(pl.when(pl.col("designated")).then(pl.col("fee_fen")).alias("fee_fen"))
    )
    flags = {
        "not_designated": ~pl.col("designated"),
        "stay_too_long": pl.col("stay_days") > pl.col("max_days"),
        "stay_too_short": pl.col("stay_days") < pl.col("min_days"),
        "over_fixed_fee": pl.col("fee_fen").is_not_null()
        & (pl.col("total_fen") > pl.col("fee_fen")),
        "missing_items": pl.col("missing_items").list.len() > 0,
    }
    reasons = pl.concat_list(
        pl.when(flags[r].fill_null(False)).then(pl.lit(r)).otherwise(pl.lit(None, pl.String))
        for r in REASONS
    ).list.drop_nulls()
    return (
        facts.with_columns(reasons.alias("reasons"))
        .with_columns((pl.col("reasons").list.len() == 0).alias("completed"))
        .select(list(RESULT_SCHEMA))
        .cast(RESULT_SCHEMA)  # type: ignore[arg-type]
        .sort("claim_id")
    )
