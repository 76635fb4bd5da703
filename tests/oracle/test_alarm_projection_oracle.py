"""Alarms on a projected year compared exactly, never on a projection floored to the fen
(``docs/funds-format.md``: "Rates are exact fractions of fen (no rounding before the
comparison)"). The oracle re-computes each alarm from the year's figures in ``Fraction``:
projected spending = to date × 12 ÷ months (run-rate) or to date × last year ÷ last year to
the same month (seasonality, the higher of the two for the deficit and the pot), then
utilization (seed 001) below 85 %, current balance above 15 %, year-end balance below 0,
spending above the pot; it must agree with ``watch.check`` on every year, including the
years whose projection falls between two fen."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from safetynet.funds.rules import default_rules
from safetynet.funds.watch import FundYear, check

RULES = default_rules()
ALARM = {a.id: a for a in RULES.alarms}


def _oracle(alarm_id: str, fy: FundYear) -> bool:
    to_date = sum(fy.spending_by_month[: fy.as_of])
    run = Fraction(to_date * 12, fy.as_of)
    last, last_to_date = sum(fy.last_year_by_month), sum(fy.last_year_by_month[: fy.as_of])
    seasonal = Fraction(to_date * last, last_to_date) if last > 0 and last_to_date > 0 else None
    if fy.as_of == 12:
        projected = high = Fraction(to_date)
    else:
        projected = run if seasonal is None else seasonal
        high = run if seasonal is None else max(run, seasonal)
    income = sum(fy.income_by_source.values())
    t = Fraction(str(ALARM[alarm_id].threshold or 0))
    if alarm_id == "utilization_low":
        return income > 0 and projected / income < t
    if alarm_id == "current_balance_high":
        return income > 0 and (income - projected) / income > t
    if alarm_id == "deficit_ahead":
        return fy.as_of < 12 and fy.balance_before + income - high < 0
    if alarm_id == "pot_running_out":
        return fy.pot > 0 and high > fy.pot
    raise AssertionError(alarm_id)


def _year(rng: random.Random) -> FundYear:
    as_of = rng.choice([5, 7, 9, 11, 12])
    income = rng.randint(700_000, 1_300_000)
    # spending to date whose run-rate lands within a fen or two of each line
    line = rng.choice([Fraction(85, 100) * income, Fraction(income), Fraction(income + 3)])
    to_date = int(line * as_of / 12) + rng.randint(-2, 2)
    months = [to_date // as_of] * as_of + [0] * (12 - as_of)
    months[0] += to_date - sum(months)
    last = [0] * 12 if rng.random() < 0.5 else [rng.randint(1, 9) for _ in range(12)]
    fy = FundYear("insurance", 2017, as_of, income_by_source={"individual": income},
                  spending_by_month=months, last_year_by_month=last,
                  pot=rng.choice([0, int(line) + rng.randint(-1, 1)]))  # fmt: skip
    fy.result_to_date = income - to_date
    return fy


@pytest.mark.parametrize(
    "alarm_id", ["utilization_low", "current_balance_high", "deficit_ahead", "pot_running_out"]
)
def test_projected_alarms_agree_with_the_exact_oracle(alarm_id: str) -> None:
    rng = random.Random(alarm_id)
    wrong = []
    for _ in range(3_000):
        fy = _year(rng)
        if (check(RULES, ALARM[alarm_id], fy) is not None) != _oracle(alarm_id, fy):
            wrong.append((fy.as_of, fy.income, fy.spending_by_month, fy.last_year_by_month, fy.pot))
    assert wrong == []


def test_a_projection_between_two_fen_is_compared_exactly() -> None:
    """Income 1,000,001 fen: 85 % of it is 850,000.85 fen. Seven months of 495,833 fen a year
    run at 850,000.57 fen: below 85 %, utilization rings; 495,834 fen run at 850,001.14, no
    alarm (a projection floored to 850,001 fen agrees; one floored from 850,000.9 would not)."""
    for to_date, rings in ((495_833, True), (495_834, False)):
        months = [0] * 12
        months[0] = to_date
        fy = FundYear("insurance", 2017, 7, income_by_source={"individual": 1_000_001},
                      spending_by_month=months)  # fmt: skip
        fy.result_to_date = 1_000_001 - to_date
        assert (check(RULES, ALARM["utilization_low"], fy) is not None) is rings
        assert _oracle("utilization_low", fy) is rings


def _accumulated_oracle(fy: FundYear) -> bool:
    """The NRCMS norm bounds the balance the year ends with: before December, the balance to
    date less the spending still projected for the months left (seasonality when last year is
    known, else the run-rate), above 25 % of the year's income."""
    to_date = sum(fy.spending_by_month[: fy.as_of])
    last, last_to_date = sum(fy.last_year_by_month), sum(fy.last_year_by_month[: fy.as_of])
    if fy.as_of == 12:
        projected = Fraction(to_date)
    elif last > 0 and last_to_date > 0:
        projected = Fraction(to_date * last, last_to_date)
    else:
        projected = Fraction(to_date * 12, fy.as_of)
    end = fy.balance_before + fy.result_to_date - (projected - to_date)
    income = sum(fy.income_by_source.values())
    return end / income > Fraction(str(ALARM["accumulated_balance_high"].threshold))


@pytest.mark.parametrize("as_of", [3, 6, 9, 12])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_accumulated_balance_alarm_on_the_balance_the_year_ends_with(
    as_of: int, offset: int
) -> None:
    """Income 1,200,000 fen raised in January, 75,000 a month spent to date (the year runs to
    900,000): the year ends with ``before`` + 300,000; the norm's 25 % is 300,000, so a balance
    brought forward of 0 is exactly at it (no alarm), 1 fen more above it (alarm). The balance
    to date (far above 25 % before December) does not ring by itself."""
    income, monthly = 1_200_000, 75_000
    months = [monthly] * as_of + [0] * (12 - as_of)
    fy = FundYear("insurance", 2017, as_of, income_by_source={"individual": income},
                  spending_by_month=months, balance_before=offset)  # fmt: skip
    fy.result_to_date = income - monthly * as_of
    rings = check(RULES, ALARM["accumulated_balance_high"], fy) is not None
    assert rings is _accumulated_oracle(fy) is (offset > 0)
