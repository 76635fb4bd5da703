"""Sanction cases (fine multiples within the article's range, recovered and outstanding) and
suspensions refused at settlement (both databases)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, delete, func, select

from safetynet.clock import local_today
from safetynet.review import sanctions
from safetynet.review.errors import ReviewError
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import preview, submit
from safetynet.store.db import session_scope
from safetynet.store.models import Person, Settlement, Suspension
from tests.review.conftest import settle
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

TODAY = date(2017, 5, 2)


def test_a_case_with_a_fine_recovered_in_parts(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        case = sanctions.open_case(
            s, article=38, finding="bed days billed twice", loss_fen=123_45,
            fine_multiple="1.5", by="inspector", today=TODAY, institution_code="H-COUNTY",
        )  # fmt: skip
        assert case.fine_fen == 185_18  # 12,345 × 1.5 = 18,517.5 fen, half up
        assert case.fine_multiple_pct == 150
        sanctions.record_recovery(s, case.id, amount_fen=100_00, by="inspector",
                                  received_on=TODAY)  # fmt: skip
        [row] = sanctions.case_rows(s)
        assert (row.assessed_fen, row.recovered_fen, row.outstanding_fen) == (
            308_63, 100_00, 208_63)  # fmt: skip
        with pytest.raises(ReviewError) as too_much:
            sanctions.record_recovery(s, case.id, amount_fen=208_64, by="inspector",
                                      received_on=TODAY)  # fmt: skip
        assert too_much.value.code == "recovery_exceeds"
        sanctions.record_recovery(s, case.id, amount_fen=208_63, by="inspector",
                                  received_on=TODAY)  # fmt: skip
        [row] = sanctions.case_rows(s, "H-COUNTY")
        assert (row.outstanding_fen, row.state) == (0, "settled")


@pytest.mark.parametrize(
    ("article", "multiple", "ok"),
    [(38, "1", True), (38, "2", True), (38, "2.01", False), (38, "0.9", False),
     (40, "1.5", False), (40, "2", True), (40, "5", True), (40, "5.5", False)],
)  # fmt: skip
def test_the_fine_multiple_is_within_the_article(
    db_engine: Engine, county: County, article: int, multiple: str, ok: bool
) -> None:
    with session_scope(db_engine) as s:

        def open_() -> object:
            return sanctions.open_case(
                s, article=article, finding="x", loss_fen=1000, fine_multiple=multiple,
                by="inspector", today=TODAY, institution_code="H-COUNTY",
            )  # fmt: skip

        if ok:
            assert open_() is not None
        else:
            with pytest.raises(ReviewError) as refused:
                open_()
            assert refused.value.code == "fine_multiple_out_of_range"


@pytest.mark.parametrize(
    ("fine", "ok"),
    [("9999.99", False), ("10000", True), ("10000.01", True), ("49999.99", True),
     ("50000", True), ("50000.01", False)],
)  # fmt: skip
def test_article_39_fines_a_fixed_amount_within_its_range(
    db_engine: Engine, county: County, fine: str, ok: bool
) -> None:
    """Management failings not corrected (art. 39): 10,000-50,000 yuan, whatever the loss."""
    with session_scope(db_engine) as s:

        def open_() -> object:
            return sanctions.open_case(
                s, article=39, finding="prescriptions not kept", loss_fen=0, fine_yuan=fine,
                by="inspector", today=TODAY, institution_code="H-COUNTY",
            )  # fmt: skip

        if not ok:
            with pytest.raises(ReviewError) as refused:
                open_()
            assert refused.value.code == "fine_amount_out_of_range"
            return
        case = open_()
        [row] = sanctions.case_rows(s)
        fen = int(Decimal(fine) * 100)
        assert (case.fine_fen, case.fine_multiple_pct) == (fen, 0)  # type: ignore[attr-defined]
        assert (row.assessed_fen, row.outstanding_fen, row.state) == (fen, fen, "open")


def test_article_39_takes_no_multiple_and_the_range_is_data(
    db_engine: Engine, county: County
) -> None:
    from safetynet.review.params import default_params
    from safetynet.review.schema import YuanRange

    with session_scope(db_engine) as s:
        kw = {"finding": "x", "loss_fen": 500, "by": "inspector", "today": TODAY,
              "institution_code": "H-COUNTY"}  # fmt: skip
        for fine, multiple, code in ((None, None, "fine_amount_missing"),
                                     ("1e4x", None, "fine_amount_invalid"),
                                     ("10000.001", None, "fine_amount_invalid"),
                                     ("20000", "1.5", "article_fixed_fine")):  # fmt: skip
            with pytest.raises(ReviewError) as refused:
                sanctions.open_case(s, article=39, fine_yuan=fine, fine_multiple=multiple, **kw)  # type: ignore[arg-type]
            assert refused.value.code == code
        params = default_params()
        art39 = params.articles[39]
        assert art39.fixed_fine is not None and art39.fine is None
        assert (art39.fixed_fine.min.value, art39.fixed_fine.max.value) == (10_000, 50_000)
        lower = YuanRange.model_validate({"min": {"value": 5000, "unit": "yuan"},
                                          "max": {"value": 50000, "unit": "yuan"}})  # fmt: skip
        moved = params.model_copy(update={"articles": {
            **params.articles, 39: art39.model_copy(update={"fixed_fine": lower})}})  # fmt: skip
        case = sanctions.open_case(s, article=39, fine_yuan="5000", params=moved, **kw)  # type: ignore[arg-type]
        assert case.fine_fen == 500_000


def test_suspension_months_follow_the_article(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        person = s.scalar(select(Person.id).where(Person.resident_id == county.ordinary_id))
        assert person is not None
        for months, code in ((2, "suspension_out_of_range"), (13, "suspension_out_of_range")):
            with pytest.raises(ReviewError) as refused:
                sanctions.suspend_person(
                    s,
                    person_id=person,
                    article=41,
                    months=months,
                    valid_from=TODAY,
                    reason="lent the card",
                    by="i",
                )
            assert refused.value.code == code
        with pytest.raises(ReviewError) as refused:
            sanctions.suspend_department(
                s, institution_code="H-COUNTY", department="骨科", claim_kinds=["inpatient"],
                article=38, months=5, valid_from=TODAY, reason="ghost beds", by="i",
            )  # fmt: skip
        assert refused.value.code == "suspension_out_of_range"
        row = sanctions.suspend_person(
            s,
            person_id=person,
            article=41,
            months=3,
            valid_from=date(2017, 11, 30),
            reason="x",
            by="i",
        )
        assert row.valid_to == date(2018, 2, 28)  # three months on, the month's last day
    assert sanctions.add_months(date(2017, 1, 31), 1) == date(2017, 2, 28)
    assert sanctions.add_months(date(2017, 12, 15), 12) == date(2018, 12, 15)


def _count(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Settlement)) or 0


def test_a_suspended_person_is_refused_with_the_reason_and_end_date(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        person = s.scalar(select(Person.id).where(Person.resident_id == county.ordinary_id))
        assert person is not None
        sanctions.suspend_person(
            s,
            person_id=person,
            article=41,
            months=3,
            valid_from=date(2017, 3, 1),
            reason="出借医保卡",
            by="i",
        )
    before = _count(db_engine)
    for call in ("preview", "submit"):
        with pytest.raises(SettlementError) as refused, session_scope(db_engine) as s:
            sub = inpatient(county.ordinary_id, date(2017, 4, 10))
            if call == "preview":
                preview(s, sub)
            else:
                submit(s, sub, user="clerk")
        assert refused.value.code == "person_suspended" and refused.value.status == 403
        assert "through 2017-05-31" in refused.value.message
        assert "art. 41" in refused.value.message and "出借医保卡" in refused.value.message
    assert _count(db_engine) == before
    # before the suspension, after it, and another person: settled
    settle(db_engine, county.ordinary_id, date(2017, 2, 20))
    settle(db_engine, county.ordinary_id, date(2017, 6, 1))
    settle(db_engine, county.poor_id, date(2017, 4, 10))


def test_a_claim_dated_before_a_suspension_is_not_settled_directly_during_it(
    db_engine: Engine, county: County
) -> None:
    """Art. 41 suspends the person's direct settlement: while it runs (today), a claim dated
    before it began is refused too (a date written back does not escape it); once it has
    ended, only claims dated in it are."""
    today = local_today()
    with session_scope(db_engine) as s:
        poor = s.scalar(select(Person.id).where(Person.resident_id == county.poor_id))
        assert poor is not None
        row = sanctions.suspend_person(s, person_id=poor, article=41, months=3,
                                       valid_from=today, reason="出借医保卡", by="i")  # fmt: skip
        first = row.id
    try:
        _refused_while_running(db_engine, county, today)
    finally:  # the module's other tests settle these persons at this institution
        with session_scope(db_engine) as s:
            s.execute(delete(Suspension).where(Suspension.id >= first))


def _refused_while_running(db_engine: Engine, county: County, today: date) -> None:
    before = _count(db_engine)
    with pytest.raises(SettlementError) as refused, session_scope(db_engine) as s:
        submit(s, inpatient(county.poor_id, date(2017, 9, 10)), user="clerk")
    assert refused.value.code == "person_suspended" and refused.value.status == 403
    assert _count(db_engine) == before
    # a department suspended from today: its kinds refused whatever the claim's date
    with session_scope(db_engine) as s:
        sanctions.suspend_department(
            s, institution_code="H-COUNTY", department="住院部", claim_kinds=["inpatient"],
            article=38, months=6, valid_from=today, reason="挂床住院", by="i",
        )  # fmt: skip
    with pytest.raises(SettlementError) as refused, session_scope(db_engine) as s:
        preview(s, inpatient(county.ordinary_id, date(2017, 9, 10)))
    assert refused.value.code == "department_suspended"


def test_a_suspended_department_refuses_its_kinds_at_its_institution(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        sanctions.suspend_department(
            s, institution_code="H-COUNTY", department="住院部", claim_kinds=["inpatient"],
            article=38, months=6, valid_from=date(2017, 3, 1), reason="挂床住院", by="i",
            params=None,
        )  # fmt: skip
    with pytest.raises(SettlementError) as refused, session_scope(db_engine) as s:
        preview(s, inpatient(county.poor_id, date(2017, 3, 5)))
    assert refused.value.code == "department_suspended"
    assert "住院部" in refused.value.message and "through 2017-08-31" in refused.value.message
    # the same institution's outpatient claims go through
    with session_scope(db_engine) as s:
        view = preview(s, inpatient(county.poor_id, date(2017, 3, 5), kind="outpatient"))
        assert view.total_fen > 0
