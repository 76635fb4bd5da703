"""A claim or a coverage question is answered on the person's being alive on its date, as the
registry's rule has it (:mod:`safetynet.registry.alive`: from the day of birth to the day
before death), over HTTP on the REST API and FHIR, on both databases: a claim dated before the
birth is refused and records nothing; the coverage answer says covered only on days alive."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.api.fhir import systems as S
from safetynet.codes import PovertyStatus, Sex
from safetynet.registry.resident_id import check_char
from safetynet.store.db import session_scope
from safetynet.store.models import Enrollment, Person, Settlement
from tests.web.conftest import basic_auth

BORN = date(2017, 6, 15)
DIED = date(2017, 9, 1)
FHIR_JSON = {"content-type": "application/fhir+json"}


@pytest.fixture
def api(app) -> TestClient:
    client = TestClient(app)
    client.headers.update(basic_auth("bureau"))
    return client


def _person(engine: Engine, like: Person, born: date, died: date | None, serial: str) -> str:
    """A person of ``like``'s household, enrolled for 2017 (an enrollment taken as a list
    says, whatever the birth date), with a valid resident ID."""
    with session_scope(engine) as s:
        body = like.resident_id[:6] + born.strftime("%Y%m%d") + serial
        rid = body + check_char(body)
        if s.scalar(select(Person.id).where(Person.resident_id == rid)) is None:
            p = Person(resident_id=rid, name="测试", sex=Sex.MALE, birth_date=born,
                       household_id=like.household_id, region_code=like.region_code,
                       deceased_on=died)  # fmt: skip
            s.add(p)
            s.flush()
            s.add(Enrollment(person_id=p.id, year=2017, category=PovertyStatus.ORDINARY,
                             enrolled_on=date(2017, 1, 1)))  # fmt: skip
    return rid


def _visit(resident_id: str, institution: str, day: str) -> dict[str, Any]:
    item = {"code": "D0003", "quantity": 1, "amount": "18.00"}
    return {"resident_id": resident_id, "institution_code": institution, "kind": "outpatient",
            "date": day, "items": [item]}  # fmt: skip


def _fhir_visit(resident_id: str, institution: str, day: str) -> dict[str, Any]:
    return {
        "resourceType": "Claim",
        "status": "active",
        "type": {"coding": [{"system": S.CLAIM_TYPE, "code": "professional"}]},
        "subType": {"coding": [{"system": S.CLAIM_KIND, "code": "outpatient"}]},
        "use": "claim",
        "patient": {"identifier": {"system": S.RESIDENT_ID, "value": resident_id}},
        "created": day,
        "provider": {"identifier": {"system": S.INSTITUTION, "value": institution}},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "county scheme"}}],
        "billablePeriod": {"start": day, "end": day},
        "item": [{"sequence": 1,
                  "productOrService": {"coding": [{"system": S.CATALOG_ITEM, "code": "D0003"}]},
                  "quantity": {"value": 1}, "net": {"value": 18.0, "currency": "CNY"}}],
    }  # fmt: skip


def _settled(engine: Engine, resident_id: str) -> int:
    with session_scope(engine) as s:
        query = select(func.count(Settlement.id)).join(Person, Person.id == Settlement.person_id)
        return int(s.scalar(query.where(Person.resident_id == resident_id)) or 0)


def test_a_claim_before_the_birth_is_refused_on_the_birthday_settled(
    api, web_engine, sample_person, hospital
) -> None:
    rid = _person(web_engine, sample_person, BORN, None, "771")
    r = api.post("/api/claims", json=_visit(rid, hospital, "2017-06-14"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "person_not_born"
    assert r.json()["error"]["field"] == "date"
    r = api.post("/fhir/Claim", json=_fhir_visit(rid, hospital, "2017-06-14"), headers=FHIR_JSON)
    assert r.status_code == 422, r.text
    issue = r.json()["issue"][0]
    assert issue["code"] == "business-rule"
    assert issue["details"]["coding"][0]["code"] == "person_not_born"
    assert issue["expression"] == ["Claim.billablePeriod.start"]
    assert _settled(web_engine, rid) == 0
    r = api.post("/api/claims", json=_visit(rid, hospital, "2017-06-15"))
    assert r.status_code == 201, r.text
    assert _settled(web_engine, rid) == 1


@pytest.mark.parametrize(
    ("day", "covered"),
    [("2017-06-14", False), ("2017-06-15", True), ("2017-08-31", True), ("2017-09-01", False)],
)
def test_coverage_says_covered_on_days_alive_only(
    api, web_engine, sample_person, day, covered
) -> None:
    rid = _person(web_engine, sample_person, BORN, DIED, "773")
    r = api.get(f"/api/persons/{rid}/coverage", params={"on": day})
    assert r.status_code == 200, r.text
    assert r.json()["enrolled"] is covered
    r = api.post("/fhir/CoverageEligibilityRequest", headers=FHIR_JSON,
                 json={"resourceType": "CoverageEligibilityRequest", "status": "active",
                       "purpose": ["validation"], "created": day, "servicedDate": day,
                       "patient": {"identifier": {"system": S.RESIDENT_ID, "value": rid}},
                       "insurer": {"display": "county"}})  # fmt: skip
    assert r.status_code == 200, r.text
    assert bool(r.json().get("insurance")) is covered


@pytest.mark.parametrize(("discharge", "status"), [("2017-09-01", 200), ("2017-09-02", 422)])
def test_a_stay_ends_at_the_latest_on_the_day_of_death(
    api, web_engine, sample_person, hospital, discharge, status
) -> None:
    """Admitted alive, died in hospital: discharged on the day of death is settled; a
    discharge after it is refused (the stay cannot have gone on), naming the field."""
    rid = _person(web_engine, sample_person, date(1950, 1, 2), DIED, "775")
    stay = {**_visit(rid, hospital, "2017-08-25"), "kind": "inpatient",
            "discharge_date": discharge}  # fmt: skip
    r = api.post("/api/claims/preview", json=stay)
    assert r.status_code == status, r.text
    if status == 422:
        assert r.json()["error"]["code"] == "person_deceased"
        assert r.json()["error"]["field"] == "discharge_date"
        body = _fhir_visit(rid, hospital, "2017-08-25")
        body["billablePeriod"]["end"] = discharge
        body["subType"]["coding"][0]["code"] = "inpatient"
        r = api.post("/fhir/Claim", json=body, headers=FHIR_JSON)
        assert r.status_code == 422, r.text
        assert r.json()["issue"][0]["expression"] == ["Claim.billablePeriod.end"]
        assert _settled(web_engine, rid) == 0


def test_the_coverage_period_is_the_days_alive(api, web_engine, sample_person) -> None:
    """Coverage.period says which days a claim is settled on: from the birth to the day
    before the death, within the year."""
    rid = _person(web_engine, sample_person, BORN, DIED, "773")
    with session_scope(web_engine) as s:
        pid = s.scalar(select(Person.id).where(Person.resident_id == rid))
    r = api.get(f"/fhir/Coverage/{pid}-2017")
    assert r.status_code == 200, r.text
    assert r.json()["period"] == {"start": "2017-06-15", "end": "2017-08-31"}
    r = api.get(f"/fhir/Coverage/{sample_person.id}-2017")
    assert r.json()["period"] == {"start": "2017-01-01", "end": "2017-12-31"}
