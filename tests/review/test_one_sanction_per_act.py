"""One act, one sanction is the database's rule too: a partial unique index lets one standing
(not cancelled) sanction case per review case and party, so two requests at once cannot both
open one (both databases; the race itself on PostgreSQL, where two writers run at once)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safetynet.codes import SanctionState
from safetynet.review import cases, sanctions
from safetynet.review.errors import ReviewError
from safetynet.store.db import session_scope
from safetynet.store.models import Person, SanctionCase
from tests.review.conftest import settle
from tests.settlement.conftest import County

MAY = date(2017, 5, 2)


def _review_case(engine: Engine, county: County, day: int = 1) -> tuple[int, int]:
    """A review case of a claim settled at H-COUNTY (on March ``day``), and its patient's
    person id."""
    claim_id, _ = settle(engine, county.ordinary_id, date(2017, 3, day))
    with session_scope(engine) as s:
        person = s.scalar(select(Person.id).where(Person.resident_id == county.ordinary_id))
        assert person is not None
        return cases.open_case(s, claim_id).id, person


def _row(review_case_id: int | None, **party: object) -> SanctionCase:
    """A case written straight to the table, past the service's check."""
    return SanctionCase(
        review_case_id=review_case_id, article=38, finding="x", loss_fen=100,
        fine_multiple_pct=100, fine_fen=100, state=SanctionState.OPEN, opened_by="i",
        opened_on=MAY, version=0, **party,
    )  # fmt: skip


def _open(s: Session, review_case_id: int) -> SanctionCase:
    return sanctions.open_case(
        s, article=38, finding="bed days billed twice", loss_fen=100, fine_multiple="1",
        by="inspector", today=MAY, institution_code="H-COUNTY", review_case_id=review_case_id,
    )  # fmt: skip


def _insert(engine: Engine, row: SanctionCase) -> None:
    with session_scope(engine) as s:
        s.add(row)


def test_the_database_refuses_a_second_standing_case_of_a_party_for_one_act(
    db_engine: Engine, county: County
) -> None:
    review_id, person = _review_case(db_engine, county)
    other_review_id, _ = _review_case(db_engine, county, day=2)
    _insert(db_engine, _row(review_id, institution_code="H-COUNTY"))
    _insert(db_engine, _row(review_id, person_id=person))  # the claim's other party
    _insert(db_engine, _row(other_review_id, institution_code="H-COUNTY"))  # another act
    _insert(db_engine, _row(None, institution_code="H-COUNTY"))  # no reviewed claim: free
    _insert(db_engine, _row(None, institution_code="H-COUNTY"))
    for party in ({"institution_code": "H-COUNTY"}, {"person_id": person}):
        with pytest.raises(IntegrityError):
            _insert(db_engine, _row(review_id, **party))
    with session_scope(db_engine) as s:  # once overturned, the act may be sanctioned anew
        s.execute(text("UPDATE sanction_case SET cancelled_on = '2017-05-03'"))
    _insert(db_engine, _row(review_id, institution_code="H-COUNTY"))
    _insert(db_engine, _row(review_id, person_id=person))
    with pytest.raises(IntegrityError):
        _insert(db_engine, _row(review_id, person_id=person))
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(SanctionCase)) == 7


def _lock_waits(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )) or 0)  # fmt: skip


def test_two_requests_at_once_open_one_case_and_refuse_the_other(
    db_engine: Engine, county: County
) -> None:
    """The first request has written its case, not yet committed, when the second checks:
    the second sees no standing case, and the index holds its insert until the first
    commits, then refuses it — answered ``already_sanctioned`` (409), as the check would."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the two requests cannot interleave")
    review_id, _ = _review_case(db_engine, county)
    outcome: list[object] = []

    def second() -> None:
        try:
            with session_scope(db_engine) as s:
                outcome.append(_open(s, review_id).id)
        except Exception as error:  # the outcome is asserted below
            outcome.append(error)

    first = Session(db_engine, expire_on_commit=False)
    try:
        first_id = _open(first, review_id).id  # written, not committed
        thread = threading.Thread(target=second)
        thread.start()
        deadline = time.monotonic() + 10
        while thread.is_alive() and not _lock_waits(db_engine) and time.monotonic() < deadline:
            time.sleep(0.05)
        first.commit()
    finally:
        first.close()
    thread.join(20)
    assert not thread.is_alive()
    [error] = outcome
    assert isinstance(error, ReviewError), error
    assert (error.code, error.status) == ("already_sanctioned", 409)
    assert f"sanction case {first_id}" in str(error)
    with session_scope(db_engine) as s:
        standing = select(SanctionCase.id).where(SanctionCase.cancelled_on.is_(None))
        assert list(s.scalars(standing)) == [first_id]
