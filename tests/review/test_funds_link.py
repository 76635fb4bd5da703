"""Review deductions reach the fund accounts as they are decided: the institution's payable
is reduced by what it bears, and given back when a deduction is lowered or the claim refunded."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from safetynet.review import cases
from safetynet.settlement.service import refund
from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry, FundLine, ReviewLine
from tests.review.conftest import settle
from tests.settlement.conftest import County


def _deductions_account(engine: Engine) -> tuple[int, list[str]]:
    """The deductions account's balance for H-COUNTY (credits < 0) and the review entries' kinds."""
    with session_scope(engine) as s:
        balance = s.scalar(
            select(func.coalesce(func.sum(FundLine.amount_fen), 0))
            .join(FundEntry, FundEntry.id == FundLine.entry_id)
            .where(
                FundLine.account == "deductions",
                FundLine.institution_code == "H-COUNTY",
                FundEntry.reference.like("%review-%"),
            )
        )
        kinds = list(
            s.scalars(
                select(FundEntry.kind)
                .where(FundEntry.reference.like("%review-%"))
                .order_by(FundEntry.id)
            )
        )
        return int(balance or 0), kinds


def _decide(engine: Engine, line_id: int, deduct: int) -> None:
    with session_scope(engine) as s:
        line = s.get(ReviewLine, line_id)
        assert line is not None
        cases.decide_line(s, line_id, decision="adjusted", deduct_fen=deduct, by="rev1",
                          version=line.version, reason="over-standard charge",
                          rule_id="over-standard-charge", article=38)  # fmt: skip


def test_deductions_are_posted_lowered_and_given_back(db_engine: Engine, county: County) -> None:
    claim_id, settlement_id = settle(db_engine, county.ordinary_id)
    with session_scope(db_engine) as s:
        case = cases.open_case(s, claim_id)
        line_ids = [line.id for line in cases.lines(s, case.id)]
    _decide(db_engine, line_ids[1], 50_000)  # 500 yuan borne by the institution
    assert _deductions_account(db_engine) == (-50_000, ["deduction"])
    _decide(db_engine, line_ids[1], 20_000)  # lowered to 200 yuan: 300 given back
    assert _deductions_account(db_engine) == (-20_000, ["deduction", "reversal"])
    with session_scope(db_engine, write_lock=True) as s:
        refund(s, settlement_id, user="clerk", reason="wrong patient")
    balance, kinds = _deductions_account(db_engine)
    assert balance == 0 and kinds == ["deduction", "reversal", "reversal"]
