"""Supervision indicators (pure Polars): claims flagged per 1,000 screened and amounts at
stake, overall, by rule and by institution. Their written definitions are the ``supervision``
section of ``safetynet/indicators/definitions.yaml``."""

from __future__ import annotations

import polars as pl

# indicator id -> what it is also given for (None: one figure)
COMPUTED: dict[str, str | None] = {
    "claims_screened": None,
    "flagged_per_1000_claims": "rule",
    "flagged_per_1000_claims_by_institution": "institution",
    "amount_at_stake": "rule",
    "amount_at_stake_by_institution": "institution",
}


def supervision_indicators(claims: pl.DataFrame, hits: pl.DataFrame) -> pl.DataFrame:
    """indicator, part (null: the whole; else a rule id or an institution), value (null: a
    rate with no claim screened to divide by, never 0)."""
    n = claims.height
    per_claim = hits.unique(["claim_no", "rule_id", "facts"])
    rows: list[dict[str, object]] = [
        {"indicator": "claims_screened", "part": None, "value": float(n)},
        {
            "indicator": "flagged_per_1000_claims",
            "part": None,
            "value": 1000 * hits["claim_no"].n_unique() / n if n else None,
        },
        {
            "indicator": "amount_at_stake",
            "part": None,
            "value": float(per_claim["amount_fen"].sum()),
        },
    ]
    by_rule = per_claim.group_by("rule_id").agg(
        pl.col("claim_no").n_unique().alias("flagged"), pl.col("amount_fen").sum()
    )
    for rule, flagged, amount in by_rule.sort("rule_id").iter_rows():
        rows.append({"indicator": "flagged_per_1000_claims", "part": rule,
                     "value": 1000 * flagged / n if n else None})  # fmt: skip
        rows.append({"indicator": "amount_at_stake", "part": rule, "value": float(amount)})
    volume = claims.group_by("institution").len("claims")
    by_inst = (
        per_claim.group_by("institution")
        .agg(pl.col("claim_no").n_unique().alias("flagged"), pl.col("amount_fen").sum())
        .join(volume, on="institution", how="left")
        .sort("institution")
    )
    for inst, flagged, amount, volume_n in by_inst.iter_rows():
        rows.append({"indicator": "flagged_per_1000_claims_by_institution", "part": inst,
                     "value": 1000 * flagged / volume_n if volume_n else None})  # fmt: skip
        rows.append({"indicator": "amount_at_stake_by_institution", "part": inst,
                     "value": float(amount)})  # fmt: skip
    return pl.DataFrame(
        rows, schema={"indicator": pl.String, "part": pl.String, "value": pl.Float64}
    )
