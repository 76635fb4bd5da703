"""The synthetic county carries what the rules read and is generated clean for them."""

from __future__ import annotations

import polars as pl

from safetynet.supervision.load import frames_from_tables
from safetynet.supervision.rules import load_rules
from safetynet.supervision.screen import screen
from safetynet.synth.county import generate


def test_the_synthetic_county_has_doctors_item_days_and_few_hits() -> None:
    county = generate(4000, seed=3, year=2017)
    claims, items = county.claims, county.claim_items
    assert claims["doctor_code"].null_count() == 0
    assert claims["doctor_code"].str.starts_with(claims["institution_code"]).all()
    dated = items.join(claims.select(pl.col("id").alias("claim_id"), "start_date", "end_date"),
                       on="claim_id")  # fmt: skip
    assert dated.filter(
        (pl.col("service_date") < pl.col("start_date"))
        | (pl.col("service_date") > pl.col("end_date"))
    ).is_empty()
    data = frames_from_tables(claims, items, county.persons)
    hits = screen(load_rules(), data)
    assert hits["claim_no"].n_unique() < 0.01 * claims.height
    assert set(hits["rule_id"].unique()) <= {
        "split-admission", "low-threshold-admission", "out-of-catalog-share"
    }  # fmt: skip
