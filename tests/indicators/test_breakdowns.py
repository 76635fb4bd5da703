"""Breakdowns of the hand-made county by region, period and person category; every figure
re-aggregates to the region's own total."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from safetynet.codes import RegionLevel
from safetynet.derived.frames import assemble
from safetynet.derived.layers import UnknownPolicy
from safetynet.indicators.compute import IndicatorQuery, QueryError, compute
from safetynet.indicators.service import result_of
from tests.indicators.helpers import COUNTY, T1, T2, V1, V2, YEAR, frames, source_frames


def test_by_month() -> None:
    r = result_of(frames(), IndicatorQuery("month"))
    assert r.periods()[0] == "2017-01" and len(r.periods()) == 12
    # January: e1 (p1 admission) and e2 (p2 visit)
    assert r.value("visits", period="2017-01") == 1
    assert r.value("admissions", period="2017-01") == 1
    assert r.value("compensation", period="2017-01") == 2600_00 + 25_00
    assert r.value("persons_compensated", period="2017-01") == 2
    # February: e3, e4, e5 and its reversal e6 (recorded in March, claim date in February), e7
    assert r.value("visits", period="2017-02") == 1 + (1 - 1) + 1
    assert r.value("total_cost", period="2017-02") == 120_00 + 8000_00 + 30_00
    assert r.value("persons_compensated", period="2017-02") == 3  # p2, p3, p1
    # March: e8 and its reversal: nothing is left, no visit, nobody compensated
    assert r.value("visits", period="2017-03") == 0
    assert r.value("persons_compensated", period="2017-03") == 0
    assert r.value("cost_per_visit", period="2017-03") is None  # no visit: undefined
    # the fund runs from 1 January: January's basic insurance, then everything by February
    raised = 4 * 630_00
    assert r.value("fund_utilization_rate", period="2017-01") == pytest.approx(
        (2000_00 + 25_00) / raised
    )
    for month in ("2017-02", "2017-03", "2017-12"):
        assert r.value("fund_utilization_rate", period=month) == pytest.approx(
            (6096_50 + 300_00) / raised
        )
    # enrollment is the year's in every month
    assert r.value("enrolled", period="2017-07") == 4
    assert r.value("funds_raised", period="2017-07") == raised


def test_by_quarter_counts_distinct_persons() -> None:
    r = result_of(frames(), IndicatorQuery("quarter"))
    assert r.periods() == ["2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"]
    # January's 2 and February's 3 are three persons, not five
    assert r.value("persons_compensated", period="2017-Q1") == 3
    assert r.value("persons_compensated", period="2017-Q2") == 0
    assert r.value("visits", period="2017-Q1") == 3
    with pytest.raises(ValueError, match="give a period"):
        r.value("visits")


def test_by_township_and_village() -> None:
    for level, first, second in (("township", T1, T2), ("village", V1, V2)):
        r = result_of(frames(), IndicatorQuery("year", RegionLevel(level)))
        assert [c for c, _ in r.regions()] == [first, second, COUNTY]
        # first: p1, p2, p6 (all enrolled, all living); second: p3 enrolled, p4 not, p5 dead
        assert r.value("enrolled", first) == 3
        assert r.value("participation_rate", first) == pytest.approx(3 / 3)
        assert r.value("participation_rate", second) == pytest.approx(1 / 2)
        assert r.value("compensation", first) == 2600_00 + 25_00 + 55_00 + 16_50
        assert r.value("compensation", second) == 5200_00
        assert r.value("in_county_admission_rate", first) == pytest.approx(1 / 1)
        assert r.value("in_county_admission_rate", second) == pytest.approx(0 / 1)
        assert r.value("compensation", COUNTY) == 7896_50  # the region's own total


def test_by_category() -> None:
    r = result_of(frames(), IndicatorQuery("year", None, True))
    assert r.categories() == [None, "registered_poor", "low_income", "ordinary"]
    # p4 is not enrolled: low income by the household's status on 1 January
    assert r.value("participation_rate", category="low_income") == pytest.approx(1 / 2)
    assert r.value("participation_rate", category="ordinary") == pytest.approx(2 / 2)
    assert r.value("participation_rate", category="registered_poor") == pytest.approx(1 / 1)
    assert r.value("compensation", category="registered_poor") == 2600_00 + 16_50
    assert r.value("compensation", category="ordinary") == 25_00 + 55_00
    assert r.value("compensation_ratio_poor", category="ordinary") is None
    assert r.value("compensation_ratio_poor", category="low_income") == pytest.approx(
        5200_00 / 8000_00
    )
    assert r.value("compensation") == 7896_50  # all categories


def test_a_township_region_and_its_villages() -> None:
    r = result_of(frames(T2), IndicatorQuery("month", RegionLevel.VILLAGE))
    assert r.region_code == T2
    assert [c for c, _ in r.regions()] == [V2, T2]
    assert r.value("admissions", V2, "2017-02") == 1
    assert r.value("compensation", period="2017-02") == 5200_00
    with pytest.raises(QueryError):
        compute(frames(T2), IndicatorQuery("year", RegionLevel.COUNTY))


ADDITIVE = ["enrolled", "funds_raised", "persons_compensated", "compensation", "total_cost",
            "visits", "admissions"]  # fmt: skip


@pytest.mark.parametrize("by_category", [False, True])
def test_numerators_and_denominators_re_aggregate(by_category: bool) -> None:
    """Summing the villages' numerators and denominators gives the county's."""
    f = frames()
    detail = compute(f, IndicatorQuery("month", RegionLevel.VILLAGE, by_category))
    county = compute(f, IndicatorQuery("month", None, by_category))
    keys = ["indicator", "part", "period", "category"]
    villages = detail.filter(pl.col("region_code") != COUNTY)
    sums = villages.group_by(keys).agg(pl.col("numerator").sum(), pl.col("denominator").sum())
    whole = detail.filter(pl.col("region_code") == COUNTY).drop("region_code", "region_name")
    assert whole.sort(keys).equals(county.drop("region_code", "region_name").sort(keys)), (
        "the breakdown's own total differs from the region computed alone"
    )
    joined = whole.join(sums, on=keys, how="left", nulls_equal=True, suffix="_sum")
    ratios = joined.filter(pl.col("denominator").is_not_null())
    assert (ratios["numerator"] == ratios["numerator_sum"]).all()
    assert (ratios["denominator"] == ratios["denominator_sum"]).all()
    plain = joined.filter(pl.col("indicator").cast(pl.String).is_in(ADDITIVE))
    assert (plain["numerator"] == plain["numerator_sum"]).all()


def test_payments_under_an_unknown_policy_are_an_error() -> None:
    src = source_frames()
    src = dataclasses.replace(src, entries=src.entries.with_columns(policy_id=pl.lit("gone")))
    with pytest.raises(UnknownPolicy, match="'gone'"):
        assemble(src, region_code=COUNTY, year=YEAR)
