"""What is posted for December after December's payment round (a claim settled late, a
refund, a review deduction, a recovery, all dated in December) is settled once by the next
year's first round, on both databases: never lost at the year's end, never paid twice, and
the statement says which period each amount belongs to."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, func, select

from safetynet.funds.journal import Line, balances, post_entry
from safetynet.funds.payments import (
    PaymentError,
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
from safetynet.funds.statements import statements
from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry, Payment
from tests.settlement.conftest import County

RULES = default_rules()
BP = RULES.payments.quality_deposit.share_bp  # 5 %
H = "H-COUNTY"


def _claim(engine: Engine, fen: int, year: int, month: int, posted: date) -> None:
    """A settlement of ``fen`` for H's inpatient claims of the month (negative: a refund)."""
    with session_scope(engine) as s:
        lines = [
            Line("basic", "spending", fen, institution_code=H, claim_kind="inpatient", month=month),
            Line("basic", "payable", -fen, institution_code=H, claim_kind="inpatient", month=month),
        ]
        kind = "settlement" if fen > 0 else "refund"
        post_entry(s, RULES, year=year, posted_on=posted, kind=kind, lines=lines, user="test")


def _round(engine: Engine, year: int, month: int, on: date) -> int:
    """Make, approve and release the month's round; what it pays H (fen): 0 when the month
    has nothing to pay or settle (no empty round is made, ``round_empty``)."""
    with session_scope(engine) as s:
        try:
            batch = make_round(s, RULES, year, month, user="maker")
        except PaymentError as exc:
            assert exc.code == "round_empty", exc
            return 0
        approve(s, batch.id, user="checker")
        release(s, RULES, batch.id, user="maker", on=on)
        paid = s.scalar(
            select(func.coalesce(func.sum(Payment.amount_fen), 0)).where(
                Payment.batch_id == batch.id, Payment.institution_code == H
            )
        )
        return int(paid or 0)


def test_decembers_late_postings_are_settled_once_by_januarys_round(
    db_engine: Engine, county: County
) -> None:
    _claim(db_engine, 100_000, 2017, 12, date(2017, 12, 28))
    assert _round(db_engine, 2017, 12, date(2018, 1, 3)) == 95_000
    # after December's round, all dated December 2017
    _claim(db_engine, 40_000, 2017, 12, date(2017, 12, 30))  # a claim settled late
    _claim(db_engine, -10_000, 2017, 12, date(2017, 12, 31))  # a refund
    with session_scope(db_engine) as s:
        post_deductions(s, [
            Deduction(H, 5_000, date(2017, 12, 29), "case-1", "over-treatment"),
            Deduction(H, 2_000, date(2017, 12, 31), "case-2", "recovered", kind="recovery"),
        ])  # fmt: skip
        dec = {r.month: r for r in statements(s, 2017, BP, institution=H)}
    # December's statement stays what its round paid; nothing is left open in 2017
    assert (dec[12].claims, dec[12].payable) == (100_000, 95_000)
    assert dec[12].periods == {201712: 100_000}
    _claim(db_engine, 30_000, 2018, 1, date(2018, 1, 31))
    with session_scope(db_engine) as s:
        [jan] = [r for r in statements(s, 2018, BP, institution=H) if r.month == 1]
    late = 40_000 - 10_000 - 5_000 - 2_000
    assert (jan.claims, jan.deducted, jan.recovered) == (60_000, 5_000, 2_000)
    assert jan.periods == {201712: late, 201801: 30_000}  # which period each belongs to
    approved = late + 30_000
    assert _round(db_engine, 2018, 1, date(2018, 2, 5)) == approved - approved * BP // 10_000
    # a second run pays nothing more: February's round has nothing of H's to settle
    assert _round(db_engine, 2018, 2, date(2018, 3, 5)) == 0
    with session_scope(db_engine) as s:
        assert statements(s, 2017, BP, institution=H)[-1].periods == {201712: 100_000}
        b = balances(s)  # over both years: everything settled was paid, once
        assert b[("basic", "payable")] == 0
        assert -b[("basic", "deposit")] == 5_000 + approved * BP // 10_000


def test_a_late_december_claim_waits_for_the_december_round_when_none_was_made(
    db_engine: Engine, county: County
) -> None:
    """Without December's round the year is open: January's round does not take December."""
    _claim(db_engine, 100_000, 2017, 11, date(2017, 11, 28))
    assert _round(db_engine, 2017, 11, date(2017, 12, 3)) == 95_000
    _claim(db_engine, 20_000, 2017, 11, date(2017, 12, 30))  # after November's round
    _claim(db_engine, 30_000, 2018, 1, date(2018, 1, 31))
    assert _round(db_engine, 2018, 1, date(2018, 2, 5)) == 28_500  # January's own only
    assert _round(db_engine, 2017, 12, date(2018, 2, 6)) == 19_000  # December's round


def test_what_the_institution_owes_after_december_is_carried_into_january(
    db_engine: Engine, county: County
) -> None:
    """A refund of November's claims before December's round leaves December owing: the
    next year's January round nets it, once."""
    _claim(db_engine, 100_000, 2017, 11, date(2017, 11, 28))
    assert _round(db_engine, 2017, 11, date(2017, 12, 3)) == 95_000
    _claim(db_engine, -100_000, 2017, 11, date(2017, 12, 10))  # refunded: owed back
    assert _round(db_engine, 2017, 12, date(2018, 1, 3)) == -100_000  # carried, not paid
    _claim(db_engine, 150_000, 2018, 1, date(2018, 1, 31))
    with session_scope(db_engine) as s:
        [jan] = [r for r in statements(s, 2018, BP, institution=H) if r.month == 1]
    assert (jan.carried, jan.payable) == (-100_000, 150_000 - 7_500 - 100_000)
    assert _round(db_engine, 2018, 1, date(2018, 2, 5)) == 42_500
    assert _round(db_engine, 2018, 2, date(2018, 3, 5)) == 0  # nothing carried twice


def test_advances_not_netted_by_december_are_netted_from_january(
    db_engine: Engine, county: County
) -> None:
    """The monthly advance of 1/12 is netted against what is due "with a year-end
    settlement" (domain notes B2.4): an advance the year's dues did not use up is not
    forgotten at the year's end — the next year's rounds net it before paying anything."""
    with session_scope(db_engine) as s:
        set_budgets(s, RULES, 2017, "basic", {H: 1_200_000}, "bureau")  # 100,000 a month
        post_prepayments(s, RULES, 2017, 12, user="bureau", on=date(2017, 12, 1))
    _claim(db_engine, 40_000, 2017, 12, date(2017, 12, 20))
    assert _round(db_engine, 2017, 12, date(2018, 1, 3)) == 0  # 38,000 due, netted
    left = 100_000 - 38_000
    # January 2018: 100,000 due after the deposit: 62,000 of it netted by the advance left
    _claim(db_engine, 100_000 * 10_000 // (10_000 - BP), 2018, 1, date(2018, 1, 20))
    with session_scope(db_engine) as s:
        [jan] = [r for r in statements(s, 2018, BP, institution=H) if r.month == 1]
    assert (jan.due, jan.prepaid_applied, jan.payable) == (100_000, left, 100_000 - left)
    assert _round(db_engine, 2018, 1, date(2018, 2, 5)) == 100_000 - left
    assert _round(db_engine, 2018, 2, date(2018, 3, 5)) == 0  # netted once
    with session_scope(db_engine) as s:
        b = balances(s)
        assert b[("basic", "prepaid")] == 0  # every advance netted
        assert b[("basic", "payable")] == 0


def test_an_advance_left_one_fen_or_below_the_next_due(db_engine: Engine, county: County) -> None:
    """At, below and above the advance left: January's due nets at most what is left."""
    with session_scope(db_engine) as s:
        set_budgets(s, RULES, 2017, "basic", {H: 12}, "bureau")  # 1 fen a month
        post_prepayments(s, RULES, 2017, 12, user="bureau", on=date(2017, 12, 1))
    assert _round(db_engine, 2017, 12, date(2018, 1, 3)) == 0  # nothing due: 1 fen left
    _claim(db_engine, 20, 2018, 1, date(2018, 1, 20))  # 19 due after the 5 % deposit
    with session_scope(db_engine) as s:
        [jan] = [r for r in statements(s, 2018, BP, institution=H) if r.month == 1]
    assert (jan.due, jan.prepaid_applied, jan.payable) == (19, 1, 18)


def test_a_deposit_withheld_after_the_assessment_is_returned_by_the_next_once(
    db_engine: Engine, county: County
) -> None:
    """The year's deposits returned before December's round is released: December's deposit
    (withheld by that round, a deposit of the year) is not stranded — the next return settles
    it, and a third returns nothing."""
    _claim(db_engine, 100_000, 2017, 11, date(2017, 11, 28))
    assert _round(db_engine, 2017, 11, date(2017, 12, 3)) == 95_000
    score = {H: Decimal("0.8")}
    with session_scope(db_engine) as s:
        first = return_deposits(s, RULES, 2017, score, user="bureau", on=date(2017, 12, 31))
    assert [(r.held, r.returned) for r in first] == [(5_000, 4_000)]
    _claim(db_engine, 200_000, 2017, 12, date(2017, 12, 28))
    assert _round(db_engine, 2017, 12, date(2018, 1, 3)) == 190_000  # 10,000 withheld
    with session_scope(db_engine) as s:
        second = return_deposits(s, RULES, 2017, score, user="bureau", on=date(2018, 1, 10))
        assert [(r.held, r.returned, r.forfeited) for r in second] == [(10_000, 8_000, 2_000)]
        assert return_deposits(s, RULES, 2017, score, user="bureau", on=date(2018, 1, 11)) == []
        b = balances(s, year=2017)
        assert b[("basic", "deposit")] == 0 and b[("basic", "forfeited")] == -3_000


def test_the_global_budget_settlement_follows_late_claims_of_the_year_once(
    db_engine: Engine, county: County
) -> None:
    """Settled at the year's end on 6,000.00 of claims against a 10,000.00 budget (the
    institution keeps half the underspend: 2,000.00); a December claim of 1,000.00 settled
    after it leaves 1,500.00 due: the next run posts the −500.00 difference, a third
    nothing."""
    with session_scope(db_engine) as s:
        set_budgets(s, RULES, 2017, "basic", {H: 1_000_000}, "bureau")
    _claim(db_engine, 600_000, 2017, 6, date(2017, 6, 30))

    def settle(on: date) -> list[int]:
        with session_scope(db_engine) as s:
            return [d.adjustment for d in settle_global_budgets(s, RULES, 2017, user="b", on=on)]

    assert settle(date(2017, 12, 31)) == [200_000]
    _claim(db_engine, 100_000, 2017, 12, date(2018, 1, 4))
    assert settle(date(2018, 1, 10)) == [150_000]
    assert settle(date(2018, 1, 11)) == [150_000]
    with session_scope(db_engine) as s:
        assert balances(s, year=2017)[("basic", "budget_adjustment")] == 150_000
        refs = s.scalars(
            select(FundEntry.reference).where(FundEntry.kind == "year_end").order_by(FundEntry.id)
        ).all()
    assert refs == [f"budget:2017:basic:{H}", f"budget:2017:basic:{H}:2"]
