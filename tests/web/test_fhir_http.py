"""FHIR R4 over HTTP: what the server answers validates with the third-party fhir.resources
R4B models; a Claim settles once per Idempotency-Key; errors are OperationOutcomes."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from safetynet.api.fhir import systems as S
from safetynet.synth.demo import DEMO_PASSWORD


def _valid(model: Any, body: dict[str, Any]) -> Any:
    assert body.pop("resourceType") == model.__name__
    return model.model_validate(body)


@pytest.fixture
def fhir(app) -> TestClient:
    client = TestClient(app)
    token = base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
    client.headers.update({"authorization": f"Basic {token}"})
    return client


def _claim(resident_id: str, hospital: str, use: str = "claim") -> dict[str, Any]:
    return {
        "resourceType": "Claim",
        "status": "active",
        "type": {"coding": [{"system": S.CLAIM_TYPE, "code": "institutional"}]},
        "use": use,
        "patient": {"identifier": {"system": S.RESIDENT_ID, "value": resident_id}},
        "created": "2017-10-20",
        "provider": {"identifier": {"system": S.INSTITUTION, "value": hospital}},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "NCMS"}}],
        "billablePeriod": {"start": "2017-10-12", "end": "2017-10-19"},
        "diagnosis": [
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {"coding": [{"system": S.ICD10, "code": "I63.9"}]},
            }
        ],
        "item": [
            {
                "sequence": i + 1,
                "productOrService": {"coding": [{"system": S.CATALOG_ITEM, "code": code}]},
                "quantity": {"value": qty},
                "net": {"value": amount, "currency": "CNY"},
            }
            for i, (code, qty, amount) in enumerate(
                [("S0002", 7, 245.0), ("D0003", 10, 180.0), ("M0005", 1, 2000.0)]
            )
        ],
    }


def test_metadata_is_a_valid_capability_statement(app) -> None:
    r = TestClient(app).get("/fhir/metadata")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    cs = _valid(CapabilityStatement, r.json())
    assert cs.fhirVersion == "4.0.1"


def test_patient_search_read_and_eligibility(fhir, sample_person) -> None:
    found = fhir.get(
        "/fhir/Patient", params={"identifier": f"{S.RESIDENT_ID}|{sample_person.resident_id}"}
    )
    bundle = _valid(Bundle, found.json())
    assert bundle.total == 1
    patient_id = bundle.entry[0].resource.id
    patient = _valid(Patient, fhir.get(f"/fhir/Patient/{patient_id}").json())
    assert patient.identifier[0].value == sample_person.resident_id
    coverage = _valid(
        Bundle, fhir.get("/fhir/Coverage", params={"patient": f"Patient/{patient_id}"}).json()
    )
    assert coverage.total >= 1
    request = {
        "resourceType": "CoverageEligibilityRequest",
        "status": "active",
        "purpose": ["validation"],
        "patient": {"reference": f"Patient/{patient_id}"},
        "servicedDate": "2017-06-01",
        "created": "2017-06-01",
        "insurer": {"display": "county"},
    }
    answer = _valid(
        CoverageEligibilityResponse,
        fhir.post("/fhir/CoverageEligibilityRequest", json=request).json(),
    )
    assert answer.insurance and answer.insurance[0].inforce is True


def test_claim_predetermination_then_claim_once_then_eob(fhir, sample_person, hospital) -> None:
    pre = fhir.post(
        "/fhir/Claim", json=_claim(sample_person.resident_id, hospital, "predetermination")
    )
    assert pre.status_code == 200, pre.text
    predicted = _valid(ClaimResponse, pre.json())
    assert predicted.id is None
    body = _claim(sample_person.resident_id, hospital)
    first = fhir.post("/fhir/Claim", json=body, headers={"idempotency-key": "fhir-77"})
    retry = fhir.post("/fhir/Claim", json=body, headers={"idempotency-key": "fhir-77"})
    assert first.status_code == 201 and retry.status_code == 200
    cr = _valid(ClaimResponse, first.json())
    assert retry.json()["id"] == cr.id
    assert cr.payment.amount.value == predicted.payment.amount.value
    eob = _valid(ExplanationOfBenefit, fhir.get(f"/fhir/ExplanationOfBenefit/{cr.id}").json())
    layers = {a.category.coding[0].code for a in eob.adjudication}
    assert "basic" in layers
    again = _valid(ClaimResponse, fhir.get(f"/fhir/ClaimResponse/{cr.id}").json())
    assert again.payment.amount.value == cr.payment.amount.value


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"resourceType": "Patient"}, 422),
        ({"resourceType": "Claim", "status": "nonsense"}, 422),
    ],
)
def test_bad_resources_get_an_operation_outcome(fhir, body, status) -> None:
    r = fhir.post("/fhir/Claim", json=body)
    assert r.status_code == status
    outcome = _valid(OperationOutcome, r.json())
    assert outcome.issue[0].severity == "error" and outcome.issue[0].diagnostics


def test_unknown_patient_is_an_operation_outcome_404(fhir) -> None:
    r = fhir.get("/fhir/Patient/99999999")
    assert r.status_code == 404
    assert _valid(OperationOutcome, r.json()).issue[0].code == "not-found"


def test_a_partial_date_is_an_operation_outcome(fhir, sample_person, hospital) -> None:
    """FHIR allows ``2017`` and ``2017-12`` as dates: a Claim's billablePeriod so written was a
    500 (the text reached the database as a date), as was a CoverageEligibilityRequest's
    servicedDate (``'2017'.isoformat()``). Now 422 naming the path."""
    for start in ("2017", "2017-12"):
        claim = {**_claim(sample_person.resident_id, hospital, use="predetermination"),
                 "billablePeriod": {"start": start, "end": "2017-12-19"}}  # fmt: skip
        r = fhir.post("/fhir/Claim", json=claim)
        assert r.status_code == 422, r.text
        issue = _valid(OperationOutcome, r.json()).issue[0]
        assert issue.details.coding[0].code == "MSG_DATE_FORMAT"
        assert issue.expression == ["Claim.billablePeriod.start"]
        assert f"is {start}: give the day (YYYY-MM-DD)" in issue.diagnostics
    request = {
        "resourceType": "CoverageEligibilityRequest", "status": "active",
        "purpose": ["validation"], "created": "2017-06-01", "insurer": {"display": "county"},
        "patient": {"identifier": {"system": S.RESIDENT_ID, "value": sample_person.resident_id}},
    }  # fmt: skip
    for asked in ({"servicedDate": "2017"}, {"servicedDate": "2017-06"},
                  {"servicedPeriod": {"start": "2017-06-01", "end": "2017-07"}}):  # fmt: skip
        r = fhir.post("/fhir/CoverageEligibilityRequest", json={**request, **asked})
        assert r.status_code == 422, (asked, r.text)
        assert _valid(OperationOutcome, r.json()).issue[0].expression
    day = {**request, "servicedDate": "2017-06-01"}
    r = fhir.post("/fhir/CoverageEligibilityRequest", json=day)
    assert r.status_code == 200, r.text
