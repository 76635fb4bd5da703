"""A payment round pays each institution's month once, and every fen of it once, on both
databases: what is posted into a month after that month's round was made (a claim of March
settled in April, a refund, a deduction dated in March — also between the draft and its
release) is settled by the next round, never lost and never paid again; a second round of a
month is refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from safetynet.funds.journal import Line, balances, post_entry
from safetynet.funds.payments import PaymentError, approve, make_round, release
from safetynet.funds.rules import default_rules
from safetynet.funds.statements import statements
from safetynet.store.db import session_scope
from safetynet.store.models import Payment
from tests.settlement.conftest import County

RULES = default_rules()
BP = RULES.payments.quality_deposit.share_bp  # 5 %
H = "H-COUNTY"


def _claim(engine: Engine, fen: int, month: int, posted: date) -> None:
    """A settlement of ``fen`` for H's inpatient claims of ``month`` (negative: a refund)."""
    with session_scope(engine) as s:
        lines = [
            Line("basic", "spending", fen, institution_code=H, claim_kind="inpatient", month=month),
            Line("basic", "payable", -fen, institution_code=H, claim_kind="inpatient", month=month),
        ]
        kind = "settlement" if fen > 0 else "refund"
        post_entry(s, RULES, year=2017, posted_on=posted, kind=kind, lines=lines, user="test")


def _round(engine: Engine, month: int) -> int:
    """Make, approve and release the month's round; what it pays H (fen)."""
    with session_scope(engine) as s:
        batch = make_round(s, RULES, 2017, month, user="maker")
        approve(s, batch.id, user="checker")
        release(s, RULES, batch.id, user="maker", on=date(2017, month + 1, 5))
        return int(
            s.scalar(
                select(func.coalesce(func.sum(Payment.amount_fen), 0)).where(
                    Payment.batch_id == batch.id,
                    Payment.institution_code == H,
                    Payment.amount_fen > 0,  # a negative amount is carried, not paid
                )
            )
            or 0
        )


def test_what_comes_after_a_months_round_is_paid_by_the_next_once(
    db_engine: Engine, county: County
) -> None:
    _claim(db_engine, 100_000, 3, date(2017, 3, 31))
    assert _round(db_engine, 3) == 95_000  # 1,000.00 less the 5 % deposit
    with pytest.raises(PaymentError) as again, session_scope(db_engine) as s:
        make_round(s, RULES, 2017, 3, user="maker")
    assert again.value.code == "round_exists"
    # after March's round: a March claim settled late, and a refund of 200.00 of March
    _claim(db_engine, 40_000, 3, date(2017, 4, 10))
    _claim(db_engine, -20_000, 3, date(2017, 4, 11))
    _claim(db_engine, 60_000, 4, date(2017, 4, 20))
    with session_scope(db_engine) as s:
        rows = {r.month: r for r in statements(s, 2017, BP, institution=H)}
    # March's statement is what its round paid; the late March amounts are April's
    assert (rows[3].claims, rows[3].payable) == (100_000, 95_000)
    assert rows[4].claims == 40_000 - 20_000 + 60_000
    assert _round(db_engine, 4) == 80_000 - 4_000
    with session_scope(db_engine) as s:
        b = balances(s, year=2017)
        # everything settled was paid once, less the deposits: nothing owed, nothing overpaid
        assert b[("basic", "payable")] == 0
        assert -b[("basic", "cash")] == 95_000 + 76_000
        assert -b[("basic", "deposit")] == 5_000 + 4_000
        assert b[("basic", "spending")] == 180_000


def test_a_refund_after_the_round_is_carried_as_owed_by_the_institution(
    db_engine: Engine, county: County
) -> None:
    _claim(db_engine, 100_000, 3, date(2017, 3, 31))
    assert _round(db_engine, 3) == 95_000
    _claim(db_engine, -100_000, 3, date(2017, 4, 2))  # the whole of March refunded
    with session_scope(db_engine) as s:
        rows = {r.month: r for r in statements(s, 2017, BP, institution=H)}
    assert rows[4].payable == -100_000  # carried: the institution owes it back
    assert rows[5].carried == -100_000
    _claim(db_engine, 150_000, 5, date(2017, 5, 31))
    assert _round(db_engine, 4) == 0  # nothing paid while the institution owes
    assert _round(db_engine, 5) == 150_000 - 100_000 - 7_500


def test_a_deposit_share_finer_than_a_basis_point_is_refused(
    db_engine: Engine, county: County
) -> None:
    from decimal import Decimal

    from safetynet.funds.journal import JournalError
    from safetynet.funds.payments import return_deposits

    _claim(db_engine, 100_000, 3, date(2017, 3, 31))
    _round(db_engine, 3)  # 5,000 fen withheld
    with (
        pytest.raises(JournalError, match="finer than a basis point"),
        session_scope(db_engine) as s,
    ):
        return_deposits(s, RULES, 2017, {H: Decimal("0.12345")}, user="b", on=date(2017, 12, 31))
    with session_scope(db_engine) as s:
        [back] = return_deposits(
            s, RULES, 2017, {H: Decimal("0.1235")}, user="b", on=date(2017, 12, 31)
        )
        assert (back.held, back.returned) == (5_000, 618)  # 617.5 half up


def test_a_claim_posted_between_the_draft_and_the_release_goes_to_the_next_round(
    db_engine: Engine, county: County
) -> None:
    _claim(db_engine, 100_000, 3, date(2017, 3, 31))
    with session_scope(db_engine) as s:
        batch = make_round(s, RULES, 2017, 3, user="maker")
        batch_id = batch.id
        assert batch.total_fen == 95_000 and batch.through_entry_id is not None
    _claim(db_engine, 20_000, 3, date(2017, 4, 2))  # after the draft, before the release
    with session_scope(db_engine) as s:
        approve(s, batch_id, user="checker")
        release(s, RULES, batch_id, user="maker", on=date(2017, 4, 5))
        rows = {r.month: r for r in statements(s, 2017, BP, institution=H)}
    assert (rows[3].claims, rows[3].payable) == (100_000, 95_000)  # what the round paid
    assert (rows[4].claims, rows[4].payable) == (20_000, 19_000)
    assert _round(db_engine, 4) == 19_000
    with session_scope(db_engine) as s:
        b = balances(s, year=2017)
        assert b[("basic", "payable")] == 0 and -b[("basic", "cash")] == 95_000 + 19_000


def test_a_skipped_months_claims_are_paid_by_the_next_round_made(
    db_engine: Engine, county: County
) -> None:
    _claim(db_engine, 100_000, 3, date(2017, 3, 31))  # March's round is never made
    _claim(db_engine, 40_000, 4, date(2017, 4, 30))
    assert _round(db_engine, 4) == 140_000 - 7_000
    _claim(db_engine, 10_000, 3, date(2017, 5, 2))  # March again, after April's round
    with session_scope(db_engine) as s:
        rows = {r.month: r for r in statements(s, 2017, BP, institution=H)}
    assert rows[4].claims == 140_000 and rows[3].claims == 10_000  # open March
    assert _round(db_engine, 5) == 9_500  # the next round made pays it
    # a round of March now: nothing left to pay, refused as empty (nothing is paid twice)
    with session_scope(db_engine) as s, pytest.raises(PaymentError) as empty:
        make_round(s, RULES, 2017, 3, user="maker")
    assert empty.value.code == "round_empty"
    with session_scope(db_engine) as s:
        b = balances(s, year=2017)
        assert b[("basic", "payable")] == 0
        assert -b[("basic", "cash")] == 133_000 + 9_500


def test_a_round_paid_before_its_month_is_refused_and_nothing_posted(
    db_engine: Engine, county: County
) -> None:
    """March's round released on 28 February is a wrong date: refused with nothing written;
    on 1 March (the first day of the month it pays) it is released."""
    _claim(db_engine, 100_000, 3, date(2017, 3, 31))
    with session_scope(db_engine) as s:
        batch = make_round(s, RULES, 2017, 3, user="maker")
        approve(s, batch.id, user="checker")
        batch_id = batch.id
    with session_scope(db_engine) as s, pytest.raises(PaymentError) as err:
        release(s, RULES, batch_id, user="maker", on=date(2017, 2, 28))
    assert err.value.code == "paid_before_month"
    with session_scope(db_engine) as s:
        assert balances(s)[("basic", "payable")] == -100_000  # nothing paid
        assert release(s, RULES, batch_id, user="maker", on=date(2017, 3, 1)).state == "released"
        assert balances(s)[("basic", "payable")] == 0
