"""Watching the funds: each fund's (or the insurance funds') figures of a year from the
journal, and the alarms of the funds file over them.

Figures, in fen, to the end of month ``as_of``:

- income of the year by source (raised before the year: the whole year in every month);
- spending by month: what the fund's layers paid (net of refunds);
- fund utilization rate and accumulated balance rate as the indicators define them
  (``indicators/definitions.yaml``: ``fund_utilization_rate``, ``accumulated_balance_rate``;
  for the insurance funds their figures are those indicators'): spending to date ÷ the
  year's income; (income of all years − everything spent, taken back or settled to date) ÷
  the year's income;
- current-year balance rate: (the year's income − the year's spending, projected) ÷ income;
- months of cover: the accumulated balance ÷ the average monthly spending to date;
- the accumulated balance the year is projected to end with: to date, less the projected
  spending of the months left (what the accumulated-balance alarm compares before December:
  the year's income is raised at its start, so the balance to date is high all year);
- the year's spending projected two ways: the run-rate (to date × 12 ÷ months) and last
  year's seasonality (to date ÷ the share of last year's spending made by the same month);
  the lower and the higher are the projection band. Alarms compare the projections in
  exact fractions of fen (``*_exact``); the figures shown are floored to the fen.

Each alarm is checked on the figures with its threshold, and a hit carries the figures
behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from safetynet.funds.schema import Alarm, FundRules
from safetynet.funds.statements import check_payer, payer_expr
from safetynet.store.models import FundEntry, FundLine, Institution

INSURANCE = "insurance"
# the accounts whose sum (negated) is a fund's result: income less what it costs
RESULT_ACCOUNTS = ("spending", "deductions", "recoveries", "budget_adjustment", "forfeited")


@dataclass
class FundYear:
    """One fund's (or the insurance funds') year to the end of month ``as_of``."""

    fund: str
    year: int
    as_of: int
    income_by_source: dict[str, int] = field(default_factory=dict)
    spending_by_month: list[int] = field(default_factory=lambda: [0] * 12)
    last_year_by_month: list[int] = field(default_factory=lambda: [0] * 12)
    balance_before: int = 0  # accumulated result of the years before
    result_to_date: int = 0  # the year's income less everything spent or settled to date
    pot: int = 0  # fiscal allocations of the year

    @property
    def income(self) -> int:
        return sum(self.income_by_source.values())

    @property
    def spending_to_date(self) -> int:
        return sum(self.spending_by_month[: self.as_of])

    @property
    def accumulated(self) -> int:
        return self.balance_before + self.result_to_date

    @property
    def run_rate_exact(self) -> Fraction:
        """The run-rate projection in exact fractions of fen (what the alarms compare)."""
        return Fraction(self.spending_to_date * 12, self.as_of)

    @property
    def seasonal_exact(self) -> Fraction | None:
        """To date ÷ last year's share by the same month, exact (None without last year)."""
        last_total = sum(self.last_year_by_month)
        last_to_date = sum(self.last_year_by_month[: self.as_of])
        if last_total <= 0 or last_to_date <= 0:
            return None
        return Fraction(self.spending_to_date * last_total, last_to_date)

    @property
    def band_exact(self) -> tuple[Fraction, Fraction]:
        """The projection band in exact fractions of fen."""
        seasonal, run = self.seasonal_exact, self.run_rate_exact
        if seasonal is None:
            return run, run
        return min(run, seasonal), max(run, seasonal)

    @property
    def projected_exact(self) -> Fraction:
        """The year's spending: actual at year end, else the seasonal projection (the
        run-rate without last year), exact: no rounding before an alarm compares it."""
        if self.as_of == 12:
            return Fraction(self.spending_to_date)
        seasonal = self.seasonal_exact
        return self.run_rate_exact if seasonal is None else seasonal

    @property
    def run_rate_projection(self) -> int:
        return self.run_rate_exact.__floor__()

    @property
    def seasonal_projection(self) -> int | None:
        """To date ÷ last year's share by the same month (None without last year), floored
        to the fen for display."""
        seasonal = self.seasonal_exact
        return None if seasonal is None else seasonal.__floor__()

    @property
    def projection_band(self) -> tuple[int, int]:
        low, high = self.band_exact
        return low.__floor__(), high.__floor__()

    @property
    def projected_spending(self) -> int:
        """:attr:`projected_exact` floored to the fen (the figure shown)."""
        return self.projected_exact.__floor__()

    def _ratio(self, num: int | Fraction) -> Fraction | None:
        return Fraction(num) / self.income if self.income > 0 else None

    @property
    def utilization(self) -> Fraction | None:
        return self._ratio(self.spending_to_date)

    @property
    def projected_utilization(self) -> Fraction | None:
        return self._ratio(self.projected_exact)

    @property
    def current_balance_rate(self) -> Fraction | None:
        return self._ratio(self.income - self.projected_exact)

    @property
    def accumulated_rate(self) -> Fraction | None:
        return self._ratio(self.accumulated)

    @property
    def projected_accumulated_exact(self) -> Fraction:
        """The accumulated balance at year end: to date, less the spending still projected
        for the rest of the year (exact; at year end the accumulated balance itself)."""
        if self.as_of == 12:
            return Fraction(self.accumulated)
        return self.accumulated - (self.projected_exact - self.spending_to_date)

    @property
    def projected_accumulated_rate(self) -> Fraction | None:
        """The accumulated balance rate the year is projected to end at (what the alarm
        compares: the NRCMS norm bounds the year's closing balance, and the year's income is
        raised at its start, so a rate to date is high every month before the year end)."""
        return self._ratio(self.projected_accumulated_exact)

    @property
    def months_of_cover(self) -> Fraction | None:
        if self.spending_to_date <= 0:
            return None
        return Fraction(self.accumulated * self.as_of, self.spending_to_date)


@dataclass(frozen=True)
class AlarmHit:
    alarm: Alarm
    fund: str
    figures: dict[str, int | float | None]


def _members(rules: FundRules, fund: str) -> list[str]:
    return rules.insurance_funds() if fund == INSURANCE else [fund]


def of_county(payer: str) -> ColumnElement[bool]:
    """Whether a journal line is of the paying counties whose codes start with ``payer``
    (a county's 6-digit code: that county's; a shorter prefix: the counties below it): the
    county it names, else its institution's county (needs ``institution`` outer-joined).
    A line naming neither is no county's (it counts in the figures of every county together
    only): counted in each county's it would be counted once per county."""
    return payer_expr().startswith(payer, autoescape=True)


def fund_years(
    session: Session,
    rules: FundRules,
    year: int,
    as_of: int,
    funds: list[str],
    payer: str | None = None,
) -> dict[str, FundYear]:
    """The figures of each of ``funds`` (fund ids or ``insurance``), one query; ``payer``:
    of one paying county's money (its code; a shorter prefix sums the counties below it,
    :func:`of_county`), else of every county's."""
    if not 1 <= as_of <= 12:
        raise ValueError(f"month {as_of} is not 1-12")
    q = (
        select(
            FundEntry.year,
            FundLine.fund,
            FundLine.account,
            FundLine.month,
            func.sum(FundLine.amount_fen),
        )
        .join(FundEntry, FundEntry.id == FundLine.entry_id)
        .where(FundEntry.year <= year)
        .group_by(FundEntry.year, FundLine.fund, FundLine.account, FundLine.month)
    )
    if payer is not None:
        q = q.outerjoin(Institution, Institution.code == FundLine.institution_code).where(
            of_county(payer)
        )
    rows = [(int(y), f, a, int(m or 12), int(v)) for y, f, a, m, v in session.execute(q)]
    out: dict[str, FundYear] = {}
    for name in funds:
        members = set(_members(rules, name))
        fy = FundYear(name, year, as_of)
        for y, f, account, month, amount in rows:
            if f not in members:
                continue
            is_result = account.startswith("income.") or account in RESULT_ACCOUNTS
            if y < year:
                if is_result:
                    fy.balance_before -= amount
                if y == year - 1 and account == "spending":
                    fy.last_year_by_month[month - 1] += amount
                continue
            if account.startswith("income."):
                source = account.removeprefix("income.")
                fy.income_by_source[source] = fy.income_by_source.get(source, 0) - amount
                if source == "fiscal":
                    fy.pot -= amount
            if account == "spending":
                fy.spending_by_month[month - 1] += amount
            if is_result and (account.startswith("income.") or month <= as_of):
                fy.result_to_date -= amount
        out[name] = fy
    return out


def _pct(x: Fraction | None) -> float | None:
    return None if x is None else round(float(x) * 100, 2)


def check(rules: FundRules, alarm: Alarm, fy: FundYear) -> AlarmHit | None:
    """The alarm's hit on a fund's figures, or None."""
    t = Fraction(alarm.threshold) if alarm.threshold is not None else Fraction(0)
    low, high = fy.projection_band
    base = {
        "income_fen": fy.income,
        "spending_to_date_fen": fy.spending_to_date,
        "projected_spending_fen": fy.projected_spending,
        "projection_low_fen": low,
        "projection_high_fen": high,
        "accumulated_fen": fy.accumulated,
        "threshold": float(alarm.threshold) if alarm.threshold is not None else None,
    }
    hit = False
    if alarm.kind == "utilization_below":
        u = fy.projected_utilization
        hit = u is not None and u < t
        base["utilization_pct"] = _pct(u)
    elif alarm.kind == "current_balance_above":
        r = fy.current_balance_rate
        hit = r is not None and r > t
        base["current_balance_pct"] = _pct(r)
    elif alarm.kind == "accumulated_balance_above":
        # the balance the year is projected to end with (at year end: the balance itself)
        r = fy.projected_accumulated_rate
        hit = r is not None and r > t
        base["accumulated_balance_pct"] = _pct(r)
        if fy.as_of < 12:
            base["projected_year_end_balance_fen"] = fy.projected_accumulated_exact.__floor__()
    elif alarm.kind == "cover_below":
        c = fy.months_of_cover
        hit = c is not None and c < t
        base["months_of_cover"] = None if c is None else round(float(c), 1)
    elif alarm.kind == "deficit_projected":
        # compared exactly (a projection between two fen is not floored first); shown floored
        end = fy.balance_before + fy.income - fy.band_exact[1]
        hit = fy.as_of < 12 and end < 0
        base["projected_year_end_balance_fen"] = end.__floor__()
    elif alarm.kind == "pot_exhausted_projected":
        pot = fy.pot
        hit = pot > 0 and fy.band_exact[1] > pot
        base["pot_fen"] = pot
        # the month whose end the spending to date, at its monthly rate, reaches the pot
        base["runs_out_in_month"] = (
            min(12, -(-pot * fy.as_of // fy.spending_to_date)) if hit else None
        )
    return AlarmHit(alarm, fy.fund, base) if hit else None


def alarms(
    session: Session, rules: FundRules, year: int, as_of: int, payer: str | None = None
) -> list[AlarmHit]:
    """Every alarm of the funds file over the year to the end of ``as_of`` (of one paying
    county's funds with ``payer``, its code: each county's funds are its own)."""
    check_payer(session, payer)
    names = sorted({f for a in rules.alarms for f in a.funds})
    figures = fund_years(session, rules, year, as_of, names, payer)
    out = []
    for alarm in rules.alarms:
        for fund in alarm.funds:
            found = check(rules, alarm, figures[fund])
            if found is not None:
                out.append(found)
    return out


__all__ = ["AlarmHit", "FundYear", "alarms", "check", "fund_years", "of_county"]
