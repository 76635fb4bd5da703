"""The review indicators of a period, against numbers counted by hand (both databases)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from safetynet.clock import local_today
from safetynet.review import callbacks, cases, sanctions, spot_checks
from safetynet.review.indicators import review_indicators
from safetynet.store.db import session_scope
from safetynet.store.models import Settlement
from tests.review.conftest import settle
from tests.settlement.conftest import County

BILL_FEN = 1_000_000


def test_review_indicators_by_hand(db_engine: Engine, county: County) -> None:
    (a, sa), (b, _sb), (c, _sc) = [settle(db_engine, county.ordinary_id, date(2017, m, 1))
                                   for m in (2, 3, 4)]  # fmt: skip
    with session_scope(db_engine) as s:
        oop = s.get(Settlement, sa).out_of_pocket_fen  # type: ignore[union-attr]
        case = cases.open_case(s, a)
        for n, line in enumerate(cases.lines(s, case.id)):
            cases.decide_line(s, line.id, decision="adjusted" if n == 0 else "approved",
                              deduct_fen=50_000 if n == 0 else None, reason="x" if n == 0
                              else None, by="rev", version=0)  # fmt: skip
        cases.finish(s, case.id, by="rev", today=date(2017, 5, 1))
        callbacks.record(s, a, care_received=True, drugs_received=True, paid_fen=oop,
                         by="t", on=date(2017, 5, 2))  # fmt: skip
        callbacks.record(
            s, b, care_received=False, drugs_received=True, paid_fen=0, by="t", on=date(2017, 5, 2)
        )  # b: flagged, its case only submitted
        sanction = sanctions.open_case(s, article=38, finding="x", loss_fen=10_000,
                                       fine_multiple="1.5", by="i", today=date(2017, 5, 3),
                                       institution_code="H-COUNTY")  # fmt: skip
        sanctions.record_recovery(s, sanction.id, amount_fen=5_000, by="i",
                                  received_on=date(2017, 5, 4))  # fmt: skip
        check = spot_checks.draw_spot_check(s, region="340421", start=date(2017, 1, 1),
                                            end=date(2017, 12, 31), seed=1, by="i")  # fmt: skip
        [sampled] = spot_checks.sample(s, check.id)  # only c has no open case
        assert sampled.claim_id == c
        spot_checks.record_finding(s, sampled.id, found_fen=BILL_FEN // 10, by="i")
        figures = {(f.indicator, f.part): f.value for f in
                   review_indicators(s, date(2017, 1, 1), local_today())}  # fmt: skip
    assert figures[("review_coverage", None)] == pytest.approx(1 / 3)  # a of a, b, c
    assert figures[("deductions_by_institution", None)] == 50_000
    assert figures[("deductions_by_institution", "H-COUNTY")] == 50_000
    assert figures[("recovered_share", None)] == pytest.approx(5_000 / 25_000)
    assert figures[("spot_check_error_rate", None)] == pytest.approx(0.1)
    assert figures[("callbacks_confirmed", None)] == pytest.approx(0.5)


def test_a_cancelled_sanction_is_neither_assessed_nor_recovered(
    db_engine: Engine, county: County
) -> None:
    """Two cases of 10,000 fen (1×: 20,000 assessed each); the first recovered in full then
    overturned (its recovery reversed), the second recovered 5,000: 5,000 ÷ 20,000, not
    25,000 ÷ 40,000."""
    with session_scope(db_engine) as s:
        ids = [sanctions.open_case(s, article=38, finding="x", loss_fen=10_000,
                                   fine_multiple="1", by="i", today=date(2017, 5, 3),
                                   institution_code="H-COUNTY").id for _ in range(2)]  # fmt: skip
        sanctions.record_recovery(
            s, ids[0], amount_fen=20_000, by="i", received_on=date(2017, 5, 4)
        )
        sanctions.cancel_case(s, ids[0], by="b", on=date(2017, 6, 1), reason="overturned")

        def share() -> float | None:
            return {f.indicator: f.value for f in review_indicators(
                s, date(2017, 1, 1), date(2017, 12, 31))}["recovered_share"]  # fmt: skip

        assert share() == 0  # the second case's 20,000 assessed, nothing recovered on it
        sanctions.record_recovery(s, ids[1], amount_fen=5_000, by="i", received_on=date(2017, 5, 5))
        assert share() == pytest.approx(5_000 / 20_000)
