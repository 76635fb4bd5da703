"""A hospital's claim number is paid once, however it is padded: the same number with spaces
around it, sent again on the REST API or as a FHIR Claim.identifier, is a duplicate (409,
nothing paid), over HTTP on both databases; a blank number is no number."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.api.fhir import systems as S
from safetynet.store.db import session_scope
from safetynet.store.models import Claim
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.test_fhir_conformance import claim as fhir_claim

FHIR_JSON = {"content-type": "application/fhir+json"}


@pytest.fixture
def api(app) -> TestClient:
    client = TestClient(app)
    token = base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
    client.headers.update({"authorization": f"Basic {token}"})
    return client


def _visit(
    resident_id: str, institution: str, claim_no: str, amount: str = "18.00"
) -> dict[str, Any]:
    item = {"code": "D0003", "quantity": 1, "amount": amount}
    return {"resident_id": resident_id, "institution_code": institution, "kind": "outpatient",
            "date": "2017-05-05", "claim_no": claim_no, "items": [item]}  # fmt: skip


def _claims(engine: Engine, like: str) -> int:
    with session_scope(engine) as s:
        query = select(func.count(Claim.id)).where(Claim.claim_no.like(f"%{like}%"))
        return int(s.scalar(query) or 0)


@pytest.mark.parametrize("padded", [" DUP-REST ", "DUP-REST\t", "\nDUP-REST"])
def test_rest_padded_number_is_a_duplicate(
    api, web_engine, sample_person, hospital, padded
) -> None:
    first = api.post("/api/claims", json=_visit(sample_person.resident_id, hospital, "DUP-REST"))
    assert first.status_code in (201, 409), first.text  # 409: settled by an earlier case
    r = api.post("/api/claims", json=_visit(sample_person.resident_id, hospital, padded))
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "claim_exists"
    assert _claims(web_engine, "DUP-REST") == 1


def test_fhir_padded_identifier_is_a_duplicate(api, web_engine, sample_person, hospital) -> None:
    body = fhir_claim(sample_person.resident_id, hospital)
    body["identifier"] = [{"system": S.CLAIM_NO, "value": "DUP-FHIR"}]
    assert api.post("/fhir/Claim", json=body, headers=FHIR_JSON).status_code == 201
    body["identifier"] = [{"system": S.CLAIM_NO, "value": " DUP-FHIR  "}]
    r = api.post("/fhir/Claim", json=body, headers=FHIR_JSON)
    assert r.status_code == 409, r.text
    issue = r.json()["issue"][0]
    assert issue["code"] == "duplicate" and issue["expression"] == ["Claim.identifier"]
    assert _claims(web_engine, "DUP-FHIR") == 1


def test_a_blank_number_is_no_number(api, web_engine, sample_person, hospital) -> None:
    # another bill than the numbered ones above (the same bill would be a duplicate bill)
    r = api.post("/api/claims", json=_visit(sample_person.resident_id, hospital, "   ", "19.00"))
    assert r.status_code == 201, r.text
    assert r.json()["claim_no"].strip() == r.json()["claim_no"] != ""
