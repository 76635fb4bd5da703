"""The one rule for a JSON request body, on the REST API and FHIR alike: a key twice in one
object, a body that does not parse or nests too deeply, and another media type are refused with
a named code (and the key or the place), before anything is read or written."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.security.users import create_user
from safetynet.store.db import session_scope
from safetynet.store.models import Region, Settlement
from safetynet.store.models.registry import RegionLevel
from safetynet.store.models.security import Role
from safetynet.web.app import create_app
from safetynet.web.json_body import JsonBodyError, parse_json

PASSWORD = "a-long-enough-password"
CLAIM = {"resident_id": "341821197204210015", "institution_code": "C1", "kind": "outpatient",
         "date": "2017-12-20", "items": [{"code": "S0002", "amount": "35.00"}]}  # fmt: skip


@pytest.fixture
def client(db_engine: Engine) -> TestClient:
    with session_scope(db_engine) as s:
        s.add(Region(code="341821", name="县", level=RegionLevel.COUNTY))
        s.flush()
        create_user(s, username="bureau", password=PASSWORD, role=Role.BUREAU,
                    region_code="341821", locale="en")  # fmt: skip
    token = base64.b64encode(f"bureau:{PASSWORD}".encode()).decode()
    return TestClient(
        create_app(db_engine, secret_key="k"), headers={"authorization": f"Basic {token}"}
    )


def _settlements(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Settlement)) or 0


def test_a_key_twice_in_one_object_is_refused_naming_it(
    client: TestClient, db_engine: Engine
) -> None:
    body = json.dumps(CLAIM)[:-1] + ', "resident_id": "11010519491231002X"}'
    for path in ("/api/claims", "/api/claims/preview"):
        r = client.post(path, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422, r.text
        assert r.json()["error"] == {
            "code": "duplicate_key",
            "message": "the key 'resident_id' appears twice in one object: send each key once",
            "field": "resident_id",
        }
    nested = json.dumps(CLAIM).replace('"amount": "35.00"', '"amount": "35.00", "amount": "1"')
    r = client.post("/api/claims", content=nested, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "amount"
    fhir = '{"resourceType": "Claim", "status": "active", "status": "cancelled"}'
    r = client.post("/fhir/Claim", content=fhir, headers={"content-type": "application/fhir+json"})
    assert r.status_code == 400, r.text
    issue = r.json()["issue"][0]
    assert issue["details"]["coding"][0]["code"] == "duplicate_key"
    assert "'status' appears twice" in issue["diagnostics"]
    assert _settlements(db_engine) == 0


def test_a_body_that_does_not_parse_is_refused_naming_the_place(client: TestClient) -> None:
    json_type = {"content-type": "application/json"}
    r = client.post("/api/claims/preview", content='{"resident_id":', headers=json_type)
    assert r.status_code == 422  # the REST API's status of a body it cannot take
    assert r.json()["error"]["code"] == "invalid"
    assert "line 1, column 16" in r.json()["error"]["message"]  # was the field "15"
    r = client.post("/api/claims/preview", content="[" * 100_000, headers=json_type)
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "the body is not valid JSON: it is nested too deeply"
    r = client.post("/api/claims/preview", content=b'{"a": "\xff"}', headers=json_type)
    assert r.status_code == 422 and "UTF-8" in r.json()["error"]["message"]
    r = client.post("/api/claims/preview", content='{"a": ' + "9" * 5000 + "}", headers=json_type)
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "the body is not valid JSON: it holds a number too long"
    r = client.post("/fhir/Claim", content="[" * 100_000,
                    headers={"content-type": "application/fhir+json"})  # fmt: skip
    assert r.status_code == 400, r.text  # FHIR's status of it
    assert r.json()["issue"][0]["diagnostics"].endswith("nested too deeply")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/xml", None])  # fmt: skip
def test_a_body_of_another_media_type_is_a_415(client: TestClient, content_type) -> None:  # type: ignore[no-untyped-def]
    headers = {"content-type": content_type} if content_type else {}
    for path in ("/api/claims/preview", "/api/settlements/1/refund", "/api/review/lines/1"):
        r = client.post(path, content=json.dumps(CLAIM).encode(), headers=headers)
        assert r.status_code == 415, (path, r.text)
        error = r.json()["error"]
        assert error["code"] == "media_type" and error["field"] == "content-type"
        assert error["message"].startswith(f"the body is {content_type or 'untyped'}: send JSON")


def test_json_types_with_parameters_pass(client: TestClient) -> None:
    for content_type in ("application/json; charset=utf-8", "application/vnd.his+json"):
        r = client.post("/api/claims/preview", content=json.dumps(CLAIM).encode(),
                        headers={"content-type": content_type})  # fmt: skip
        assert r.status_code != 415 and r.json()["error"]["code"] != "json_invalid"


def test_parse_json_keeps_keys_of_different_objects_apart() -> None:
    assert parse_json(b'[{"a": 1}, {"a": 2}]') == [{"a": 1}, {"a": 2}]
    assert parse_json(b'{"a": {"a": 1}}') == {"a": {"a": 1}}
    with pytest.raises(JsonBodyError) as exc:
        parse_json(b'{"a": [{"b": 1, "b": 1}]}')  # even with the same value
    assert exc.value.field == "b"


def test_a_date_in_a_query_is_written_yyyy_mm_dd(client: TestClient) -> None:
    """``on=1513728000`` (seconds since 1970) was read as 2017-12-20."""
    path = "/api/persons/11010519491231002X/coverage"
    for on in ("1513728000", "2017-12-20T00:00:00"):
        r = client.get(path, params={"on": on})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == "on" and "YYYY-MM-DD" in r.json()["error"]["message"]
    assert client.get(path, params={"on": "2017-12-20"}).json()["error"]["code"] == "person_unknown"
