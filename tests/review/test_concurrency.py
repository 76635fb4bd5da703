"""Two reviewers decide the same line at the same moment on PostgreSQL: the second's UPDATE
waits for the first's transaction, then finds the version moved on and is refused (409);
nothing is lost and the ledger holds one entry."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from safetynet.review import cases
from safetynet.review.errors import ReviewError
from safetynet.store.db import session_scope
from safetynet.store.models import ReviewDeduction, ReviewLine
from tests.review.conftest import settle
from tests.settlement.conftest import County


@pytest.mark.postgres
@pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
def test_two_open_transactions_one_wins(db_engine: Engine, county: County) -> None:
    claim_id, _ = settle(db_engine, county.ordinary_id)
    with session_scope(db_engine) as s:
        case = cases.open_case(s, claim_id)
        line_id = cases.lines(s, case.id)[0].id
    factory = sessionmaker(bind=db_engine, expire_on_commit=False)
    first, second = factory(), factory()
    outcome: dict[str, object] = {}
    try:
        cases.decide_line(first, line_id, decision="rejected", by="rev1", version=0,
                          reason="not given")  # fmt: skip  # holds the row, not committed

        def race() -> None:
            try:
                cases.decide_line(second, line_id, decision="adjusted", by="rev2", version=0,
                                  deduct_fen=100, reason="too dear")  # fmt: skip
                second.commit()
                outcome["second"] = "won"
            except ReviewError as exc:
                second.rollback()
                outcome["second"] = exc

        t = threading.Thread(target=race)
        t.start()
        t.join(timeout=1.0)
        assert t.is_alive()  # the second UPDATE waits on the first's row lock
        first.commit()
        t.join(timeout=30)
        assert not t.is_alive()
    finally:
        first.close()
        second.close()
    refused = outcome["second"]
    assert isinstance(refused, ReviewError) and refused.code == "line_changed"
    assert refused.status == 409 and "rev1" in refused.message
    with session_scope(db_engine) as s:
        line = s.get(ReviewLine, line_id)
        assert line is not None and (line.decided_by, line.version) == ("rev1", 1)
        assert [d.decided_by for d in s.scalars(select(ReviewDeduction))] == ["rev1"]
