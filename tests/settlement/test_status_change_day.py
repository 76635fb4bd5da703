"""Which poverty status settles a claim around a change of status: the statuses held on the
claim's date — the visit, or the admission of a stay (not the discharge) — a period counting
from its first day up to the day before its ``valid_to``. Both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from safetynet.codes import PovertyStatus
from safetynet.registry.status import STATUS_BITS
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import Household, PovertyStatusPeriod, Settlement
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

POOR = STATUS_BITS[PovertyStatus.REGISTERED_POOR.value]
ORDINARY = STATUS_BITS[PovertyStatus.ORDINARY.value]
CHANGE = date(2017, 7, 1)  # household H2 is registered poor from this day


@pytest.mark.parametrize(
    ("admitted", "discharged", "mask", "basic_rule"),
    [
        (date(2017, 6, 30), date(2017, 7, 5), ORDINARY, "inpatient"),  # admitted the day before
        (CHANGE, date(2017, 7, 5), POOR, "inpatient_poor"),  # admitted on the change day
        (date(2017, 6, 20), date(2017, 6, 30), ORDINARY, "inpatient"),  # over the day before
    ],
)
def test_a_stay_is_settled_with_the_statuses_of_its_admission_day(
    db_engine: Engine,
    county: County,
    admitted: date,
    discharged: date,
    mask: int,
    basic_rule: str,
) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        home = s.scalar(select(Household.id).where(Household.number == "H2"))
        s.add(PovertyStatusPeriod(household_id=home, person_id=None,
                                  status=PovertyStatus.REGISTERED_POOR, valid_from=CHANGE,
                                  department="扶贫办"))  # fmt: skip
    with session_scope(db_engine, write_lock=True) as s:
        sub = inpatient(county.ordinary_id, admitted, discharge_date=discharged)
        view = submit(s, sub, user="clerk", client_key=f"stay-{admitted}")
        basic = next(layer for layer in view.layers if layer.layer_id == "basic")
        assert basic.rule_id == basic_rule
        stored = s.scalar(select(Settlement.status_mask).where(Settlement.id == view.settlement_id))
        assert stored == mask


def test_a_status_ending_on_the_visit_day_no_longer_applies(
    db_engine: Engine, county: County
) -> None:
    """``valid_to`` is exclusive: H1's registered-poor period closed on 1 July does not
    settle a stay admitted that day; a stay admitted on 30 June is still the poor's."""
    with session_scope(db_engine, write_lock=True) as s:
        period = s.scalars(select(PovertyStatusPeriod)).one()
        period.valid_to = CHANGE
    with session_scope(db_engine, write_lock=True) as s:
        on_the_day = submit(s, inpatient(county.poor_id, CHANGE, discharge_date=date(2017, 7, 3)),
                            user="clerk", client_key="on")  # fmt: skip
        before = submit(s, inpatient(county.spouse_id, date(2017, 6, 30),
                                     discharge_date=date(2017, 7, 3)),
                        user="clerk", client_key="before")  # fmt: skip
        rules = {
            v.settlement_id: next(la.rule_id for la in v.layers if la.layer_id == "basic")
            for v in (on_the_day, before)
        }
    assert rules == {on_the_day.settlement_id: "inpatient", before.settlement_id: "inpatient_poor"}
