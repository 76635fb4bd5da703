"""Every threshold of claim review, table-driven, at the threshold and either side of it, with
the numbers read from the parameter file (``files/langxi-2021.yaml``; moving one in the data
moves the boundary), on both databases where a case is opened.

Semantics (Decree No. 735, domain notes §A4): a fine multiple and a suspension's months are
within the article's range, both ends included (art. 38 fines 1–2×, art. 40 and 41 2–5×;
departments 6–12 months, persons 3–12); the fine is ``loss × multiple`` half up to the fen;
a suspension covers ``[from, from + months)``; an appeal is in time on the deadline's day
(the decision's day + 15), late the day after; a claim belongs to the highest stratum whose
``min_score`` it reaches, and ``ceil(share × N)`` claims are drawn from a stratum of N.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from safetynet.review import cases, sanctions
from safetynet.review.errors import ReviewError
from safetynet.review.params import default_params
from safetynet.review.sampling import Candidate, draw, stratum_of
from safetynet.review.schema import ReviewParams
from safetynet.store.db import session_scope
from safetynet.store.models import Person
from tests.review.conftest import settle
from tests.review.test_cases import _decide, _open
from tests.settlement.conftest import County

PARAMS = default_params()
TODAY = date(2017, 6, 1)

FINES = [  # article, multiple, accepted
    (38, "0.99", False), (38, "1", True), (38, "2", True), (38, "2.01", False),
    (40, "1.99", False), (40, "2", True), (40, "5", True), (40, "5.01", False),
    (41, "1.99", False), (41, "2", True), (41, "5", True), (41, "5.01", False),
]  # fmt: skip


def _fine(s: object, article: int, multiple: str, params: ReviewParams | None = None,
          loss: int = 1_001) -> sanctions.SanctionCase:  # fmt: skip
    party = {"person_id": 1} if article == 41 else {"institution_code": "H-COUNTY"}
    return sanctions.open_case(s, article=article, finding="x", loss_fen=loss,  # type: ignore[arg-type]
                               fine_multiple=multiple, by="i", today=TODAY, params=params,
                               **party)  # type: ignore[arg-type]  # fmt: skip


def test_fine_multiples_at_each_end_of_each_articles_range(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        for article, multiple, ok in FINES:
            if ok:
                case = _fine(s, article, multiple)
                # 10.01 yuan × the multiple, half up to the fen
                assert case.fine_fen == sanctions.fine_fen(1_001, Decimal(multiple))
            else:
                with pytest.raises(ReviewError) as refused:
                    _fine(s, article, multiple)
                assert refused.value.code == "fine_multiple_out_of_range", (article, multiple)
        # 0.01 yuan × 1.5 = 0.015 yuan: 1.5 fen, half up to 2
        assert _fine(s, 38, "1.5", loss=1).fine_fen == 2
        assert _fine(s, 38, "1.5", loss=3).fine_fen == 5  # 4.5 → 5
        # the range is the parameter file's: a county allowing up to 3× under art. 38
        wider = PARAMS.model_copy(deep=True)
        data = wider.model_dump()
        data["articles"][38]["fine"]["max"]["value"] = 3
        wider = ReviewParams.model_validate(data)
        assert _fine(s, 38, "3", wider).fine_fen == 3_003
        with pytest.raises(ReviewError):
            _fine(s, 38, "3.01", wider)


def test_an_individual_without_fraud_repays_with_no_fine(db_engine: Engine, county: County) -> None:
    """Art. 41 fines 2–5× only "if fraud" (domain notes §A4): a person's case without a
    multiple is repaid with no fine; with one, the range holds. Art. 38 and 40 always fine."""
    with session_scope(db_engine) as s:
        for blank in (None, "", "  "):
            case = _fine(s, 41, blank)  # type: ignore[arg-type]
            assert (case.loss_fen, case.fine_fen, case.fine_multiple_pct) == (1_001, 0, 0)
        assert _fine(s, 41, "2").fine_fen == 2_002
        for article, multiple in ((41, "1"), (41, "0"), (38, ""), (40, None)):
            with pytest.raises(ReviewError) as refused:
                _fine(s, article, multiple)  # type: ignore[arg-type]
            assert refused.value.code in ("fine_multiple_out_of_range", "fine_multiple_invalid")


SUSPENSIONS = [  # scope, article, months, accepted
    ("person", 41, 2, False), ("person", 41, 3, True), ("person", 41, 12, True),
    ("person", 41, 13, False),
    ("department", 38, 5, False), ("department", 38, 6, True), ("department", 38, 12, True),
    ("department", 38, 13, False), ("department", 40, 6, True), ("department", 40, 13, False),
]  # fmt: skip


def test_suspension_months_at_each_end_of_the_range_and_the_days_covered(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        person = s.scalar(select(Person.id).where(Person.resident_id == county.ordinary_id))
        assert person is not None
        for scope, article, months, ok in SUSPENSIONS:
            kw = dict(article=article, months=months, valid_from=TODAY, reason="r", by="i")

            def suspend(scope: str = scope, kw: dict[str, object] = kw) -> object:
                if scope == "person":
                    return sanctions.suspend_person(s, person_id=person, **kw)  # type: ignore[arg-type]
                return sanctions.suspend_department(  # type: ignore[misc]
                    s, institution_code="H-COUNTY", department="骨科", claim_kinds=[], **kw
                )

            if ok:
                row = suspend()
                # [from, from + months): 3 months from June 1st end on August 31st
                assert row.valid_to == sanctions.add_months(TODAY, months)  # type: ignore[attr-defined]
            else:
                with pytest.raises(ReviewError) as refused:
                    suspend()
                assert refused.value.code == "suspension_out_of_range", (scope, months)


def test_the_appeal_deadline_day_is_in_time_and_the_next_is_late(
    db_engine: Engine, county: County
) -> None:
    claim_id, _ = settle(db_engine, county.ordinary_id)
    case_id, line_ids = _open(db_engine, claim_id)
    for line_id in line_ids:
        _decide(db_engine, line_id, "approved")
    deadline = TODAY + timedelta(days=int(PARAMS.appeal.deadline.value))
    assert PARAMS.appeal.deadline.value == 15
    with session_scope(db_engine) as s:
        case = cases.finish(s, case_id, by="rev1", today=TODAY)
        assert case.appeal_deadline == deadline
        # closing without the institution's consent: not on the deadline's day
        with pytest.raises(ReviewError) as still_open:
            cases.close(s, case_id, by="rev1", today=deadline)
        assert still_open.value.code == "appeal_open"
    with pytest.raises(ReviewError) as late, session_scope(db_engine) as s:
        cases.appeal(s, case_id, by="office", reason="r", today=deadline + timedelta(days=1))
    assert late.value.code == "appeal_late"
    with session_scope(db_engine) as s:
        assert cases.appeal(s, case_id, by="office", reason="r", today=deadline).state.value == (
            "appealed"
        )


@pytest.mark.parametrize(
    ("score", "stratum"),
    [(3.0, "high"), (2.999, "medium"), (3.001, "high"), (1.0, "medium"), (0.999, "low"),
     (0.0, "low")],
)  # fmt: skip
def test_a_claim_falls_in_the_highest_stratum_whose_min_score_it_reaches(
    score: float, stratum: str
) -> None:
    assert stratum_of(score, PARAMS.sampling) == stratum


@pytest.mark.parametrize(("claims", "drawn"), [(1, 1), (2, 1), (3, 2), (10, 5), (11, 6)])
def test_a_stratum_draws_the_ceiling_of_its_share(claims: int, drawn: int) -> None:
    """High risk draws 50 %: ceil(N / 2); the random share (2 %) adds ceil(2 % of N) more."""
    sampling = PARAMS.sampling.model_copy(
        update={"random_share": PARAMS.sampling.random_share.model_copy(update={"value": 0})}
    )
    pool = [Candidate(i, 5.0, 100) for i in range(claims)]
    assert len(draw(pool, sampling, seed=1)) == drawn
    extra = -(-2 * claims // 100)  # ceil(2 % × N)
    assert len(draw(pool, PARAMS.sampling, seed=1)) == min(claims, drawn + extra)
