"""The outpatient rule: a drug bought too often, or prescriptions split to pass a limit
(``outpatient_abuse``)."""

from __future__ import annotations

import polars as pl

from safetynet.supervision.frames import OUTPATIENT_KINDS, ScreenInput
from safetynet.supervision.schema import OutpatientAbuseRule
from safetynet.supervision.screen.exprs import (
    facts_json,
    lines_with_day,
    run_position,
    same_as_above,
)


def outpatient_abuse(rule: OutpatientAbuseRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    limit = int(p.max_purchases_per_month.value)
    run_limit = int(p.consecutive_days.value)
    drugs = lines_with_day(
        data,
        pl.col("code").str.starts_with(p.drug_code_prefix),
        pl.col("kind").is_in(OUTPATIENT_KINDS),
    )
    # only a drug a person bought at least this often can break a limit
    often = p.often()
    drugs = drugs.join(
        drugs.group_by("person_id", "code").len().filter(pl.col("len") >= often),
        on=["person_id", "code"],
        how="semi",
    )
    purchases = (
        drugs.group_by("person_id", "code", "claim_no", "day")
        .agg(pl.col("amount_fen").sum())
        .sort("person_id", "code", "day", "claim_no")
        .with_columns((pl.col("day").dt.year() * 100 + pl.col("day").dt.month()).alias("month"))
    )
    month_key = ["person_id", "code", "month"]
    purchases = purchases.with_columns(run_position(same_as_above(month_key)).alias("nth"))
    monthly = (
        purchases.with_columns(
            pl.col("nth").max().over((~same_as_above(month_key)).cum_sum()).alias("purchases")
        )
        .filter(pl.col("nth") > limit)
        .select(
            "claim_no",
            "amount_fen",
            facts_json(
                reason=pl.lit("purchases in a month"),
                code=pl.col("code"),
                month=pl.col("day").dt.strftime("%Y-%m"),
                purchases=pl.col("purchases"),
                max_purchases_per_month=pl.lit(limit),
            ),
        )
    )
    key = ["person_id", "code"]
    days = purchases.filter(~same_as_above([*key, "day"])).select(
        *key, "day", "claim_no", "amount_fen"
    )  # the first claim of each day (sorted by claim number)
    consecutive = same_as_above(key) & (
        (pl.col("day") - pl.col("day").shift()).dt.total_days() == 1
    )
    runs = (
        days.with_columns(
            run_position(consecutive).alias("run_day"),
            pl.when(~consecutive).then(pl.col("day")).forward_fill().alias("run_start"),
        )
        .filter(pl.col("run_day") >= run_limit)
        .select(
            "claim_no",
            "amount_fen",
            facts_json(
                reason=pl.lit("consecutive days"),
                code=pl.col("code"),
                run_start=pl.col("run_start").cast(pl.String),
                day=pl.col("day").cast(pl.String),
                consecutive_days=pl.col("run_day"),
                limit_days=pl.lit(run_limit),
            ),
        )
    )
    parts = [monthly, runs]
    if p.max_prescriptions_per_day is not None:
        most = int(p.max_prescriptions_per_day.value)
        parts.append(_split_prescriptions(purchases, data.claims, most))
    return pl.concat(parts)


def _split_prescriptions(purchases: pl.DataFrame, claims: pl.DataFrame, most: int) -> pl.DataFrame:
    """Split prescriptions: one drug on more of a person's outpatient claims at one
    institution on one day than ``most`` (one visit settled as several); the claims after the
    first ``most`` of the day (by claim number) are flagged."""
    key = ["person_id", "institution", "code", "day"]
    return (
        purchases.join(claims.select("claim_no", "institution"), on="claim_no", how="left")
        .sort(*key, "claim_no")
        .with_columns(
            run_position(same_as_above(key)).alias("nth"), pl.len().over(key).alias("prescriptions")
        )
        .filter(pl.col("nth") > most)
        .select(
            "claim_no",
            "amount_fen",
            facts_json(
                reason=pl.lit("split prescriptions"),
                code=pl.col("code"),
                day=pl.col("day").cast(pl.String),
                prescriptions=pl.col("prescriptions"),
                max_prescriptions_per_day=pl.lit(most),
            ),
        )
    )
