"""Prepare a claim file for the engine under a policy: the engine's batch input table.

Steps, all vectorised: amounts from item lines (engine.compliance), person and household
ids as dense integers, poverty statuses as a bit mask, the diagnosis as a mask of the
policy's disease groups, and — where the policy says so — outpatient tests in the days
before an admission at the same institution merged into that admission.
"""

from __future__ import annotations

import polars as pl

from safetynet.claims.fileformat import ClaimFile
from safetynet.codes import PovertyStatus, code
from safetynet.engine.compliance import claim_amounts
from safetynet.policy.compile import CompiledPolicy
from safetynet.policy.diseases import disease_mask_expr, group_prefixes

_STATUS_BITS = {s.value: 1 << code(s) for s in PovertyStatus}
AMOUNTS = ("total_fen", "compliant_fen", "essential_fen", "deducted_fen")


def _with_amounts(cf: ClaimFile) -> pl.DataFrame:
    """Itemised claims take their amounts from their lines; the others keep their totals."""
    claims = cf.claims.with_columns(
        pl.lit(None, pl.Int64).alias(c) for c in AMOUNTS if c not in cf.claims.columns
    )
    if cf.lines.is_empty():
        return claims
    sums = claim_amounts(cf.lines).rename({"claim_key": "claim_no"})
    sums = sums.rename({c: f"item_{c}" for c in AMOUNTS})
    return (
        claims.join(sums, on="claim_no", how="left")
        .with_columns(
            pl.when(pl.col("itemised"))
            .then(pl.col(f"item_{c}"))
            .otherwise(pl.col(c))
            .fill_null(0)
            .alias(c)
            for c in AMOUNTS
        )
        .drop([f"item_{c}" for c in AMOUNTS])
    )


def merge_pre_admission(claims: pl.DataFrame, days: int) -> pl.DataFrame:
    """Fold outpatient claims of the ``days`` before an admission at the same institution
    into it; the folded claims keep a row with ``merged_into`` set and zero amounts."""
    claims = claims.with_columns(pl.lit(None, pl.String).alias("merged_into"))
    if days <= 0 or claims.get_column("institution").null_count() == claims.height:
        return claims
    outpatient = claims.filter(
        (pl.col("kind") == "outpatient") & pl.col("institution").is_not_null()
    ).sort("date")
    admissions = (
        claims.filter((pl.col("kind") == "inpatient") & pl.col("institution").is_not_null())
        .select(
            "person_id",
            "institution",
            pl.col("date").alias("adm_date"),
            pl.col("claim_no").alias("adm_no"),
        )
        .sort("adm_date")
    )
    links = (
        outpatient.join_asof(
            admissions,
            left_on="date",
            right_on="adm_date",
            by=["person_id", "institution"],
            strategy="forward",
            tolerance=f"{days}d",
        )
        .filter(pl.col("adm_no").is_not_null())
        .select("claim_no", "adm_no", *AMOUNTS)
    )
    if links.is_empty():
        return claims
    added = links.group_by("adm_no").agg(pl.col(c).sum().alias(f"add_{c}") for c in AMOUNTS)
    merged = links.select("claim_no", pl.col("adm_no").alias("merged_into_new"))
    return (
        claims.join(added, left_on="claim_no", right_on="adm_no", how="left")
        .join(merged, on="claim_no", how="left")
        .with_columns(
            [
                pl.when(pl.col("merged_into_new").is_not_null())
                .then(0)
                .otherwise(pl.col(c) + pl.col(f"add_{c}").fill_null(0))
                .alias(c)
                for c in AMOUNTS
            ]
            + [pl.col("merged_into_new").alias("merged_into")]
        )
        .drop([f"add_{c}" for c in AMOUNTS] + ["merged_into_new"])
    )


def engine_input(cf: ClaimFile, cp: CompiledPolicy) -> pl.DataFrame:
    """The claims as the batch engine's input table (plus the file's own columns)."""
    claims = _with_amounts(cf)
    claims = merge_pre_admission(claims, cp.policy.claims.pre_admission_days)
    prefixes = group_prefixes(cp.policy)
    status_mask = (
        pl.col("statuses")
        .list.unique()
        .list.eval(pl.element().replace_strict(_STATUS_BITS, return_dtype=pl.Int64))
        .list.sum()
        .fill_null(0)
    )
    return claims.with_columns(
        pl.col("person_id").rank("dense").cast(pl.Int64).alias("person_key"),
        pl.col("household_id").rank("dense").cast(pl.Int64).alias("household_key"),
        pl.col("date").dt.year().cast(pl.Int32).alias("year"),
        pl.when(pl.col("statuses").list.len() == 0)
        .then(1 << code(PovertyStatus.ORDINARY))
        .otherwise(status_mask)
        .alias("status_mask"),
        disease_mask_expr(prefixes).alias("disease_mask"),
    )


def to_batch(prepared: pl.DataFrame) -> pl.DataFrame:
    """Rename the prepared table's keys to the engine's column names."""
    return prepared.select(
        pl.col("person_key").alias("person_id"),
        pl.col("household_key").alias("household_id"),
        "year",
        "date",
        "seq",
        "kind",
        "level",
        "in_county",
        "referral",
        "status_mask",
        "disease_mask",
        "age",
        *AMOUNTS,
    )
