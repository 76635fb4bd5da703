"""Input bounds of the JSON API and the claim model: absurd numbers and dates are a 422 that
names the field, never a 500 and never recorded; only real NUL characters are refused. Over
HTTP, on both databases."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.clock import local_today
from safetynet.settlement.submission import (
    EARLIEST_DATE,
    MAX_ITEM_YUAN,
    MAX_QUANTITY,
    MAX_STAY_DAYS,
)
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Settlement
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import csrf_of, inpatient_claim


@pytest.fixture
def api(app) -> TestClient:
    token = base64.b64encode(f"clerk:{DEMO_PASSWORD}".encode()).decode()
    client = TestClient(app)
    client.headers.update({"authorization": f"Basic {token}"})
    return client


def _written(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return (s.scalar(select(func.count(Settlement.id))) or 0,
                s.scalar(select(func.count(Claim.id))) or 0)  # fmt: skip


def _item(**change: object) -> dict[str, object]:
    return {"code": "S0002", "quantity": 1, "amount": "35.00", **change}


FAR = local_today() + timedelta(days=3)
BAD = [
    ("quantity 10**30", {"items": [_item(quantity=10**30)]}, "items.0.quantity"),
    ("quantity 2**40", {"items": [_item(quantity=2**40)]}, "items.0.quantity"),
    ("quantity above the bound", {"items": [_item(quantity=MAX_QUANTITY + 1)]}, "items.0.quantity"),
    ("amount 1e30", {"items": [_item(amount="1e30")]}, "items.0.amount"),
    ("amount above the bound", {"items": [_item(amount=str(MAX_ITEM_YUAN + 1))]}, "items.0.amount"),
    ("amount NaN", {"items": [_item(amount="NaN")]}, "items.0.amount"),
    ("amount Infinity", {"items": [_item(amount="Infinity")]}, "items.0.amount"),
    ("discharge 9999-12-31", {"discharge_date": "9999-12-31"}, "discharge_date"),
    ("discharge in the future", {"discharge_date": FAR.isoformat()}, "discharge_date"),
    ("date 9999-12-31", {"date": "9999-12-31", "discharge_date": None}, "date"),
    (
        "date before the scheme",
        {"date": (EARLIEST_DATE - timedelta(days=1)).isoformat(), "discharge_date": None},
        "date",
    ),
    (
        "stay too long",
        {
            "date": "2015-01-01",
            "discharge_date": (date(2015, 1, 1) + timedelta(days=MAX_STAY_DAYS + 1)).isoformat(),
        },
        "discharge_date",
    ),
    ("discharge before admission", {"discharge_date": "2017-12-01"}, "discharge_date"),
]


@pytest.mark.parametrize("path", ["/api/claims", "/api/claims/preview"])
@pytest.mark.parametrize(("what", "change", "field"), BAD, ids=[b[0] for b in BAD])
def test_out_of_bounds_input_is_a_422_naming_the_field_and_records_nothing(
    api: TestClient, web_engine: Engine, sample_person, hospital, path, what, change, field
) -> None:
    before = _written(web_engine)
    claim = {**inpatient_claim(sample_person.resident_id, hospital), **change}
    r = api.post(path, json=claim, headers={"idempotency-key": f"bounds-{what}"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field
    assert _written(web_engine) == before


def test_values_at_the_bounds_are_accepted(api: TestClient, sample_person, hospital) -> None:
    claim = {**inpatient_claim(sample_person.resident_id, hospital),
             "items": [_item(quantity=MAX_QUANTITY, amount=str(MAX_ITEM_YUAN))]}  # fmt: skip
    r = api.post("/api/claims/preview", json=claim)
    assert r.status_code == 200, r.text
    assert r.json()["total_fen"] == int(MAX_ITEM_YUAN * 100)


def test_the_window_refuses_a_huge_quantity_with_a_page(
    login, web_engine: Engine, sample_person, hospital
) -> None:
    client = login("clerk", "en")
    page = client.get(f"/window?resident_id={sample_person.resident_id}")
    before = _written(web_engine)
    r = client.post(
        "/window/preview",
        data={"resident_id": sample_person.resident_id, "institution_code": hospital,
              "kind": "outpatient", "date": "2017-12-20", "discharge_date": "", "diagnosis": "",
              "item_code": ["S0002"], "item_quantity": [str(10**30)], "item_amount": ["35.00"],
              "csrf_token": csrf_of(page.text)},
    )  # fmt: skip
    assert r.status_code == 422, r.text
    assert "quantity" in r.text
    assert _written(web_engine) == before


# --- NUL characters -----------------------------------------------------------------------


def test_percent_zero_zero_in_json_is_harmless_text(
    api: TestClient, sample_person, hospital
) -> None:
    claim = {**inpatient_claim(sample_person.resident_id, hospital),
             "claim_no": "discount 100%00 off"}  # fmt: skip
    r = api.post("/api/claims/preview", json=claim)
    assert r.status_code == 200, r.text
    escaped = '{"claim_no": "a \\\\u0000 b"}'  # a backslash, then the text u0000: no NUL
    r = api.post("/api/claims/preview", content=escaped,
                 headers={"content-type": "application/json"})  # fmt: skip
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"  # the model's say


def test_real_nul_characters_are_refused(app, api: TestClient, sample_person, hospital) -> None:
    claim = {**inpatient_claim(sample_person.resident_id, hospital), "claim_no": "a\u0000b"}
    r = api.post("/api/claims/preview", json=claim)  # the JSON escape \u0000
    assert r.status_code == 400 and r.json()["error"]["code"] == "input_refused"
    raw = b'{"claim_no": "a\x00b"}'
    r = api.post("/api/claims/preview", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 400
    client = TestClient(app)
    r = client.post("/login", content=b"username=a%00b&password=x",
                    headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert r.status_code == 400
    assert api.get("/api/persons?q=a%00b").status_code == 400
    assert api.get("/api/persons?q=100%2500").status_code == 200  # the text "100%00"


def test_query_parameters_are_bounded(app, sample_person) -> None:
    token = base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
    client = TestClient(app, headers={"authorization": f"Basic {token}"})
    rid = sample_person.resident_id
    for on in ("9999-12-31", "1900-01-01"):
        r = client.get(f"/api/persons/{rid}/coverage", params={"on": on})
        assert r.status_code == 422 and r.json()["error"]["field"] == "on", r.text
    assert (
        client.get(f"/api/persons/{rid}/coverage", params={"on": "2017-06-01"}).status_code == 200
    )
    r = client.get("/api/persons", params={"q": "张" * 65})
    assert r.status_code == 422 and r.json()["error"]["field"] == "q"
