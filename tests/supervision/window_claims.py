"""Claims for the tests of screening at the window: a readmission that only warns (a split
admission) and the same claim with an over-priced item that a ``block`` rule refuses."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Person
from safetynet.supervision.rules import load_rules
from safetynet.supervision.service import batch_hits


def readmission_of(stay: Claim, resident_id: str, gap: int = 10) -> dict[str, Any]:
    """A pneumonia stay ``gap`` days after ``stay``'s discharge: a split admission."""
    admitted = stay.end_date + timedelta(days=gap)
    return {
        "resident_id": resident_id, "institution_code": stay.institution_code,
        "kind": "inpatient", "date": admitted.isoformat(),
        "discharge_date": (admitted + timedelta(days=4)).isoformat(), "diagnosis": "J18.0",
        "items": [{"code": "S0002", "quantity": 4, "amount": "140.00"},
                  {"code": "D0003", "quantity": 4, "amount": "72.00"}],
    }  # fmt: skip


def readmission(engine: Engine) -> dict[str, Any]:
    """A readmission whose only hit is the split admission (a warning), of a living person."""
    rules = load_rules("anhui-langxi-2021")
    with session_scope(engine) as s:
        stays = s.execute(
            select(Claim, Person)
            .join(Person, Person.id == Claim.person_id)
            .where(Claim.kind == "inpatient", Claim.diagnosis_code.like("J18%"),
                   Claim.end_date < date(2017, 12, 1), Person.deceased_on.is_(None))
            .order_by(Claim.id)
        ).all()  # fmt: skip
        for stay, person in stays:
            claim = readmission_of(stay, person.resident_id)
            sub = ClaimSubmission.model_validate(claim)
            hits = batch_hits(s, [(sub, person)], rules)[0]
            if hits["rule_id"].to_list() == ["split-admission"]:
                return claim
    raise AssertionError("no stay to readmit in the test county")


def blocked(claim: dict[str, Any]) -> dict[str, Any]:
    """The claim with a blood test billed at 99 yuan (its ceiling is 25): over-standard."""
    return {
        **claim,
        "items": [*claim["items"], {"code": "S0004", "quantity": 1, "amount": "99.00"}],
    }
