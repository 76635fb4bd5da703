"""A hand-computed statement: prepayments of 1/12 of a budget, claims in two funds, a
deduction and a recovery, the 5 % quality deposit withheld, a payment round approved and
released by different users (the bank file), and the year-end global-budget settlement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from safetynet.funds.journal import JournalError, Line, balances, post_entry
from safetynet.funds.payments import (
    PaymentError,
    approve,
    bank_csv,
    make_round,
    post_prepayments,
    release,
    return_deposits,
    set_budgets,
    settle_global_budgets,
)
from safetynet.funds.posting import Deduction, post_deductions
from safetynet.funds.rules import default_rules
from safetynet.funds.statements import StatementRow, statements
from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry, FundLine, PaymentBatch
from tests.settlement.conftest import County

RULES = default_rules()
BP = RULES.payments.quality_deposit.share_bp  # 5 %
H = "H-COUNTY"


def _claims(engine: Engine) -> None:
    """March: basic 45,000.00 inpatient + 5,000.00 outpatient, critical 2,000.00."""
    with session_scope(engine) as s:
        lines = []
        for fund, kind, fen in (
            ("basic", "inpatient", 4_500_000),
            ("basic", "outpatient", 500_000),
            ("critical", "inpatient", 200_000),
        ):
            lines += [
                Line(fund, "spending", fen, institution_code=H, claim_kind=kind, month=3),
                Line(fund, "payable", -fen, institution_code=H, claim_kind=kind, month=3),
            ]
        post_entry(
            s,
            RULES,
            year=2017,
            posted_on=date(2017, 3, 31),
            kind="settlement",
            lines=lines,
            user="test",
        )


def _row(rows: list[StatementRow], fund: str, month: int) -> StatementRow:
    return next(r for r in rows if r.fund == fund and r.month == month)


def _entries(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(FundEntry)) or 0,
            s.scalar(select(func.count()).select_from(FundLine)) or 0,
        )


def test_statement_payment_round_and_year_end(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        set_budgets(s, RULES, 2017, "basic", {H: 12_000_000}, user="bureau")  # 120,000.00
        for month in (1, 2, 3):
            assert (
                len(post_prepayments(s, RULES, 2017, month, user="bureau", on=date(2017, month, 1)))
                == 1
            )
        assert post_prepayments(s, RULES, 2017, 3, user="bureau", on=date(2017, 3, 1)) == []
    _claims(db_engine)
    with session_scope(db_engine) as s:
        post_deductions(
            s,
            [
                Deduction(H, 123_456, date(2017, 3, 20), "R-1", "over-standard charges"),
                Deduction(H, 50_000, date(2017, 3, 25), "R-2", "fraud", kind="recovery"),
            ],
        )
        rows = statements(s, 2017, BP, institution=H)
    jan = _row(rows, "basic", 1)
    assert (jan.prepaid_made, jan.prepaid_applied, jan.payable) == (1_000_000, 0, 0)
    basic = _row(rows, "basic", 3)
    assert basic.claims == 5_000_000
    assert basic.claims_by_kind == {"inpatient": 4_500_000, "outpatient": 500_000}
    assert (basic.deducted, basic.recovered) == (123_456, 50_000)
    assert basic.approved == 4_826_544  # 50,000.00 − 1,234.56 − 500.00 = 48,265.44
    assert basic.deposit == 241_327  # 5 % of 48,265.44 = 2,413.272 → 2,413.27
    assert basic.due == 4_585_217  # 45,852.17
    assert basic.prepaid_applied == 3_000_000  # three advances of 10,000.00
    assert basic.payable == 1_585_217  # 15,852.17
    critical = _row(rows, "critical", 3)
    assert (critical.approved, critical.deposit, critical.payable) == (200_000, 10_000, 190_000)

    with session_scope(db_engine) as s:
        batch_id = make_round(s, RULES, 2017, 3, user="clerk").id
    before = _entries(db_engine)
    with pytest.raises(PaymentError) as refused, session_scope(db_engine) as s:
        approve(s, batch_id, user="clerk")  # the maker approves its own batch
    assert refused.value.code == "maker_approves" and "another user" in refused.value.message
    with pytest.raises(PaymentError, match="approve it first"), session_scope(db_engine) as s:
        release(s, RULES, batch_id, user="bureau", on=date(2017, 4, 5))
    with session_scope(db_engine) as s:
        approve(s, batch_id, user="bureau")
    with pytest.raises(PaymentError) as refused, session_scope(db_engine) as s:
        release(s, RULES, batch_id, user="bureau", on=date(2017, 4, 5))
    assert refused.value.code == "approver_releases"
    assert _entries(db_engine) == before
    with session_scope(db_engine) as s:
        release(s, RULES, batch_id, user="clerk", on=date(2017, 4, 5))
    paid = _entries(db_engine)
    with pytest.raises(PaymentError) as refused, session_scope(db_engine) as s:
        release(s, RULES, batch_id, user="auditor", on=date(2017, 4, 6))
    assert refused.value.code == "released" and "nothing was paid twice" in refused.value.message
    assert _entries(db_engine) == paid
    with session_scope(db_engine) as s:
        batch = s.get(PaymentBatch, batch_id)
        assert batch is not None and batch.total_fen == 1_775_217
        csv = bank_csv(s, batch_id)
        assert csv.splitlines()[1].endswith(f'"{H}","县人民医院","17752.17"')
        b = balances(s, year=2017)
        # the March claims are settled: nothing left payable, the advances all netted
        assert b[("basic", "payable")] == 0 and b[("critical", "payable")] == 0
        assert b[("basic", "prepaid")] == 0
        assert b[("basic", "deposit")] == -241_327 and b[("critical", "deposit")] == -10_000

        # year end: budget 120,000.00, approved 48,265.44: underspend 71,734.56, half kept
        done = settle_global_budgets(s, RULES, 2017, user="bureau", on=date(2017, 12, 31))
        assert [(d.budget, d.approved, d.adjustment) for d in done] == [
            (12_000_000, 4_826_544, 3_586_728)
        ]
        settle_global_budgets(s, RULES, 2017, user="bureau", on=date(2017, 12, 31))  # once
        dec = _row(statements(s, 2017, BP, institution=H), "basic", 12)
        assert (dec.adjustment, dec.deposit, dec.payable) == (3_586_728, 0, 3_586_728)

        # the assessment returns 90 % of the deposits: basic 2,413.27 → 2,171.94 back
        # (2,171.943 rounded half up), 241.33 forfeited; critical 100.00 → 90.00 and 10.00
        with pytest.raises(JournalError, match="no assessment for H-COUNTY"):
            return_deposits(s, RULES, 2017, {}, user="bureau", on=date(2017, 12, 31))
        with pytest.raises(JournalError, match="not between 0 and 1"):
            return_deposits(
                s, RULES, 2017, {H: Decimal("1.1")}, user="bureau", on=date(2017, 12, 31)
            )
        back = return_deposits(
            s, RULES, 2017, {H: Decimal("0.9")}, user="bureau", on=date(2017, 12, 31)
        )
        assert [(r.fund, r.held, r.returned, r.forfeited) for r in back] == [
            ("basic", 241_327, 217_194, 24_133),
            ("critical", 10_000, 9_000, 1_000),
        ]
        b = balances(s, year=2017)
        assert b[("basic", "deposit")] == 0 and b[("basic", "forfeited")] == -24_133


def test_overspend_is_shared_by_the_stated_shares() -> None:
    from safetynet.funds.payments import budget_settlement

    # budget 100.00, approved 130.01: overspend 30.01, the fund bears 50 % (15.01 rounded
    # half up), the institution the other 15.00
    assert budget_settlement(RULES, 10_000, 13_001) == -1_500
    assert budget_settlement(RULES, 10_000, 10_000) == 0
    assert budget_settlement(RULES, 10_000, 9_999) == 1  # half of 0.01 rounds up to 0.01
