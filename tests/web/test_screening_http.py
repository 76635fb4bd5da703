"""Fund supervision at the window and in the APIs, over HTTP on both databases: a ``block``
rule refuses the claim (422 in the JSON API, an OperationOutcome in FHIR, a translated
sentence and the rule at the window) and writes nothing; ``warn`` hits are shown at preview,
stored with the settlement and shown on its slip and in the API."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.api.fhir import systems as S
from safetynet.store.db import session_scope
from safetynet.store.models import ScreeningHit, Settlement
from safetynet.synth.demo import DEMO_PASSWORD
from tests.supervision.window_claims import blocked, readmission
from tests.web.conftest import csrf_of


@pytest.fixture(autouse=True)
def screening_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", "anhui-langxi-2021")


def _count(engine: Engine, table: Any) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


@pytest.fixture(scope="module")
def readmitted(web_engine: Engine) -> dict[str, Any]:
    return readmission(web_engine)


def test_a_block_rule_refuses_in_the_json_api(login, readmitted, web_engine: Engine) -> None:
    client = login("bureau", "en")
    before = _count(web_engine, Settlement)
    for path in ("/api/claims/preview", "/api/claims"):
        r = client.post(path, json=blocked(readmitted), headers={"x-csrf-token": _token(client)})
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "screening_blocked"
        assert "Over-standard charge" in error["message"] and "S0004" in error["message"]
    assert _count(web_engine, Settlement) == before  # nothing written


def _token(client: TestClient) -> str:
    return csrf_of(client.get("/window").text)


def test_warnings_are_shown_stored_and_served(login, readmitted, web_engine: Engine) -> None:
    client = login("bureau", "en")
    headers = {"x-csrf-token": _token(client)}
    preview = client.post("/api/claims/preview", json=readmitted, headers=headers)
    assert preview.status_code == 200, preview.text
    shown = preview.json()["screening"]
    assert [h["rule_id"] for h in shown] == ["split-admission"]
    assert shown[0]["severity"] == "warn" and shown[0]["facts"]["gap_days"] == 10
    hits_before = _count(web_engine, ScreeningHit)
    r = client.post("/api/claims", json=readmitted,
                    headers={**headers, "idempotency-key": "screening-warn-1"})  # fmt: skip
    assert r.status_code == 201, r.text
    body = r.json()
    assert [h["rule_id"] for h in body["screening"]] == ["split-admission"]
    sid = body["settlement_id"]
    with session_scope(web_engine) as s:
        stored = s.scalars(select(ScreeningHit).where(ScreeningHit.settlement_id == sid)).all()
        assert [(h.rule_id, h.severity, h.article) for h in stored] == [
            ("split-admission", "warn", 38)
        ]
    again = client.get(f"/api/settlements/{sid}").json()
    assert again["screening"][0]["name_zh"] == "分解住院"
    # a retry with the same key replays the settlement: not refused as its own duplicate,
    # nothing stored twice
    replay = client.post("/api/claims", json=readmitted,
                         headers={**headers, "idempotency-key": "screening-warn-1"})  # fmt: skip
    assert replay.status_code == 200 and replay.json()["replayed"] is True
    assert _count(web_engine, ScreeningHit) == hits_before + 1
    slip = login("bureau").get(f"/settlements/{sid}")  # Chinese
    assert 'id="screening"' in slip.text and "分解住院" in slip.text
    assert "split-admission" not in slip.text.replace('data-rule="split-admission"', "")
    # another claim of the same stay overlaps the settled one: refused, until it is refunded
    # (a refunded claim is no longer history)
    other = {
        **readmitted,
        "items": [*readmitted["items"], {"code": "S0004", "quantity": 1, "amount": "20.00"}],
    }
    overlapping = client.post("/api/claims/preview", json=other, headers=headers)
    assert overlapping.status_code == 422
    assert "Overlapping" in overlapping.json()["error"]["message"]
    refund = client.post(f"/api/settlements/{sid}/refund", json={"reason": "wrong items"},
                         headers=headers)  # fmt: skip
    assert refund.status_code == 200, refund.text
    assert client.post("/api/claims/preview", json=other, headers=headers).status_code == 200


def _fhir_claim(claim: dict[str, Any], hospital: str) -> dict[str, Any]:
    return {
        "resourceType": "Claim", "status": "active",
        "type": {"coding": [{"system": S.CLAIM_TYPE, "code": "institutional"}]},
        "use": "claim",
        "patient": {"identifier": {"system": S.RESIDENT_ID, "value": claim["resident_id"]}},
        "created": claim["discharge_date"],
        "provider": {"identifier": {"system": S.INSTITUTION, "value": hospital}},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "NCMS"}}],
        "billablePeriod": {"start": claim["date"], "end": claim["discharge_date"]},
        "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": {
            "coding": [{"system": S.ICD10, "code": claim["diagnosis"]}]}}],
        "item": [
            {"sequence": i + 1,
             "productOrService": {"coding": [{"system": S.CATALOG_ITEM, "code": it["code"]}]},
             "quantity": {"value": it["quantity"]},
             "net": {"value": float(it["amount"]), "currency": "CNY"}}
            for i, it in enumerate(claim["items"])
        ],
    }  # fmt: skip


def test_a_block_rule_refuses_in_fhir(app, readmitted, web_engine: Engine) -> None:
    client = TestClient(app)
    token = base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
    client.headers.update({"authorization": f"Basic {token}"})
    before = _count(web_engine, Settlement)
    r = client.post(
        "/fhir/Claim",
        json=_fhir_claim(blocked(readmitted), readmitted["institution_code"]),
        headers={"content-type": "application/fhir+json"},
    )
    assert r.status_code == 422, r.text
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    issue = outcome["issue"][0]
    assert issue["code"] == "business-rule"
    assert issue["details"]["coding"][0]["code"] == "screening_blocked"
    assert "Over-standard charge" in issue["diagnostics"]
    assert _count(web_engine, Settlement) == before


def _form(claim: dict[str, Any], csrf: str) -> dict[str, Any]:
    return {
        "csrf_token": csrf, "resident_id": claim["resident_id"],
        "institution_code": claim["institution_code"], "kind": claim["kind"],
        "date": claim["date"], "discharge_date": claim["discharge_date"],
        "diagnosis": claim["diagnosis"],
        "item_code": [i["code"] for i in claim["items"]],
        "item_quantity": [str(i["quantity"]) for i in claim["items"]],
        "item_amount": [i["amount"] for i in claim["items"]],
    }  # fmt: skip


def test_the_window_names_the_rule_in_chinese(login, readmitted, web_engine: Engine) -> None:
    client = login("bureau")  # Chinese
    page = client.get(f"/window?resident_id={readmitted['resident_id']}")
    csrf = csrf_of(page.text)
    refused = client.post("/window/preview", data=_form(blocked(readmitted), csrf))
    assert refused.status_code == 422
    assert "基金监管不予结算" in refused.text and 'id="screening-refusal"' in refused.text
    assert "超标准收费" in refused.text and "screening_blocked" not in refused.text
    assert "Over-standard" not in refused.text
    warned = client.post("/window/preview", data=_form(readmitted, csrf))
    assert warned.status_code == 200
    assert 'id="screening"' in warned.text and "分解住院" in warned.text
    assert "距出院天数: 10" in warned.text


def test_a_block_rule_is_named_in_chinese_when_asked(app, readmitted, web_engine: Engine) -> None:
    """With ``Accept-Language: zh-CN`` the JSON API's and FHIR's refusal names the rule broken
    by its Chinese name, in a Chinese sentence; the code is the same as in English."""
    client = TestClient(app)
    token = base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
    client.headers.update({"authorization": f"Basic {token}", "accept-language": "zh-CN"})
    r = client.post("/api/claims/preview", json=blocked(readmitted))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "screening_blocked"
    assert "超标准收费" in error["message"] and not re.search("[A-Za-z]", error["message"])
    r = client.post(
        "/fhir/Claim",
        json=_fhir_claim(blocked(readmitted), readmitted["institution_code"]),
        headers={"content-type": "application/fhir+json"},
    )
    assert r.status_code == 422, r.text
    issue = r.json()["issue"][0]
    assert issue["details"]["coding"][0]["code"] == "screening_blocked"
    assert "超标准收费" in issue["diagnostics"] == issue["details"]["text"]
    assert not re.search("[A-Za-z]", issue["diagnostics"])
