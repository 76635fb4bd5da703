"""The synthetic county matches the published figures of calibration.md within ±15 %.

Utilisation and costs are checked on a county of the ``SEED_001`` profile, whose parameters
are seed 001 article 3's published figures; the default ``ANHUI_2017`` county is checked
against the 2017 figures in tests/indicators/test_calibration.py.
"""

from __future__ import annotations

import polars as pl
import pytest

from safetynet.codes import InstitutionLevel as L
from safetynet.synth import calibration as target
from safetynet.synth.calibration import SEED_001
from safetynet.synth.county import County, generate

TOLERANCE = 0.15


@pytest.fixture(scope="module")
def county() -> County:
    return generate(100_000, seed=7, profile=SEED_001)


def close(value: float, expected: float) -> bool:
    return abs(value - expected) <= TOLERANCE * expected


def test_enrollment_rate(county: County) -> None:
    assert close(county.enrollment.height / county.persons.height, target.ENROLLMENT_RATE)


def test_visits_per_enrolled_person_and_inpatient_share(county: County) -> None:
    claims = county.claims
    # 222,587 visits of 52,415 enrolled = 4.2 a person, 1,678 of them (0.75 %) admissions
    assert close(claims.height / county.enrollment.height, 4.2)
    inpatient = (claims["kind"] == "inpatient").mean()
    assert close(float(inpatient), 0.0075)


def test_outpatient_shares_and_costs_by_level(county: County) -> None:
    visits = county.claims.filter(pl.col("kind") != "inpatient")
    by_level = visits.group_by("level").agg(
        (pl.len() / visits.height).alias("share"), (pl.col("total_fen").mean() / 100).alias("cost")
    )
    got = {row["level"]: row for row in by_level.iter_rows(named=True)}
    for level in (L.VILLAGE, L.TOWNSHIP, L.COUNTY):
        assert close(got[level.value]["share"], SEED_001.outpatient_level_shares[level]), level
        assert close(got[level.value]["cost"], SEED_001.outpatient_cost_yuan[level]), level
    # "city 0.1 %" covers city and province together
    city_and_up = got["city"]["share"] + got["province"]["share"]
    assert close(city_and_up, 0.001)
    assert close(got["city"]["cost"], SEED_001.outpatient_cost_yuan[L.CITY])


def test_cost_per_admission_by_level(county: County) -> None:
    stays = county.claims.filter(pl.col("kind") == "inpatient")
    for level in (L.TOWNSHIP, L.COUNTY):
        mean = stays.filter(pl.col("level") == level.value)["total_fen"].mean()
        assert close(float(mean) / 100, SEED_001.inpatient_cost_yuan[level]), level  # type: ignore[arg-type]
    city_up = stays.filter(pl.col("level").is_in(["city", "province", "out_of_province"]))
    assert close(float(city_up["total_fen"].mean()) / 100, 5003.0)  # type: ignore[arg-type]
