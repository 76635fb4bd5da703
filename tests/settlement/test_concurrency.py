"""Simultaneous claims of one household are serialised on its accumulators: no lost update."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select

from safetynet.engine.online import Accumulators, settle_one
from safetynet.settlement.accumulators import facts_of
from safetynet.settlement.compiled import compiled_in_force
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import Accumulator, Settlement
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient


@pytest.mark.slow
def test_parallel_submissions_equal_one_by_one(db_engine: Engine, county: County) -> None:
    subs = [
        inpatient(rid, date(2017, 1, 2) + timedelta(days=i))
        for i, rid in enumerate([county.poor_id, county.spouse_id] * 6)
    ]

    def go(i: int) -> int:
        with session_scope(db_engine, write_lock=True) as s:
            return submit(s, subs[i], user="his", client_key=f"k{i}").paid_fen

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(go, range(len(subs))))

    cp = compiled_in_force("340421100201", date(2017, 1, 2))
    with session_scope(db_engine) as s:
        entries = s.scalars(select(Settlement).order_by(Settlement.id)).all()
        stored = {(a.scope.value, a.owner_id): a.slots for a in s.scalars(select(Accumulator))}
        # replay in ledger order: each entry must have been settled on all earlier ones
        empty = Accumulators.empty(cp)
        persons: dict[int, object] = {}
        household = empty.household
        for e in entries:
            acc = Accumulators(persons.get(e.person_id, empty.person), household)  # type: ignore[arg-type]
            r = settle_one(cp, facts_of(e), acc)
            assert r.paid_fen == e.paid_fen, f"entry {e.id} was settled on stale accumulators"
            persons[e.person_id] = r.accumulators.person
            household = r.accumulators.household
        hh = entries[0].household_id
    assert len(entries) == len(subs)
    assert stored[("household", hh)] == [int(v) for v in household]
