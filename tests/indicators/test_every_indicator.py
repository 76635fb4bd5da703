"""Every indicator on the hand-made county (tests/indicators/helpers.py), county × year, with
the expected value worked out by hand from the ledger and the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from safetynet.indicators.compute import IndicatorQuery, indicator_ids
from safetynet.indicators.result import IndicatorResult
from safetynet.indicators.service import result_of
from tests.indicators.helpers import frames

# what all 2017 entries add up to, net of the two reversals (e6 undoes e5, e9 undoes e8)
TOTAL = 3000_00 + 50_00 + 120_00 + 8000_00 + 300_00 - 300_00 + 30_00 + 20_00 - 20_00
PAID = 2600_00 + 25_00 + 55_00 + 5200_00 + 180_00 - 180_00 + 16_50 + 10_00 - 10_00
BASIC = 2000_00 + 25_00 + 55_00 + 4000_00 + 180_00 - 180_00 + 16_50 + 10_00 - 10_00
CRITICAL = 300_00
COMPLIANT = 2800_00 + 50_00 + 100_00 + 7000_00 + 300_00 - 300_00 + 30_00 + 20_00 - 20_00
RAISED = 4 * 630_00  # p1, p2, p3, p6
ENROLLED = 4
LIVING = 5  # p5 died in 2016
VISITS = 1 + 1 + (1 - 1) + 1 + (1 - 1)  # e2, e3, e5 reversed, e7, e8 reversed


@pytest.fixture(scope="module")
def result() -> IndicatorResult:
    return result_of(frames(), IndicatorQuery("year"))


def v(result: IndicatorResult, indicator: str, part: str | None = None) -> float | None:
    return result.value(indicator, part=part)


def test_the_sums_add_up() -> None:
    assert TOTAL == 11200_00
    assert PAID == 7896_50
    assert BASIC == 6096_50


def test_population_and_funds(result: IndicatorResult) -> None:
    assert v(result, "enrolled") == ENROLLED
    # living in 2017: p1, p2, p3, p4, p6 — enrolled among them: p1, p2, p3, p6
    assert v(result, "participation_rate") == pytest.approx(4 / 5)
    assert v(result, "funds_raised") == RAISED
    assert v(result, "funds_raised", "individual") == 0 + 180_00 + 90_00 + 180_00
    assert v(result, "funds_raised", "central") == 4 * 270_00
    assert v(result, "funds_raised", "province") == 4 * 90_00
    assert v(result, "funds_raised", "county") == 270_00 + 90_00 + 90_00 + 90_00
    assert v(result, "funds_raised", "medical_assistance") == 90_00
    assert v(result, "funds_raised", "city") == 0
    assert v(result, "funds_raised", "township") == 0
    # the basic medical insurance fund: basic insurance + critical illness insurance
    assert v(result, "fund_utilization_rate") == pytest.approx((BASIC + CRITICAL) / RAISED)
    # 2016 raised 600 yuan for p1 and p2 and spent 100 yuan of basic insurance (the 10 yuan
    # of the supplement are not the fund's)
    balance = (600_00 + 600_00) + RAISED - 100_00 - (BASIC + CRITICAL)
    assert v(result, "accumulated_balance_rate") == pytest.approx(balance / RAISED)
    fig = result.figure("accumulated_balance_rate")
    assert fig is not None and (fig.numerator, fig.denominator) == (balance, RAISED)


def test_benefit(result: IndicatorResult) -> None:
    # p1, p2, p3 were paid something; p6's only claim was refunded
    assert v(result, "persons_compensated") == 3
    assert v(result, "benefit_rate") == pytest.approx(3 / ENROLLED)
    assert v(result, "compensation") == PAID
    assert v(result, "compensation", "basic_insurance") == BASIC
    assert v(result, "compensation", "critical_illness") == CRITICAL
    assert v(result, "compensation", "medical_assistance") == 400_00 + 900_00
    assert v(result, "compensation", "government_backstop") == 200_00
    assert v(result, "compensation", "supplementary") == 0
    assert v(result, "compensation", "re_assistance") == 0
    assert v(result, "compensation_per_capita") == pytest.approx(PAID / ENROLLED)
    assert v(result, "compensation_per_person_compensated") == pytest.approx(PAID / 3)


def test_compensation_ratios(result: IndicatorResult) -> None:
    assert v(result, "total_cost") == TOTAL
    assert v(result, "compensation_ratio") == pytest.approx(PAID / TOTAL)
    assert v(result, "compensation_ratio", "village") == pytest.approx(
        (25_00 + 16_50) / (50_00 + 30_00)
    )
    assert v(result, "compensation_ratio", "township") == pytest.approx(55_00 / 120_00)
    assert v(result, "compensation_ratio", "county") == pytest.approx(2600_00 / 3000_00)
    assert v(result, "compensation_ratio", "city") == pytest.approx(5200_00 / 8000_00)
    assert v(result, "compensation_ratio", "province") is None  # no claims: undefined
    # the poor: p1 (registered poor) and p3 (low income)
    assert v(result, "compensation_ratio_poor") == pytest.approx(
        (2600_00 + 16_50 + 5200_00) / (3000_00 + 30_00 + 8000_00)
    )
    assert v(result, "inpatient_compensation_ratio_poor") == pytest.approx(
        (2600_00 + 5200_00) / (3000_00 + 8000_00)
    )
    assert v(result, "policy_range_ratio") == pytest.approx(BASIC / COMPLIANT)
    assert COMPLIANT == 9980_00
    assert v(result, "compensation_share", "village") == pytest.approx((25_00 + 16_50) / PAID)
    assert v(result, "compensation_share", "city") == pytest.approx(5200_00 / PAID)
    assert v(result, "compensation_share", "province") == 0


def test_utilisation_and_costs(result: IndicatorResult) -> None:
    assert v(result, "visits") == VISITS == 3
    assert v(result, "admissions") == 2
    assert v(result, "visit_share", "village") == pytest.approx(2 / 3)  # e2, e7
    assert v(result, "visit_share", "township") == pytest.approx(1 / 3)  # e3
    assert v(result, "visit_share", "county") == 0
    assert v(result, "visits_per_capita") == pytest.approx(3 / ENROLLED)
    assert v(result, "admission_rate") == pytest.approx(2 / ENROLLED)
    assert v(result, "cost_per_visit") == pytest.approx((50_00 + 120_00 + 30_00) / 3)
    assert v(result, "cost_per_visit", "village") == pytest.approx((50_00 + 30_00) / 2)
    assert v(result, "cost_per_visit", "township") == pytest.approx(120_00 / 1)
    assert v(result, "cost_per_admission") == pytest.approx((3000_00 + 8000_00) / 2)
    assert v(result, "cost_per_admission", "county") == pytest.approx(3000_00)
    assert v(result, "cost_per_admission", "city") == pytest.approx(8000_00)
    # in county: e1, e2, e3, e5 − e6, e7, e8 − e9 → 4 of 5 claims; 1 of 2 admissions
    assert v(result, "in_county_rate") == pytest.approx(4 / 5)
    assert v(result, "in_county_admission_rate") == pytest.approx(1 / 2)
    assert v(result, "oop_per_admission_poor") == pytest.approx((400_00 + 2800_00) / 2)


def test_every_indicator_is_checked_here(result: IndicatorResult) -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    unchecked = [i for i in indicator_ids() if f'"{i}"' not in source]
    assert unchecked == []
    assert {str(i) for i in result.frame["indicator"].unique()} == set(indicator_ids())
