"""A refund after a move restores the mover's year: the person settled a claim in one
household, moved to another and settled there; refunding the first claim leaves the person's
accumulators, the old household's and the new one's those of the claims that stand,
replayed from empty, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select, update

from safetynet.engine.online import Accumulators, settle_one
from safetynet.settlement.accumulators import facts_of
from safetynet.settlement.compiled import compiled_in_force
from safetynet.settlement.service import refund, submit
from safetynet.store.db import session_scope
from safetynet.store.models import Accumulator, Household, Person, Settlement
from safetynet.store.models.ledger import AccumulatorScope
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

VILLAGE = "340421100201"


def _slots(engine: Engine, scope: AccumulatorScope, owner: int) -> list[int]:
    with session_scope(engine) as s:
        mine = (Accumulator.scope == scope, Accumulator.owner_id == owner)
        row = s.scalar(select(Accumulator).where(*mine, Accumulator.year == 2017))
        assert row is not None
        return [int(x) for x in row.slots]


def test_a_refund_before_a_move_restores_the_movers_year(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        first = submit(s, inpatient(county.ordinary_id, date(2017, 3, 1)), user="his")
    with session_scope(db_engine) as s:
        person = s.scalar(select(Person).where(Person.resident_id == county.ordinary_id))
        assert person is not None
        pid, old = person.id, person.household_id
        new = Household(number="H9", region_code=VILLAGE)
        s.add(new)
        s.flush()
        home = new.id
        s.execute(update(Person).where(Person.id == pid).values(household_id=home))
    with session_scope(db_engine, write_lock=True) as s:
        second = submit(s, inpatient(county.ordinary_id, date(2017, 6, 1)), user="his")
    with session_scope(db_engine, write_lock=True) as s:
        refund(s, first.settlement_id, user="clerk", reason="wrong bill")  # type: ignore[arg-type]
    cp = compiled_in_force(VILLAGE, date(2017, 1, 2))
    with session_scope(db_engine) as s:
        entry = s.get(Settlement, second.settlement_id)
        assert entry is not None and entry.household_id == home
        alone = settle_one(cp, facts_of(entry), Accumulators.empty(cp)).accumulators
    assert _slots(db_engine, AccumulatorScope.PERSON, pid) == [int(x) for x in alone.person]
    assert _slots(db_engine, AccumulatorScope.HOUSEHOLD, home) == [int(x) for x in alone.household]
    assert not any(_slots(db_engine, AccumulatorScope.HOUSEHOLD, old))
