""" "Diagnose first, pay later" at the window and through the API: a registered-poor inpatient's
settlement says so and the slip states what the patient owes; an ordinary resident's does not."""

from __future__ import annotations

import base64
import io
from datetime import date

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from safetynet.codes import PovertyStatus
from safetynet.money import fmt_yuan
from safetynet.registry.status import statuses_on
from safetynet.store.db import session_scope
from safetynet.store.models import Enrollment, Person
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import inpatient_claim

DAY = date(2017, 12, 20)


def _enrolled_with(engine, wanted: PovertyStatus | None) -> str:
    """A living enrolled person holding ``wanted`` on DAY (None: no status at all)."""
    with session_scope(engine) as s:
        rows = s.execute(
            select(Person.id, Person.resident_id, Person.household_id)
            .join(Enrollment, Enrollment.person_id == Person.id)
            .where(Enrollment.year == 2017, Person.deceased_on.is_(None))
            .order_by(Person.id)
        ).all()
        for pid, rid, hid in rows:
            held = statuses_on(s, pid, DAY, hid)
            if (wanted is None and held == {PovertyStatus.ORDINARY}) or (
                wanted is not None and wanted in held and PovertyStatus.LOW_INCOME not in held
            ):
                return rid
    pytest.fail(f"the synthetic county has nobody with status {wanted}")


@pytest.fixture
def api(app) -> TestClient:
    client = TestClient(app)
    token = base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
    client.headers["authorization"] = f"Basic {token}"
    return client


def test_registered_poor_inpatient_pays_later_and_the_slip_says_what_is_owed(
    api, login, web_engine, hospital
) -> None:
    rid = _enrolled_with(web_engine, PovertyStatus.REGISTERED_POOR)
    r = api.post(
        "/api/claims", json=inpatient_claim(rid, hospital), headers={"idempotency-key": "pl-1"}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["pay_later"] is True and body["out_of_pocket_fen"] < body["total_fen"]
    assert api.get(f"/api/settlements/{body['settlement_id']}").json()["pay_later"] is True
    page = login("bureau", "en").get(f"/settlements/{body['settlement_id']}")
    assert page.status_code == 200
    assert 'id="pay-later"' in page.text
    assert f"the patient owes {fmt_yuan(body['out_of_pocket_fen'])} yuan" in page.text
    pdf = login("bureau", "en").get(f"/settlements/{body['settlement_id']}/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Diagnose first, pay later" in " ".join(text.split())
    zh = login("bureau", "zh_Hans").get(f"/settlements/{body['settlement_id']}")
    assert "先诊疗后付费" in zh.text
    refund = api.post(f"/api/settlements/{body['settlement_id']}/refund", json={"reason": "test"})
    assert refund.status_code in (200, 201) and refund.json()["pay_later"] is False


def test_ordinary_resident_pays_a_deposit(api, login, web_engine, hospital) -> None:
    rid = _enrolled_with(web_engine, None)
    r = api.post(
        "/api/claims", json=inpatient_claim(rid, hospital), headers={"idempotency-key": "pl-2"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["pay_later"] is False
    page = login("bureau", "en").get(f"/settlements/{r.json()['settlement_id']}")
    assert 'id="pay-later"' not in page.text
