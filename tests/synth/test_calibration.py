"""The synthetic county matches the published figures of calibration.md within ±15 %."""

from __future__ import annotations

import polars as pl
import pytest

from safetynet.codes import InstitutionLevel as L
from safetynet.synth import calibration as target
from safetynet.synth.county import County, generate

TOLERANCE = 0.15


@pytest.fixture(scope="module")
def county() -> County:
    return generate(100_000, seed=7)


def close(value: float, expected: float) -> bool:
    return abs(value - expected) <= TOLERANCE * expected


def test_enrollment_rate(county: County) -> None:
    assert close(county.enrollment.height / county.persons.height, target.ENROLLMENT_RATE)


def test_visits_per_enrolled_person_and_inpatient_share(county: County) -> None:
    claims = county.claims
    assert close(claims.height / county.enrollment.height, target.VISITS_PER_ENROLLED)
    inpatient = (claims["kind"] == "inpatient").mean()
    assert close(float(inpatient), target.INPATIENT_SHARE_OF_VISITS)


def test_outpatient_shares_and_costs_by_level(county: County) -> None:
    visits = county.claims.filter(pl.col("kind") != "inpatient")
    by_level = visits.group_by("level").agg(
        (pl.len() / visits.height).alias("share"), (pl.col("total_fen").mean() / 100).alias("cost")
    )
    got = {row["level"]: row for row in by_level.iter_rows(named=True)}
    for level in (L.VILLAGE, L.TOWNSHIP, L.COUNTY):
        assert close(got[level.value]["share"], target.OUTPATIENT_LEVEL_SHARES[level]), level
        assert close(got[level.value]["cost"], target.OUTPATIENT_COST_YUAN[level]), level
    # "city 0.1 %" covers city and province together
    city_and_up = got["city"]["share"] + got["province"]["share"]
    assert close(city_and_up, 0.001)
    assert close(got["city"]["cost"], target.OUTPATIENT_COST_YUAN[L.CITY])


def test_cost_per_admission_by_level(county: County) -> None:
    stays = county.claims.filter(pl.col("kind") == "inpatient")
    for level in (L.TOWNSHIP, L.COUNTY):
        mean = stays.filter(pl.col("level") == level.value)["total_fen"].mean()
        assert close(float(mean) / 100, target.INPATIENT_COST_YUAN[level]), level  # type: ignore[arg-type]
    city_up = stays.filter(pl.col("level").is_in(["city", "province", "out_of_province"]))
    assert close(float(city_up["total_fen"].mean()) / 100, 5003.0)  # type: ignore[arg-type]
