"""What the interfaces call: post a year, read the funds' figures of a year."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from safetynet.funds.journal import balances
from safetynet.funds.posting import PostResult, post_year
from safetynet.funds.schema import FundRules


@dataclass(frozen=True)
class FundFigures:
    """One fund's year: income, spending, deductions and recoveries, the year-end
    settlements, balance (fen)."""

    fund: str
    income_fen: int
    spending_fen: int
    taken_back_fen: int  # review deductions and recoveries
    cash_fen: int
    # the global budgets' year-end settlement (an underspend kept by an institution costs the
    # fund, an overspend it bears comes back) and the quality deposits forfeited to the fund
    year_end_fen: int = 0

    @property
    def balance_fen(self) -> int:
        """The year's result: income less everything it cost (the journal's result accounts,
        :data:`~safetynet.funds.watch.RESULT_ACCOUNTS`, as the alarms read it)."""
        return self.income_fen - self.spending_fen + self.taken_back_fen + self.year_end_fen


def fund_figures(session: Session, rules: FundRules, year: int) -> list[FundFigures]:
    """Each fund of the chart with its year's figures from the journal."""
    b = balances(session, year=year)
    out = []
    for fund in rules.fund_ids():
        mine = {a: v for (f, a), v in b.items() if f == fund}
        income = -sum(v for a, v in mine.items() if a.startswith("income."))
        taken = -(mine.get("deductions", 0) + mine.get("recoveries", 0))
        year_end = -(mine.get("budget_adjustment", 0) + mine.get("forfeited", 0))
        out.append(FundFigures(fund, income, mine.get("spending", 0), taken,
                               mine.get("cash", 0), year_end))  # fmt: skip
    return out


def post(session: Session, rules: FundRules, year: int, user: str) -> dict[str, PostResult]:
    return post_year(session, year, user=user, rules=rules)
