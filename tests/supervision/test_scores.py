"""Risk scores: robust z-scores by hand, contributions that add up, shifted units on top."""

from __future__ import annotations

import polars as pl
import pytest

from safetynet.supervision.load import frames_from_tables
from safetynet.supervision.rules import load_rules
from safetynet.supervision.scores import METRICS, catchment, robust_z, scorecard
from safetynet.supervision.screen import screen
from safetynet.synth.county import generate
from safetynet.synth.violations import plant


def test_robust_z_by_hand() -> None:
    df = pl.DataFrame({"level": ["a"] * 5 + ["b"] * 2, "x": [1.0, 2, 3, 4, 100, 5, 5]})
    z = df.with_columns(robust_z("x").alias("z"))["z"].to_list()
    # level a: median 3, |x - 3| = 2 1 0 1 97 -> MAD 1, scale 1.4826
    assert z[:5] == pytest.approx([-2 / 1.4826, -1 / 1.4826, 0, 1 / 1.4826, 97 / 1.4826])
    assert z[5:] == [0.0, 0.0]  # identical peers: nobody stands out


def test_shifted_institution_and_doctor_rank_top_three_of_their_level() -> None:
    county, labels = plant(generate(12000, seed=7, year=2017), 0.002, seed=7)
    data = frames_from_tables(county.claims, county.claim_items, county.persons)
    hits = screen(load_rules(), data)
    enrolled = county.enrollment.join(
        county.persons.select(pl.col("id").alias("person_id"), "region_code"), on="person_id"
    )["region_code"]
    card = scorecard(
        data, hits, catchment(county.institutions, enrolled), scoring=load_rules().scoring
    )
    shifted = labels.filter(pl.col("claim_no").is_null())
    for unit_type, unit in (
        ("institution", shifted["institution"].drop_nulls()[0]),
        ("doctor", shifted["doctor"].drop_nulls()[0]),
    ):
        row = card.filter((pl.col("unit_type") == unit_type) & (pl.col("unit") == unit))
        assert row.height == 1 and row["rank"][0] <= 3, row
    contributions = card.select(pl.sum_horizontal(f"c_{k}" for k in METRICS))
    assert contributions.to_series().to_list() == pytest.approx(card["score"].to_list())
    assert card.filter(pl.col("unit_type") == "institution")["admissions_per_1000"].max() > 0
