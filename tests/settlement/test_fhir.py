"""FHIR R4 resources SafetyNet produces validate with the third-party ``fhir.resources`` (R4B)
models, and an incoming FHIR Claim settles like the same claim submitted directly."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from fhir.resources.R4B.patient import Patient
from sqlalchemy import Engine, select

from safetynet.api.fhir import resources as R
from safetynet.api.fhir import systems as S
from safetynet.api.fhir.claim_in import submission_from_claim
from safetynet.api.fhir.lines import submission_lines
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import preview, submit
from safetynet.store.db import session_scope
from safetynet.store.models import Enrollment, Person
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient


def _validate(model: Any, resource: dict[str, Any]) -> Any:
    body = {k: v for k, v in resource.items() if k != "resourceType"}
    return model.model_validate(body)


def fhir_claim(resident_id: str, **extra: Any) -> dict[str, Any]:
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "status": "active",
        "type": {"coding": [{"system": S.CLAIM_TYPE, "code": "institutional"}]},
        "use": "claim",
        "patient": {"identifier": {"system": S.RESIDENT_ID, "value": resident_id}},
        "created": "2017-03-05",
        "provider": {"identifier": {"system": S.INSTITUTION, "value": "H-COUNTY"}},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "county scheme"}}],
        "billablePeriod": {"start": "2017-03-01", "end": "2017-03-05"},
        "diagnosis": [
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {"coding": [{"system": S.ICD10, "code": "J18.9"}]},
            }
        ],
        "identifier": [{"system": S.CLAIM_NO, "value": "HIS-0001"}],
        "item": [
            {
                "sequence": i + 1,
                "productOrService": {"coding": [{"system": S.CATALOG_ITEM, "code": code}]},
                "net": {"value": amount, "currency": "CNY"},
            }
            for i, (code, amount) in enumerate(
                [("BED", 6000), ("DRUG-A", 2000), ("DRUG-B", 1000), ("DRUG-C", 1000)]
            )
        ],
    }
    claim.update(extra)
    return claim


def test_fhir_claim_settles_like_a_direct_submission(db_engine: Engine, county: County) -> None:
    sub = submission_from_claim(fhir_claim(county.poor_id))
    assert sub.kind.value == "inpatient" and sub.claim_no == "HIS-0001"
    with session_scope(db_engine) as s:
        via_fhir = preview(s, sub)
        direct = preview(s, inpatient(county.poor_id))
    assert via_fhir.paid_fen == direct.paid_fen
    assert [x.paid_fen for x in via_fhir.layers] == [x.paid_fen for x in direct.layers]


def test_outputs_validate_as_fhir_r4(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        sub = submission_from_claim(fhir_claim(county.poor_id))
        view = submit(s, sub, user="his")
        lines = submission_lines(s, sub, [1, 2, 3, 4])
        person = s.scalar(select(Person).where(Person.resident_id == county.poor_id))
        assert person is not None
        enrollment = s.scalar(select(Enrollment).where(Enrollment.person_id == person.id))
        assert enrollment is not None
        today = date(2017, 3, 6)
        eob = R.explanation_of_benefit(view, person.id, today, lines)
        eob = _validate(ExplanationOfBenefit, eob)
        cr = _validate(ClaimResponse, R.claim_response(view, person.id, today, lines))
        _validate(Patient, R.patient(person))
        _validate(Coverage, R.coverage(enrollment, person))
        elig = _validate(
            CoverageEligibilityResponse,
            R.eligibility_response(
                person,
                R.Eligibility(today, today, {"servicedDate": "2017-03-06"}, ["benefits"], {}),
                [(enrollment, ["registered_poor"])],
                today,
            ),
        )
        _validate(CapabilityStatement, R.capability_statement("http://x/fhir", today, "0.1"))
    # one header adjudication per layer, and they add up to the benefit
    assert [a.category.coding[0].code for a in eob.adjudication] == [
        x.layer_id for x in view.layers
    ]
    assert sum(a.amount.value for a in eob.adjudication) * 100 == view.paid_fen
    assert len(cr.adjudication) == len(view.layers)
    # each line's share of each layer adds up to the layer, to the fen
    for layer in view.layers:
        shares = [
            a.amount.value * 100
            for item in cr.item
            for a in item.adjudication
            if a.category.coding[0].code == layer.layer_id
        ]
        assert sum(shares) == layer.paid_fen
    assert elig.insurance[0].inforce is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"patient": {"reference": "Patient/1"}}, "Claim.patient"),
        ({"billablePeriod": None}, "Claim.billablePeriod"),
        ({"status": 12}, "Claim.status"),
    ],
)
def test_bad_fhir_claims_are_refused(change: dict[str, Any], field: str) -> None:
    claim = fhir_claim("340421195001010011")
    claim.update(change)
    if claim["billablePeriod"] is None:
        del claim["billablePeriod"]
    with pytest.raises(SettlementError) as info:
        submission_from_claim(claim)
    assert info.value.field is not None and info.value.field.startswith(field)


@pytest.mark.parametrize(
    ("died", "status", "period"),
    [
        (None, "active", ("2017-01-01", "2017-12-31")),
        (date(2017, 1, 2), "active", ("2017-01-01", "2017-01-01")),  # alive on 1 January only
        (date(2017, 1, 1), "cancelled", None),  # the day of death is not a day alive
        (date(2016, 12, 15), "cancelled", None),  # died before the year, recorded late
    ],
)
def test_a_coverage_covers_the_days_alive_and_none_is_cancelled(
    db_engine: Engine,
    county: County,
    died: date | None,
    status: str,
    period: tuple[str, str] | None,
) -> None:
    """The Coverage of a year said ``active`` from 1 January to 1 January for a person dead
    before the year: a day the window refuses and the eligibility answer leaves out."""
    with session_scope(db_engine, write_lock=True) as s:
        person = s.scalar(select(Person).where(Person.resident_id == county.ordinary_id))
        assert person is not None
        person.deceased_on = died
        enrollment = s.scalar(select(Enrollment).where(Enrollment.person_id == person.id))
        assert enrollment is not None
        resource = R.coverage(enrollment, person)
    assert resource["status"] == status
    got = resource.get("period")
    assert (None if got is None else (got["start"], got["end"])) == period
    _validate(Coverage, resource)
