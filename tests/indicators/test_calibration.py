"""A synthetic county settled under its policy (anhui-poor-2017) lands in the published ranges
of /work/shared/calibration.md (`calibration.md` below; seeds 000-004).

Each check names the figure it is held to and where the range comes from. The generator is
calibrated to seed 001 article 3 (±15 % in tests/synth), so utilisation and costs are checked
at ±15 % of those figures. Two published outcomes the synthetic county does not reach are
kept as strict expected failures, so they are seen (and turn into errors once it does).
"""

from __future__ import annotations

import pytest

from safetynet.indicators.compute import IndicatorQuery
from safetynet.indicators.result import IndicatorResult
from safetynet.indicators.service import result_of
from safetynet.indicators.synthetic import county_frames
from safetynet.synth.county import generate

PERSONS = 30_000
TOLERANCE = 0.15  # relative, as the generator's own calibration tests


@pytest.fixture(scope="module")
def result() -> IndicatorResult:
    frames = county_frames(generate(PERSONS, seed=11))
    return result_of(frames, IndicatorQuery("year", None, True))


def near(value: float | None, target: float, tolerance: float = TOLERANCE) -> bool:
    return value is not None and abs(value - target) <= tolerance * target


def test_participation(result: IndicatorResult) -> None:
    # 96.5 % and 96.91 % (seed 001 art. 3), 97.43 % (001 art. 1), 95.4-98.2 % (000): 95-99 %
    assert 0.95 <= (result.value("participation_rate") or 0) <= 0.99
    # the poor: "participation of the poor above 99.9 %" (002)
    for category in ("registered_poor", "extremely_poor", "low_income"):
        assert (result.value("participation_rate", category=category) or 0) >= 0.999


def test_utilisation(result: IndicatorResult) -> None:
    # 220,909 outpatient visits of 52,415 enrolled = 4.21 a person (001 art. 3)
    assert near(result.value("visits_per_capita"), 220_909 / 52_415)
    # 1,678 admissions of 222,587 visits = 0.75 % (001 art. 3)
    visits, admissions = result.value("visits"), result.value("admissions")
    assert visits and admissions
    assert near(admissions / (visits + admissions), 1_678 / 222_587)
    # where people go: village 60.63 %, township 34.68 %, district 4.59 % of visits (001 art. 3)
    for level, share in (("village", 0.6063), ("township", 0.3468), ("county", 0.0459)):
        assert near(result.value("visit_share", part=level), share), level


def test_costs_by_level(result: IndicatorResult) -> None:
    # average outpatient cost per visit: village 9.1, township 22.1, district 60.7 yuan
    for level, yuan in (("village", 9.1), ("township", 22.1), ("county", 60.7)):
        assert near(result.value("cost_per_visit", part=level), yuan * 100), level
    # average cost per admission: township 1,239, district 1,597, city and above 5,003 yuan
    for level, yuan in (("township", 1_239), ("county", 1_597), ("city", 5_003)):
        assert near(result.value("cost_per_admission", part=level), yuan * 100), level


def test_the_poor_in_county_and_their_compensation(result: IndicatorResult) -> None:
    # in-county visits of the poor 90.03 % (004). The poor's admissions are what a county's
    # in-county rate is judged on; the generator sends 85 % of admissions to township and
    # county hospitals for everybody (a shape, not a published figure): 90 % ± 10 points.
    rate = result.value("in_county_admission_rate", category="registered_poor")
    assert rate is not None and 0.80 <= rate <= 1.0
    # "with the three layers about 80 % of inpatient costs, about 10 points above other
    # people" (002): the registered poor's inpatient ratio 70-90 %, and their ratio over all
    # claims at least 10 points above the ordinary residents'
    inpatient = result.value("inpatient_compensation_ratio_poor", category="registered_poor")
    assert inpatient is not None and 0.70 <= inpatient <= 0.90
    poor = result.value("compensation_ratio", category="registered_poor")
    ordinary = result.value("compensation_ratio", category="ordinary")
    assert poor is not None and ordinary is not None
    assert poor >= ordinary + 0.10


@pytest.mark.xfail(
    strict=True,
    reason="synthetic admissions cost 1,200-5,000 yuan (seed 001, a cycle of the 2000s) while "
    "the policy is Anhui's 2017 one: the 351 backstop seldom binds, so the poor's ratio stays "
    "near 76 %",
)
def test_the_poors_compensation_ratio_as_anhui_reports_it(result: IndicatorResult) -> None:
    # actual compensation ratio of the poor 88.76 % (004), 93.2 % of inpatient costs (000)
    ratio = result.value("inpatient_compensation_ratio_poor", category="registered_poor")
    assert ratio is not None and 0.85 <= ratio <= 0.93


@pytest.mark.xfail(
    strict=True,
    reason="synthetic costs are seed 001's (about 50 yuan reimbursed a person) while the "
    "contributions are Anhui 2017's (630 yuan a person): the fund is used about 10 %",
)
def test_fund_utilization_as_published(result: IndicatorResult) -> None:
    # fund utilization 96 %, target above 85 % (001 art. 1); 97.9 % (001 art. 3)
    assert 0.85 <= (result.value("fund_utilization_rate") or 0) <= 1.0
