"""The claims read with a claim from the database reach back far enough, on both databases.

A split admission counts from the earlier stay's DISCHARGE (domain notes §A2: readmitted
≤ 15 days after discharge), so a long stay admitted months before the readmission but
discharged days before it must be read — at the window and over a year (a January
readmission after a long December stay). Likewise a long stay still running when a visit
elsewhere happens. And a window in the rule data longer than the built-in look-back is
honoured.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select

from safetynet.codes import ClaimKind
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, ClaimItem, Person
from safetynet.supervision.load import in_year, load_year
from safetynet.supervision.schema import Days
from safetynet.supervision.screen import screen
from safetynet.supervision.service import batch_hits
from tests.settlement.conftest import County, build_county
from tests.supervision.helpers import RULES
from tests.supervision.test_thresholds import with_params


@pytest.fixture
def county(db_engine: Engine) -> County:
    with session_scope(db_engine) as s:
        return build_county(s)


def _stay(s: object, person: Person, no: str, admitted: date, discharged: date) -> None:
    claim = Claim(claim_no=no, person_id=person.id, institution_code="H-COUNTY",
                  kind=ClaimKind.INPATIENT, start_date=admitted, end_date=discharged,
                  diagnosis_code="J18.9", total_fen=50_000)  # fmt: skip
    s.add(claim)  # type: ignore[attr-defined]
    s.flush()  # type: ignore[attr-defined]
    s.add(ClaimItem(claim_id=claim.id, item_code="S0002", quantity=1, amount_fen=3500))  # type: ignore[attr-defined]


def _readmission(resident: str, admitted: date) -> ClaimSubmission:
    return ClaimSubmission.model_validate({
        "resident_id": resident, "institution_code": "H-COUNTY", "kind": "inpatient",
        "date": admitted.isoformat(), "discharge_date": (admitted + timedelta(days=4)).isoformat(),
        "diagnosis": "J18.0", "claim_no": "NEW-1",
        "items": [{"code": "S0002", "quantity": 4, "amount": "140.00"}],
    })  # fmt: skip


def test_a_readmission_after_a_long_stay_is_found_at_the_window(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        # admitted 100 days before its discharge: before the window's 62-day look-back
        _stay(s, person, "LONG", date(2017, 1, 20), date(2017, 4, 30))
        s.flush()
        for gap, expected in ((15, ["split-admission"]), (16, [])):
            sub = _readmission(person.resident_id, date(2017, 4, 30) + timedelta(days=gap))
            hits = batch_hits(s, [(sub, person)], RULES)[0]
            assert hits["rule_id"].to_list() == expected, gap
        # a window longer than the look-back, set in the rule data
        longer = with_params("split-admission", window_days=Days(value=90, unit="day"))
        other = _readmission(person.resident_id, date(2017, 4, 30) + timedelta(days=80))
        assert batch_hits(s, [(other, person)], longer)[0]["rule_id"].to_list() == [
            "split-admission"
        ]


def test_a_january_readmission_after_a_long_december_stay_is_found_over_the_year(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        _stay(s, person, "DEC", date(2016, 9, 1), date(2016, 12, 28))  # admitted in September
        _stay(s, person, "JAN", date(2017, 1, 12), date(2017, 1, 15))  # 15 days later
        _stay(s, person, "FEB", date(2017, 2, 1), date(2017, 2, 3))  # 17 days later
    with db_engine.connect() as conn:
        data = load_year(conn, None, 2017, RULES)
    hits = in_year(screen(RULES, data, ["split-admission"], check=False), 2017)
    assert hits["claim_no"].to_list() == ["JAN"]
    facts = json.loads(hits["facts"][0])
    assert facts["previous_claim"] == "DEC" and facts["gap_days"] == 15
