"""Review cases: line decisions and the deduction ledger, optimistic concurrency, appeal and
its deadline, and a refund of a reviewed claim (both databases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select

from safetynet.codes import CaseState, LineDecision, Outcome
from safetynet.review import cases, deductions
from safetynet.review.errors import ReviewError
from safetynet.settlement.service import refund
from safetynet.store.db import session_scope
from safetynet.store.models import AuditEvent, ReviewDeduction, ReviewLine, Settlement
from tests.review.conftest import settle
from tests.settlement.conftest import County

DAY = date(2017, 3, 20)


def _open(engine: Engine, claim_id: int) -> tuple[int, list[int]]:
    with session_scope(engine) as s:
        case = cases.open_case(s, claim_id)
        return case.id, [line.id for line in cases.lines(s, case.id)]


def _decide(engine: Engine, line_id: int, decision: str, deduct: int | None = None,
            by: str = "rev1", version: int | None = None) -> cases.Decided:  # fmt: skip
    with session_scope(engine) as s:
        seen = s.get(ReviewLine, line_id).version if version is None else version  # type: ignore[union-attr]
        return cases.decide_line(s, line_id, decision=decision, deduct_fen=deduct, by=by,
                                 version=seen, reason=None if decision == "approved" else "why",
                                 rule_id="over-standard-charge", article=38)  # fmt: skip


def test_the_ledger_sums_the_adjusted_and_rejected_amounts(db_engine: Engine, county: County
                                                           ) -> None:  # fmt: skip
    claim_id, settlement_id = settle(db_engine, county.ordinary_id)
    case_id, (bed, drug_a, drug_b, drug_c) = _open(db_engine, claim_id)
    with session_scope(db_engine) as s:
        cases.self_check(s, case_id, by="office", note="checked against the daily bill")
        before = s.get(Settlement, settlement_id)
        assert before is not None
        paid, oop = before.paid_fen, before.out_of_pocket_fen
    _decide(db_engine, bed, "approved")
    _decide(db_engine, drug_a, "adjusted", 50_000)  # 500 yuan of 2000 deducted
    _decide(db_engine, drug_b, "rejected")  # all of 1000 yuan
    _decide(db_engine, drug_c, "adjusted", 10_000)
    _decide(db_engine, drug_c, "adjusted", 30_000)  # a second adjustment of the same line
    with session_scope(db_engine) as s:
        case = cases.finish(s, case_id, by="rev1", today=DAY)
        assert case.state == CaseState.REVIEWED and case.outcome == Outcome.ADJUSTED
        assert case.appeal_deadline == DAY + timedelta(days=15)
        entries = s.scalars(select(ReviewDeduction).order_by(ReviewDeduction.id)).all()
        # 500 + 1000 + 100, then +200 when drug C's deduction rose from 100 to 300 yuan
        assert [e.amount_fen for e in entries] == [50_000, 100_000, 10_000, 20_000]
        assert {e.institution_code for e in entries} == {"H-COUNTY"}
        lines = cases.lines(s, case_id)
        adjusted_and_rejected = sum(
            line.deducted_fen for line in lines if line.decision != LineDecision.APPROVED
        )
        assert deductions.total(s, claim_id=claim_id) == adjusted_and_rejected == 180_000
        # the patient's settlement is untouched: no new entry, same amounts
        assert s.scalar(select(func.count()).select_from(Settlement)) == 1
        after = s.get(Settlement, settlement_id)
        assert after is not None and (after.paid_fen, after.out_of_pocket_fen) == (paid, oop)
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("review.%")))
        assert sorted(actions) == sorted(["review.self_check", "review.finish"]
                                         + ["review.decide"] * 5)  # fmt: skip
        rows = deductions.between(s, date(2000, 1, 1), date(2100, 1, 1), "H-COUNTY")
        assert sum(r.amount_fen for r in rows) == 180_000
        assert deductions.between(s, date(2000, 1, 1), date(2000, 1, 2)) == []


def test_two_reviewers_on_one_line_one_wins_and_a_retry_is_idempotent(
    db_engine: Engine, county: County
) -> None:
    claim_id, _ = settle(db_engine, county.ordinary_id)
    _case, (bed, *_rest) = _open(db_engine, claim_id)
    first = _decide(db_engine, bed, "adjusted", 1_000, by="rev1", version=0)
    assert not first.replayed
    with pytest.raises(ReviewError) as lost:
        _decide(db_engine, bed, "rejected", by="rev2", version=0)  # saw version 0 too
    assert lost.value.status == 409 and lost.value.code == "line_changed"
    assert "rev1" in lost.value.message
    again = _decide(db_engine, bed, "adjusted", 1_000, by="rev1", version=0)  # double click
    assert again.replayed
    with session_scope(db_engine) as s:
        assert [e.amount_fen for e in s.scalars(select(ReviewDeduction))] == [1_000]
        line = s.get(ReviewLine, bed)
        assert line is not None and line.decision == LineDecision.ADJUSTED and line.version == 1


def test_appeal_deadline_and_second_decision(db_engine: Engine, county: County) -> None:
    claim_id, _ = settle(db_engine, county.ordinary_id)
    case_id, line_ids = _open(db_engine, claim_id)
    _decide(db_engine, line_ids[0], "rejected")
    for line_id in line_ids[1:]:
        _decide(db_engine, line_id, "approved")
    with session_scope(db_engine) as s:
        cases.finish(s, case_id, by="rev1", today=DAY)
        with pytest.raises(ReviewError) as decided:
            cases.decide_line(s, line_ids[1], decision="rejected", by="rev1", version=1,
                              reason="late thought")  # fmt: skip
        assert decided.value.code == "case_decided"
        with pytest.raises(ReviewError) as still_open:
            cases.close(s, case_id, by="rev1", today=DAY + timedelta(days=15))
        assert still_open.value.code == "appeal_open"
    with pytest.raises(ReviewError) as late, session_scope(db_engine) as s:
        cases.appeal(
            s, case_id, by="office", reason="bed days were given", today=DAY + timedelta(days=16)
        )
    assert late.value.code == "appeal_late" and "2017-04-04" in late.value.message
    with session_scope(db_engine) as s:
        assert s.get(cases.ReviewCase, case_id).state == CaseState.REVIEWED  # type: ignore[union-attr]
        case = cases.appeal(s, case_id, by="office", reason="bed days were given",
                            today=DAY + timedelta(days=15))  # fmt: skip
        assert case.state == CaseState.APPEALED
    _decide(db_engine, line_ids[0], "adjusted", 100_000, by="rev2")  # 1000 of 6000 yuan
    with session_scope(db_engine) as s:
        case = cases.finish(s, case_id, by="rev2", today=DAY + timedelta(days=20))
        assert case.state == CaseState.CLOSED
        assert (case.outcome, case.final_outcome) == (Outcome.ADJUSTED, Outcome.ADJUSTED)
        kinds = [(e.kind.value, e.amount_fen) for e in
                 s.scalars(select(ReviewDeduction).order_by(ReviewDeduction.id))]  # fmt: skip
        assert kinds == [("decision", 600_000), ("appeal", -500_000)]
        assert deductions.total(s, claim_id=claim_id) == 100_000


def test_a_refund_voids_the_case_and_undoes_its_deductions(db_engine: Engine, county: County
                                                           ) -> None:  # fmt: skip
    claim_id, settlement_id = settle(db_engine, county.ordinary_id)
    case_id, line_ids = _open(db_engine, claim_id)
    _decide(db_engine, line_ids[1], "adjusted", 20_000)
    with session_scope(db_engine, write_lock=True) as s:
        refund(s, settlement_id, user="clerk", reason="wrong patient")
    with session_scope(db_engine) as s:
        assert s.get(cases.ReviewCase, case_id).state == CaseState.VOID  # type: ignore[union-attr]
        assert deductions.total(s, claim_id=claim_id) == 0
        kinds = [
            e.kind.value for e in s.scalars(select(ReviewDeduction).order_by(ReviewDeduction.id))
        ]
        assert kinds == ["decision", "refund"]
    with pytest.raises(ReviewError) as void:
        _decide(db_engine, line_ids[2], "rejected")
    assert void.value.code == "case_void" and void.value.status == 409
    with pytest.raises(ReviewError) as unsettled, session_scope(db_engine) as s:
        cases.open_case(s, claim_id + 1000)
    assert unsettled.value.status == 404
