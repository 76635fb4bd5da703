"""Review parameters are dated (both databases where a case is decided): a value is read for
its relevant day — an appeal deadline for the decision's day, an article for the day the
violation occurred (default the case's day), a suspension's months for its first day, the
sampling design for the day a spot check is drawn. Before the first value there is none
(``params_not_in_force``), the first day has it, and a file that changes a value mid-year
splits the year at its ``valid_from``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from safetynet.review import cases, params, sanctions
from safetynet.review.errors import ReviewError
from safetynet.review.params import load_params, params_on
from safetynet.review.schema import ReviewParams
from safetynet.store.db import session_scope
from tests.review.conftest import settle
from tests.review.test_cases import _decide, _open
from tests.settlement.conftest import County

SHIPPED = load_params()
CHANGE = date(2022, 7, 1)  # the appeal deadline goes from 15 to 30 days


def _dated(**update: object) -> ReviewParams:
    return SHIPPED.model_copy(update=update)


def _series() -> tuple[ReviewParams, ...]:
    """The shipped file ending the day before CHANGE, and its successor from CHANGE with a
    30-day appeal deadline and article 38 from 2021-05-01 only."""
    old = _dated(valid_to=CHANGE - timedelta(days=1))
    deadline = SHIPPED.appeal.deadline.model_copy(update={"value": 30})
    new = _dated(id="langxi-2022", valid_from=CHANGE,
                 appeal=SHIPPED.appeal.model_copy(update={"deadline": deadline}))  # fmt: skip
    return old, new


def test_the_file_in_force_on_each_day_and_none_before_the_first() -> None:
    first = SHIPPED.valid_from
    assert params_on(first).id == SHIPPED.id  # its first day has it
    with pytest.raises(ReviewError) as before:
        params_on(first - timedelta(days=1))
    assert before.value.code == "params_not_in_force"
    old, new = _series()
    assert params_on(CHANGE - timedelta(days=1), files=(old, new)).id == old.id
    assert params_on(CHANGE, files=(old, new)).id == new.id
    assert params_on(date(2030, 1, 1), files=(old, new)).appeal.deadline.value == 30
    with pytest.raises(ReviewError):
        params_on(first, region="340421")  # another county's: none of its own


def test_an_articles_own_first_day() -> None:
    art = SHIPPED.articles[38].model_copy(update={"valid_from": date(2021, 5, 1)})
    dated = _dated(articles={**SHIPPED.articles, 38: art})
    assert dated.article_on(38, date(2021, 5, 1)).fine is not None
    with pytest.raises(ReviewError) as early:
        dated.article_on(38, date(2021, 4, 30))
    assert early.value.code == "params_not_in_force"
    assert dated.article_on(40, date(2021, 4, 30)).fine is not None  # its own: the file's


def test_a_section_cannot_start_before_its_file() -> None:
    from pydantic import ValidationError

    data = SHIPPED.model_dump()
    data["appeal"]["valid_from"] = SHIPPED.valid_from - timedelta(days=1)
    with pytest.raises(ValidationError, match="before the file's valid_from"):
        ReviewParams.model_validate(data)


@pytest.mark.parametrize(("decided", "days"), [(CHANGE - timedelta(days=1), 15), (CHANGE, 30)])
def test_the_appeal_deadline_of_the_decisions_day(
    db_engine: Engine, county: County, monkeypatch: pytest.MonkeyPatch, decided: date, days: int
) -> None:
    """A deadline changed on CHANGE: a decision the day before runs 15 days, one on the day
    30 (the default parameters are the file in force on the decision's day)."""
    monkeypatch.setattr(params, "_shipped", _series)
    claim_id, _ = settle(db_engine, county.ordinary_id)
    case_id, line_ids = _open(db_engine, claim_id)
    for line_id in line_ids:
        _decide(db_engine, line_id, "approved")
    with session_scope(db_engine) as s:
        case = cases.finish(s, case_id, by="rev1", today=decided)
        assert case.appeal_deadline == decided + timedelta(days=days)


def test_no_decision_before_the_first_day(db_engine: Engine, county: County) -> None:
    claim_id, _ = settle(db_engine, county.ordinary_id)
    case_id, line_ids = _open(db_engine, claim_id)
    for line_id in line_ids:
        _decide(db_engine, line_id, "approved")
    with pytest.raises(ReviewError) as refused, session_scope(db_engine) as s:
        cases.finish(s, case_id, by="rev1", today=SHIPPED.valid_from - timedelta(days=1))
    assert refused.value.code == "params_not_in_force"
    with session_scope(db_engine) as s:  # nothing was written: it can be decided in force
        case = cases.finish(s, case_id, by="rev1", today=SHIPPED.valid_from)
        assert case.appeal_deadline == SHIPPED.valid_from + timedelta(days=15)


def test_a_sanction_reads_its_article_on_the_day_of_the_violation(
    db_engine: Engine, county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Article 38 in force from 2021-05-01 only: a violation of 2021-04-30 is refused even
    when the case is opened later, one of 2021-05-01 is fined; a suspension from the day
    before is refused too."""
    art = SHIPPED.articles[38].model_copy(update={"valid_from": date(2021, 5, 1)})
    dated = _dated(articles={**SHIPPED.articles, 38: art})
    monkeypatch.setattr(params, "_shipped", lambda: (dated,))
    kw = dict(article=38, finding="ghost beds", loss_fen=100_00, fine_multiple="1",
              by="i", today=date(2021, 6, 1), institution_code="H-COUNTY")  # fmt: skip
    with pytest.raises(ReviewError) as early, session_scope(db_engine) as s:
        sanctions.open_case(s, occurred_on=date(2021, 4, 30), **kw)  # type: ignore[arg-type]
    assert early.value.code == "params_not_in_force"
    with pytest.raises(ReviewError) as ahead, session_scope(db_engine) as s:
        sanctions.open_case(s, occurred_on=date(2021, 6, 2), **kw)  # type: ignore[arg-type]
    assert ahead.value.code == "occurred_future"
    with session_scope(db_engine) as s:
        case = sanctions.open_case(s, occurred_on=date(2021, 5, 1), **kw)  # type: ignore[arg-type]
        assert case.fine_fen == 100_00
    with pytest.raises(ReviewError) as suspended, session_scope(db_engine) as s:
        sanctions.suspend_department(
            s, institution_code="H-COUNTY", department="内科", claim_kinds=[], article=38,
            months=6, valid_from=date(2021, 4, 30), reason="挂床住院", by="i",
        )  # fmt: skip
    assert suspended.value.code == "params_not_in_force"
    with session_scope(db_engine) as s:
        row = sanctions.suspend_department(
            s, institution_code="H-COUNTY", department="内科", claim_kinds=[], article=38,
            months=6, valid_from=date(2021, 8, 31), reason="挂床住院", by="i",
        )  # fmt: skip
        assert row.valid_to == date(2022, 2, 28)  # the 31st: February's last day


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [(date(2021, 1, 31), 1, date(2021, 2, 28)), (date(2020, 1, 31), 1, date(2020, 2, 29)),
     (date(2021, 1, 29), 1, date(2021, 2, 28)), (date(2021, 1, 30), 1, date(2021, 2, 28)),
     (date(2021, 3, 31), 6, date(2021, 9, 30)), (date(2020, 2, 29), 12, date(2021, 2, 28)),
     (date(2021, 10, 31), 4, date(2022, 2, 28)), (date(2021, 12, 31), 12, date(2022, 12, 31)),
     (date(2021, 2, 28), 1, date(2021, 3, 28)), (date(2021, 7, 15), 3, date(2021, 10, 15))],
)  # fmt: skip
def test_months_from_the_29th_to_the_31st_end_on_the_months_last_day(
    start: date, months: int, end: date
) -> None:
    assert sanctions.add_months(start, months) == end
