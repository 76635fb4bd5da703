"""A whole year of an institution under a global budget, on SQLite and PostgreSQL, checked
against an independent re-computation in plain integers and ``Fraction``:

* the monthly advance is 1/12 of the budget (seed 001 "advances 1/12 of the annual amount
  each month"), floored, the fen left over one each to the earliest months: the twelve add
  up to the budget;
* each month's quality deposit is the funds file's share (5 %) of the month's approved
  claims (claims − deductions), half up to the fen; returned at year end by the assessment
  (score × held, half up), the rest forfeited: nothing held afterwards;
* the global budget's year-end settlement (funds file ``global_budget``, 结余留用、超支分担):
  an underspend, the institution keeps ``underspend_kept_share`` of it; an overspend, the fund
  bears ``overspend_fund_share`` of it (half up), the institution the rest;
* what the institution received over the year and the next January's round (advances,
  round payments, the deposit returned) is exactly its approved claims, less the deposit
  forfeited, plus the settlement, less January's deposit: every fen once; nothing left
  payable or prepaid.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import Engine, func, select

from safetynet.funds.journal import Line, balances, post_entry
from safetynet.funds.payments import (
    approve,
    make_round,
    post_prepayments,
    release,
    return_deposits,
    set_budgets,
    settle_global_budgets,
)
from safetynet.funds.posting import Deduction, post_deductions
from safetynet.funds.rules import default_rules
from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry, FundLine, Payment
from tests.settlement.conftest import County, county

__all__ = ["county"]

RULES = default_rules()
H = "H-COUNTY"
DEPOSIT = Fraction(str(RULES.payments.quality_deposit.share))
KEPT = Fraction(str(RULES.payments.global_budget.underspend_kept_share))
BORNE = Fraction(str(RULES.payments.global_budget.overspend_fund_share))
SCORE = Decimal("0.83")


def _half_up(x: Fraction) -> int:
    return int(x + Fraction(1, 2)) if x >= 0 else -int(-x + Fraction(1, 2))


def _post(engine: Engine, year: int, month: int, fen: int) -> None:
    with session_scope(engine) as s:
        post_entry(s, RULES, year=year, posted_on=date(year, month, 28), kind="settlement",
                   lines=[Line("basic", "spending", fen, institution_code=H,
                               claim_kind="inpatient", month=month, payer_region="340421"),
                          Line("basic", "payable", -fen, institution_code=H,
                               claim_kind="inpatient", month=month, payer_region="340421")],
                   user="test")  # fmt: skip


def _round(engine: Engine, year: int, month: int) -> None:
    with session_scope(engine) as s:
        batch = make_round(s, RULES, year, month, user="maker")
        approve(s, batch.id, user="checker")
        nxt = date(year + month // 12, month % 12 + 1, 5)
        release(s, RULES, batch.id, user="maker", on=nxt)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("budget_ratio", [Fraction(3, 4), Fraction(5, 4)])
def test_a_year_under_a_global_budget_pays_every_fen_once(
    db_engine: Engine, county: County, seed: int, budget_ratio: Fraction
) -> None:
    rng = random.Random(seed)
    claims = [rng.randint(300_000, 900_000) + rng.choice([0, 1, 7, 19]) for _ in range(12)]
    cuts = {m: rng.randint(1, 9_999) for m in rng.sample(range(1, 13), 4)}
    approved = [claims[m - 1] - cuts.get(m, 0) for m in range(1, 13)]
    budget = int(sum(approved) * budget_ratio) + rng.randint(0, 11)
    with session_scope(db_engine) as s:
        set_budgets(s, RULES, 2017, "basic", {H: budget}, user="bureau")
    for month in range(1, 13):
        with session_scope(db_engine) as s:
            post_prepayments(s, RULES, 2017, month, user="bureau", on=date(2017, month, 1))
        _post(db_engine, 2017, month, claims[month - 1])
        if month in cuts:
            with session_scope(db_engine) as s:
                post_deductions(s, [Deduction(H, cuts[month], date(2017, month, 28),
                                              f"cut-{month}", "review")])  # fmt: skip
        _round(db_engine, 2017, month)

    # the advances: 1/12 floored, the fen left over to the earliest months
    with session_scope(db_engine) as s:
        b = balances(s, year=2017)
    base, left = divmod(budget, 12)
    advances = [base + (1 if m <= left else 0) for m in range(1, 13)]
    assert sum(advances) == budget

    # the deposit: 5 % of each month's approved claims, half up
    held = sum(_half_up(DEPOSIT * a) for a in approved)
    assert -b[("basic", "deposit")] == held
    assert b[("basic", "payable")] == 0

    # year end: the global budget settled, the deposits returned by the assessment
    with session_scope(db_engine) as s:
        settled = settle_global_budgets(s, RULES, 2017, user="bureau", on=date(2018, 1, 10))
        returned = return_deposits(s, RULES, 2017, {H: SCORE}, user="bureau",
                                   on=date(2018, 1, 10))  # fmt: skip
    year = sum(approved)
    if year < budget:
        adjustment = _half_up(KEPT * (budget - year))
    else:
        adjustment = -((year - budget) - _half_up(BORNE * (year - budget)))
    assert [(x.institution_code, x.adjustment) for x in settled] == [(H, adjustment)]
    back = _half_up(Fraction(str(SCORE)) * held)
    assert [(x.held, x.returned) for x in returned] == [(held, back)]

    # January: a claim, its round settles the year-end adjustment too
    january = 3_000_000  # enough to net the overspend and the advance not netted
    _post(db_engine, 2018, 1, january)
    _round(db_engine, 2018, 1)
    with session_scope(db_engine) as s:
        paid = int(s.scalar(select(func.coalesce(func.sum(Payment.amount_fen), 0))
                            .where(Payment.amount_fen > 0)) or 0)  # fmt: skip
        b = balances(s)
    received = sum(advances) + paid + back
    january_deposit = _half_up(DEPOSIT * january)
    assert received == year - (held - back) + adjustment + january - january_deposit
    assert b[("basic", "payable")] == 0
    assert b.get(("basic", "prepaid"), 0) == 0
    assert -b[("basic", "deposit")] == january_deposit
    # double entry: every entry, each fund's part of it and each fund's month balance to 0
    with session_scope(db_engine) as s:
        rows = s.execute(select(FundLine.entry_id, FundLine.fund, FundLine.month,
                                FundEntry.year, FundLine.amount_fen)
                         .join(FundEntry, FundEntry.id == FundLine.entry_id)).all()  # fmt: skip
    sums: dict[tuple, int] = defaultdict(int)
    for entry, fund, month, year_of, amount in rows:
        sums[("entry", entry, fund)] += amount
        sums[("month", fund, year_of, month)] += amount
    assert {k: v for k, v in sums.items() if v} == {}
