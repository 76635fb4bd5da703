"""Hostile input to the older rooms and interfaces over real HTTP (uvicorn on a free port),
on both databases: FHIR bodies nested too deeply, item sequences used twice, numbers written
as strings; JSON claims with quantities or referrals of the wrong JSON type; report years
outside the scheme. Each is refused with the field named (or a 400 for an unreadable body),
never a 500, and nothing is recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import Settlement
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import csrf_of, inpatient_claim
from tests.web.server import running_server
from tests.web.test_fhir_http import _claim

FHIR_JSON = {"content-type": "application/fhir+json"}


@pytest.fixture(scope="module")
def url(app: Any) -> Iterator[str]:
    with running_server(app) as base:
        yield base


def _api(url: str, username: str = "clerk") -> httpx.Client:
    return httpx.Client(base_url=url, auth=(username, DEMO_PASSWORD), timeout=60)


def _settled(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count(Settlement.id))) or 0)


def _issues(r: httpx.Response) -> list[dict[str, Any]]:
    body = r.json()
    assert body["resourceType"] == "OperationOutcome", body
    return list(body["issue"])


@pytest.mark.parametrize("path", ["/fhir/Claim", "/fhir/CoverageEligibilityRequest"])
def test_a_fhir_body_nested_too_deeply_is_400_not_500(url: str, path: str) -> None:
    for user in ("clerk", "bureau"):
        r = _api(url, user).post(path, content="[" * 100_000, headers=FHIR_JSON)
        assert r.status_code == 400, r.text[:300]  # was 500 (RecursionError)
        assert "nested too deeply" in _issues(r)[0]["diagnostics"]


def test_a_claim_naming_an_item_sequence_twice_is_422(
    url: str, web_engine: Engine, sample_person, hospital: str
) -> None:
    claim = _claim(sample_person.resident_id, hospital)
    claim["item"][2]["sequence"] = 1  # the ClaimResponse's itemSequence 1 named two lines
    before = _settled(web_engine)
    r = _api(url).post("/fhir/Claim", json=claim, headers=FHIR_JSON)
    assert r.status_code == 422, r.text[:300]  # was 201, recorded
    assert [i["expression"] for i in _issues(r)] == [["Claim.item[2].sequence"]]
    assert _settled(web_engine) == before


@pytest.mark.parametrize(
    ("key", "value", "where"),
    [
        ("quantity", {"value": "7"}, "Claim.item[0].quantity.value"),  # was read as 7
        ("quantity", {"value": True}, "Claim.item[0].quantity.value"),  # was read as 1
        ("net", {"value": "245.0", "currency": "CNY"}, "Claim.item[0].net.value"),
        ("factor", "1", "Claim.item[0].factor"),
    ],
)
def test_a_claims_numbers_written_as_strings_are_422(
    url: str, web_engine: Engine, sample_person, hospital: str, key: str, value: Any, where: str
) -> None:
    claim = _claim(sample_person.resident_id, hospital)
    claim["item"][0][key] = value
    before = _settled(web_engine)
    r = _api(url).post("/fhir/Claim", json=claim, headers=FHIR_JSON)
    assert r.status_code in (400, 422), r.text[:300]
    assert [where] in [i.get("expression") for i in _issues(r)], r.text[:600]
    assert _settled(web_engine) == before


@pytest.mark.parametrize(
    ("change", "field_name"),
    [
        ({"items.0.quantity": "2"}, "items.0.quantity"),  # was taken as 2
        ({"items.0.quantity": 2.0}, "items.0.quantity"),
        ({"items.0.quantity": True}, "items.0.quantity"),  # was taken as 1
        ({"referral": "yes"}, "referral"),  # was taken as true
        ({"referral": 1}, "referral"),
    ],
)
def test_the_claim_api_takes_quantities_and_referrals_of_their_json_type_only(
    url: str, web_engine: Engine, sample_person, hospital: str, change: dict, field_name: str
) -> None:
    body = inpatient_claim(sample_person.resident_id, hospital)
    for key, value in change.items():
        if key.startswith("items."):
            body["items"][0]["quantity"] = value
        else:
            body[key] = value
    before = _settled(web_engine)
    for path in ("/api/claims/preview", "/api/claims"):
        r = _api(url).post(path, json=body)
        assert r.status_code == 422, r.text[:300]
        assert r.json()["error"]["field"] == field_name
    assert _settled(web_engine) == before


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard?year=99999999",  # were 500 (year out of range, integer overflow)
        "/dashboard?year=-1",
        "/dashboard.xlsx?year=99999999999",
        "/indicators?year=99999999999",
        "/indicators.xlsx?year=-5",
        "/overview.xlsx?year=99999",
        "/reports/summary.pdf?year=99999999",
        "/reports/summary.xlsx?year=1999",
    ],
)
def test_report_years_outside_the_scheme_are_422_naming_the_year(url: str, path: str) -> None:
    client = httpx.Client(base_url=url, timeout=60)
    page = client.get("/login")
    client.post("/login", data={"username": "bureau", "password": DEMO_PASSWORD,
                                "csrf_token": csrf_of(page.text), "next": "/"})  # fmt: skip
    client.get("/locale/en")
    r = client.get(path)
    assert r.status_code == 422, (r.status_code, r.text[:300])
    assert "Year" in r.text


def test_json_bodies_nested_too_deeply_are_400(url: str) -> None:
    deep = json.dumps({"x": 1})[:-1] + ', "y": ' + "[" * 50_000 + "]" * 50_000 + "}"
    for path in ("/api/claims", "/api/review/lines/1"):
        r = _api(url, "clerk" if "claims" in path else "reviewer").post(
            path, content=deep, headers={"content-type": "application/json"}
        )
        assert r.status_code in (400, 422), (path, r.status_code, r.text[:200])


def test_a_refund_reason_longer_than_its_column_is_422_not_500(
    url: str, web_engine: Engine
) -> None:
    """201 characters were a 500 on PostgreSQL (value too long for varchar(200)) and cut on
    SQLite; now a 422 naming the reason, nothing refunded; 200 characters are taken."""
    with session_scope(web_engine) as s:
        target = s.scalar(
            select(Settlement.id).where(Settlement.reverses_id.is_(None)).order_by(Settlement.id.desc())
        )  # fmt: skip
    client = httpx.Client(base_url=url, timeout=60)
    page = client.get("/login")
    client.post("/login", data={"username": "bureau", "password": DEMO_PASSWORD,
                                "csrf_token": csrf_of(page.text), "next": "/"})  # fmt: skip
    client.get("/locale/en")
    token = csrf_of(client.get(f"/settlements/{target}").text)
    before = _settled(web_engine)
    r = client.post(
        f"/settlements/{target}/refund", data={"reason": "r" * 201, "csrf_token": token}
    )
    assert r.status_code == 422 and "Reason" in r.text, (r.status_code, r.text[:300])
    assert _settled(web_engine) == before
    r = client.post(
        f"/settlements/{target}/refund", data={"reason": "r" * 200, "csrf_token": token}
    )
    assert r.status_code == 303, (r.status_code, r.text[:300])
    assert _settled(web_engine) == before + 1  # the reversal
