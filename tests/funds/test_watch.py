"""Watching the funds: the figures of a year from the journal (hand-computed, with last
year's seasonality) and each alarm of the shipped funds file, hand-computed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from safetynet.funds.journal import Line, post_entry
from safetynet.funds.rules import default_rules
from safetynet.funds.watch import FundYear, alarms, check, fund_years
from safetynet.store.db import session_scope
from tests.settlement.conftest import County

RULES = default_rules()
ALARM = {a.id: a for a in RULES.alarms}
Y = 100  # fen per yuan


def _fy(income: int, months: list[int], as_of: int = 12, before: int = 0, **kw: int) -> FundYear:
    fy = FundYear(
        "insurance",
        2017,
        as_of,
        income_by_source={"individual": income},
        spending_by_month=months + [0] * (12 - len(months)),
        balance_before=before,
    )
    fy.result_to_date = income - sum(months[:as_of])
    for k, v in kw.items():
        setattr(fy, k, v)
    return fy


def test_utilization_below_85_percent() -> None:
    fy = _fy(1_200_000 * Y, [80_000 * Y] * 12)  # 960,000 of 1,200,000: 80 %
    hit = check(RULES, ALARM["utilization_low"], fy)
    assert hit is not None and hit.figures["utilization_pct"] == 80.0
    assert check(RULES, ALARM["utilization_low"], _fy(100 * Y, [86 * Y] + [0] * 11)) is None


def test_current_year_balance_above_15_percent() -> None:
    fy = _fy(1_200_000 * Y, [80_000 * Y] * 12)  # (1,200,000 − 960,000) ÷ 1,200,000
    hit = check(RULES, ALARM["current_balance_high"], fy)
    assert hit is not None and hit.figures["current_balance_pct"] == 20.0
    assert check(RULES, ALARM["current_balance_high"], _fy(100 * Y, [85 * Y])) is None  # 15 %


def test_accumulated_balance_above_the_limit() -> None:
    fy = _fy(1_200_000 * Y, [80_000 * Y] * 12, before=120_000 * Y)  # 360,000: 30 %
    hit = check(RULES, ALARM["accumulated_balance_high"], fy)
    assert hit is not None and hit.figures["accumulated_balance_pct"] == 30.0
    assert hit.figures["accumulated_fen"] == 360_000 * Y


def test_cover_below_three_months() -> None:
    # balance 180,000 against 80,000 a month: 2.25 months
    fy = _fy(1_200_000 * Y, [80_000 * Y] * 12, before=-60_000 * Y)
    hit = check(RULES, ALARM["cover_short"], fy)
    assert hit is not None and abs(hit.figures["months_of_cover"] - 2.25) <= 0.05  # type: ignore[operator]
    fine = _fy(1_200_000 * Y, [80_000 * Y] * 12, before=0)  # 240,000: 3 months, not below
    assert check(RULES, ALARM["cover_short"], fine) is None


def test_deficit_projected_from_the_run_rate() -> None:
    # June: 600,000 spent of 1,000,000 → 1,200,000 a year: the year ends 200,000 short
    fy = _fy(1_000_000 * Y, [100_000 * Y] * 6, as_of=6)
    hit = check(RULES, ALARM["deficit_ahead"], fy)
    assert hit is not None and hit.figures["projected_year_end_balance_fen"] == -200_000 * Y
    assert (
        check(RULES, ALARM["deficit_ahead"], _fy(1_000_000 * Y, [50_000 * Y] * 6, as_of=6)) is None
    )


def test_a_pot_projected_to_run_out() -> None:
    # re-assistance: 2.7 M a year, 300,000 a month to June → 3.6 M; gone at the end of September
    fy = _fy(2_700_000 * Y, [300_000 * Y] * 6, as_of=6, pot=2_700_000 * Y)
    hit = check(RULES, ALARM["pot_running_out"], fy)
    assert hit is not None and hit.figures["runs_out_in_month"] == 9
    assert hit.figures["projection_high_fen"] == 3_600_000 * Y
    assert (
        check(
            RULES,
            ALARM["pot_running_out"],
            _fy(2_700_000 * Y, [200_000 * Y] * 6, as_of=6, pot=2_700_000 * Y),
        )
        is None
    )


def _post(s, year: int, fund: str, account: str, amount: int, month: int | None) -> None:  # type: ignore[no-untyped-def]
    """Dr/Cr ``account`` against payable of the county hospital (spending) or cash."""
    other = (
        Line(fund, "payable", -amount, institution_code="H-COUNTY", month=month)
        if account == "spending"
        else Line(fund, "cash", -amount, month=month)
    )
    post_entry(
        s,
        RULES,
        year=year,
        posted_on=date(year, month or 1, 1),
        kind="manual",
        lines=[
            Line(
                fund,
                account,
                amount,
                month=month,
                institution_code="H-COUNTY" if account == "spending" else None,
            ),
            other,
        ],
        user="t",
    )


def test_figures_from_the_journal_with_last_years_seasonality(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        # 2016: 1,200,000 raised; 60,000 a month Jan-Jun, 100,000 Jul-Dec (960,000)
        _post(s, 2016, "basic", "income.individual", -1_200_000 * Y, None)
        for m in range(1, 13):
            _post(
                s,
                2016,
                "basic" if m % 2 else "critical",
                "spending",
                (60_000 if m <= 6 else 100_000) * Y,
                m,
            )
        # 2017 to June: 1,200,000 raised, 80,000 a month
        _post(s, 2017, "critical", "income.subsidy_city", -1_200_000 * Y, None)
        for m in range(1, 7):
            _post(s, 2017, "basic", "spending", 80_000 * Y, m)
    with session_scope(db_engine) as s:
        fy = fund_years(s, RULES, 2017, 6, ["insurance"])["insurance"]
        assert fy.income == 1_200_000 * Y and fy.spending_to_date == 480_000 * Y
        assert fy.balance_before == 240_000 * Y
        assert fy.run_rate_projection == 960_000 * Y
        assert fy.seasonal_projection == 1_280_000 * Y  # 480,000 ÷ (360,000 ÷ 960,000)
        assert fy.projection_band == (960_000 * Y, 1_280_000 * Y)
        assert fy.accumulated == 960_000 * Y and fy.months_of_cover == 12
        # the year is projected to end with 240,000 + 1,200,000 − 1,280,000 = 160,000
        assert fy.projected_accumulated_exact == 160_000 * Y
        hits = alarms(s, RULES, 2017, 6)
    # the balance to date is 80 % of the income (raised in January), but the year is
    # projected to end at 13.33 %, within the 25 % norm: no alarm rings in June
    assert hits == []
