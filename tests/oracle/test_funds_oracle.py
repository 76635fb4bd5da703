"""An independent check of the fund accounts against their sources, on SQLite and
PostgreSQL: claims settled at the window (one refunded), review deductions (one posted twice),
the year's contributions and allocations; then the journal is read raw and re-computed in
plain Python (``Fraction``), none of the product's helpers:

* every entry balances to 0, and so does each fund's part of it (a fund's books are its own),
  and each fund's month (double entry: every debit has its credit in the same fund);
* a refund's lines are exactly the negated lines of the settlement it reverses;
* a deduction with one reference is posted once however often it is sent;
* the statements sum to the journal: per institution and fund, claims = its spending lines,
  deducted = its deduction lines; the quality deposit of each month is the funds file's
  share of the month's approved claims, half up to the fen (``docs/funds-format.md``);
* the alarms (seed 001: utilization below 85 %, current balance above 15 %; the NRCMS norm:
  accumulated balance above 25 %, cover below 3 months) ring exactly as figures re-computed
  from the raw lines say, strictly past their thresholds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from safetynet.funds.posting import Deduction, post_deductions, post_year
from safetynet.funds.rules import default_rules
from safetynet.funds.statements import statements
from safetynet.funds.watch import alarms
from safetynet.settlement.service import refund, submit
from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry, FundLine, FundPosted, Settlement
from tests.funds.test_posting import outpatient
from tests.settlement.conftest import County, county

__all__ = ["county"]
from tests.settlement.helpers import inpatient

RULES = default_rules()
DEPOSIT = Fraction(str(RULES.payments.quality_deposit.share))


def _plant(db_engine: Engine, county: County, contribution: int) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        kept = submit(s, inpatient(county.poor_id, date(2017, 3, 1)), user="clerk")
        gone = submit(s, inpatient(county.ordinary_id, date(2017, 3, 9)), user="clerk")
        submit(s, inpatient(county.spouse_id, date(2017, 6, 30)), user="clerk")
        submit(s, outpatient(county.ordinary_id, date(2017, 4, 2), 83), user="clerk")
        submit(s, outpatient(county.poor_id, date(2017, 12, 31), 17), user="clerk")
        assert kept.settlement_id is not None and gone.settlement_id is not None
        refund(s, gone.settlement_id, user="clerk", reason="wrong patient")
    cut = Deduction("H-COUNTY", 12_345, date(2017, 3, 20), "review-1", "over-standard bed")
    with session_scope(db_engine) as s:
        s.execute(text("UPDATE enrollment SET individual_fen = :c"), {"c": contribution})
        post_deductions(s, [cut], user="review")
        post_deductions(s, [cut, cut], user="review")  # sent again: posted once
        post_year(s, 2017, user="analyst")


def _lines(s: Session) -> list[tuple[int, str, str, str, str | None, int | None, int, int]]:
    q = select(FundLine.entry_id, FundEntry.kind, FundLine.fund, FundLine.account,
               FundLine.institution_code, FundLine.month, FundLine.amount_fen,
               FundEntry.year).join(FundEntry, FundEntry.id == FundLine.entry_id)  # fmt: skip
    return [tuple(r) for r in s.execute(q)]  # type: ignore[misc]


# each enrollee's contribution (three enrollees): from a year spending far more than its
# income to one spending far less, so every alarm is seen ringing and silent
@pytest.mark.parametrize("contribution", [100_000, 500_000, 4_000_000])
def test_journal_statements_and_alarms_agree_with_the_oracle(
    db_engine: Engine, county: County, contribution: int
) -> None:
    _plant(db_engine, county, contribution)
    with session_scope(db_engine) as s:
        lines = _lines(s)
        by_entry: dict[int, int] = defaultdict(int)
        by_entry_fund: dict[tuple[int, str], int] = defaultdict(int)
        by_fund_month: dict[tuple[str, int, int | None], int] = defaultdict(int)
        for eid, _k, fund, _a, _i, month, amount, year in lines:
            by_entry[eid] += amount
            by_entry_fund[(eid, fund)] += amount
            by_fund_month[(fund, year, month)] += amount
        assert {k: v for k, v in by_entry.items() if v} == {}
        assert {k: v for k, v in by_entry_fund.items() if v} == {}
        assert {k: v for k, v in by_fund_month.items() if v} == {}

        # the refund: the settlement entries' lines of the refunded claim, negated, cancel
        # out; what is left of the window's postings is exactly the claims kept
        spending = Counter[tuple[str, str | None, int | None]]()
        for _e, kind, fund, account, inst, month, amount, _y in lines:
            if kind == "settlement" and account == "spending":
                spending[(fund, inst, month)] += amount
        assert all(v >= 0 for v in spending.values())
        march = {k: v for k, v in spending.items() if k[1] == "H-COUNTY" and k[2] == 3}
        june = {k: v for k, v in spending.items() if k[1] == "H-COUNTY" and k[2] == 6}
        assert march == {(f, i, 6 - 3): v for (f, i, _m), v in june.items()}, (
            "the refunded March claim leaves March as one stay, like June's"
        )

        # the refund's own entry is the refunded settlement's, every line negated
        gone = s.scalar(select(Settlement.id).where(Settlement.reverses_id.is_not(None)))
        reversed_id = s.scalar(select(Settlement.reverses_id).where(Settlement.id == gone))
        of_entry = {
            sid: s.scalar(select(FundPosted.entry_id).where(FundPosted.settlement_id == sid))
            for sid in (gone, reversed_id)
        }
        assert None not in of_entry.values() and len(set(of_entry.values())) == 2

        def signed(eid: int | None, sign: int) -> Counter[tuple]:
            return Counter((f, a, i, m, sign * v) for e, _k, f, a, i, m, v, _y in lines if e == eid)

        assert signed(of_entry[gone], 1) == signed(of_entry[reversed_id], -1) != Counter()

        # posted once
        refs = Counter(s.scalars(select(FundEntry.reference).where(FundEntry.kind == "deduction")))
        assert refs == {"deduction:review-1": 1}

        # statements sum to the journal, and the deposit is the file's share half up
        rows = statements(s, 2017, int(DEPOSIT * 10_000))
        got: dict[tuple[str, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
        for r in rows:
            c, d = got[(r.institution_code, r.fund)]
            got[(r.institution_code, r.fund)] = (c + r.claims, d + r.deducted)
            if r.approved > 0 and r.due >= 0:
                exact = DEPOSIT * r.approved
                assert r.deposit == int(exact + Fraction(1, 2)), (r.institution_code, r.month)
        want: dict[tuple[str, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
        for _e, _k, fund, account, inst, _m, amount, year in lines:
            if inst is None or year != 2017:
                continue
            c, d = want[(inst, fund)]
            if account == "spending":
                want[(inst, fund)] = (c + amount, d)
            elif account == "deductions":
                want[(inst, fund)] = (c, d - amount)
        assert {k: v for k, v in got.items() if v != (0, 0)} == {
            k: v for k, v in want.items() if v != (0, 0)
        }
        assert want[("H-COUNTY", RULES.deductions_fund)][1] == 12_345

        # alarms re-computed from the raw lines, for the insurance funds at year end
        insurance = set(RULES.insurance_funds())
        income = spent = result = 0
        for _e, _k, fund, account, _i, _m, amount, year in lines:
            if fund not in insurance or year != 2017:
                continue
            if account.startswith("income."):
                income -= amount
            if account == "spending":
                spent += amount
            if account.startswith("income.") or account in (
                "spending", "deductions", "recoveries", "budget_adjustment", "forfeited"
            ):  # fmt: skip
                result -= amount
        assert income > 0 and spent > 0
        thresholds = {a.id: Fraction(str(a.threshold)) for a in RULES.alarms if a.threshold}
        expected = set()
        if Fraction(spent, income) < thresholds["utilization_low"]:
            expected.add("utilization_low")
        if Fraction(income - spent, income) > thresholds["current_balance_high"]:
            expected.add("current_balance_high")
        if Fraction(result, income) > thresholds["accumulated_balance_high"]:
            expected.add("accumulated_balance_high")
        if Fraction(result * 12, spent) < thresholds["cover_short"]:
            expected.add("cover_short")
        hits = {h.alarm.id for h in alarms(s, RULES, 2017, 12) if h.fund == "insurance"}
        assert hits == expected
