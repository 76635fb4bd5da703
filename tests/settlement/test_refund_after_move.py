"""A refund restores the accumulators of the policy the settlement was made under, even when
the person has since moved to a region under another policy: the refund rebuilds under the
entry's own policy (its ``policy_id``), not the policy of the person's region today."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select, update

from safetynet.codes import RegionLevel
from safetynet.settlement.service import refund, submit
from safetynet.store.db import session_scope
from safetynet.store.models import Accumulator, Household, Person, Region
from safetynet.store.models.ledger import AccumulatorScope
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

NINGXIA = "640402100201"  # a village under the Guyuan policy (region 6404)


def _paid(engine: Engine, person_id: int) -> list[int]:
    with session_scope(engine) as s:
        row = s.scalar(select(Accumulator).where(
            Accumulator.scope == AccumulatorScope.PERSON, Accumulator.owner_id == person_id,
            Accumulator.policy_id == "anhui-poor-2017", Accumulator.year == 2017))  # fmt: skip
        assert row is not None
        return [int(x) for x in row.slots]


def test_a_refund_after_a_move_restores_the_settlements_own_policy(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        view = submit(s, inpatient(county.ordinary_id, date(2017, 3, 1)), user="his")
    with session_scope(db_engine) as s:
        person = s.scalar(select(Person).where(Person.resident_id == county.ordinary_id))
        assert person is not None
        pid, home = person.id, person.household_id
    before = _paid(db_engine, pid)
    assert any(before)
    with session_scope(db_engine) as s:  # the household moves to Ningxia
        for code, level, parent in (("6404", RegionLevel.COUNTY, None),
                                    ("640402100", RegionLevel.TOWNSHIP, "6404"),
                                    (NINGXIA, RegionLevel.VILLAGE, "640402100")):  # fmt: skip
            s.add(Region(code=code, name=code, level=level, parent_code=parent))
            s.flush()
        s.execute(update(Household).where(Household.id == home).values(region_code=NINGXIA))
        s.execute(update(Person).where(Person.household_id == home).values(region_code=NINGXIA))
    with session_scope(db_engine, write_lock=True) as s:
        back = refund(s, view.settlement_id, user="clerk", reason="wrong bill")  # type: ignore[arg-type]
    assert back.policy_id == view.policy_id == "anhui-poor-2017"  # the slip: its own policy
    assert _paid(db_engine, pid) == [0] * len(before)
