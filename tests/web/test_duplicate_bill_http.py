"""The same bill is not paid twice, over HTTP against a real server on both databases: resent
without a claim number and without an Idempotency-Key on the REST API, as a FHIR Claim, or at
the window, it is refused (409 ``duplicate_bill``, the earlier settlement named, nothing
paid); a retry under the same key is still a replay; a clerk confirms a second, genuine bill
with a reason, kept in the audit log; after a refund the bill settles again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from safetynet.api.fhir import systems as S
from safetynet.store.db import session_scope
from safetynet.store.models import Settlement
from safetynet.store.models.security import AuditEvent
from tests.web.conftest import basic_auth, csrf_of, inpatient_claim
from tests.web.server import running_server
from tests.web.test_fhir_conformance import claim as fhir_claim

FHIR_JSON = {"content-type": "application/fhir+json"}


@pytest.fixture(scope="module")
def url(app: Any) -> Iterator[str]:
    with running_server(app) as base:
        yield base


def _api(url: str, user: str = "bureau") -> httpx.Client:
    return httpx.Client(base_url=url, headers=basic_auth(user), timeout=60)


def _count(engine: Engine, person_id: int) -> int:
    with session_scope(engine) as s:
        query = select(func.count()).select_from(Settlement)
        return int(s.scalar(query.where(Settlement.person_id == person_id)) or 0)


def _audit(engine: Engine, settlement_id: int) -> list[dict[str, Any]]:
    with session_scope(engine) as s:
        return [dict(a.detail or {}) for a in s.scalars(
            select(AuditEvent).where(AuditEvent.action == "settle",
                                     AuditEvent.target_id == str(settlement_id))
            .order_by(AuditEvent.id))]  # fmt: skip


def test_rest_refuses_the_resent_bill_confirms_replays_and_resettles(
    url, web_engine, sample_person, hospital
) -> None:
    api = _api(url)
    bill = inpatient_claim(sample_person.resident_id, hospital, "2017-11-02")
    first = api.post("/api/claims", json=bill)
    assert first.status_code == 201, first.text
    before = _count(web_engine, sample_person.id)
    again = api.post("/api/claims", json=bill)  # no number, no key: the same bill
    assert again.status_code == 409, again.text
    error = again.json()["error"]
    assert error["code"] == "duplicate_bill"
    assert f"as settlement {first.json()['settlement_id']} " in error["message"]
    assert _count(web_engine, sample_person.id) == before  # nothing paid
    # the lines in another order under a number of its own: the same bill
    shuffled = {**bill, "items": bill["items"][::-1], "claim_no": "HIS-DUP-1"}
    assert api.post("/api/claims", json=shuffled).json()["error"]["code"] == "duplicate_bill"
    # confirmed: settled, the reason audited
    reason = "second identical stay, confirmed with the ward"
    ok = api.post("/api/claims", json={**bill, "duplicate_reason": reason},
                  headers={"idempotency-key": "dup-confirmed-1"})  # fmt: skip
    assert ok.status_code == 201, ok.text
    assert _audit(web_engine, ok.json()["settlement_id"])[0]["duplicate_reason"] == reason
    # its retry under the key, with or without the reason: the first answer, never 409
    for body in (bill, {**bill, "duplicate_reason": reason}):
        replay = api.post("/api/claims", json=body, headers={"idempotency-key": "dup-confirmed-1"})
        assert replay.status_code == 200, replay.text
        assert (
            replay.json()["replayed"]
            and replay.json()["settlement_id"] == ok.json()["settlement_id"]
        )
    assert _count(web_engine, sample_person.id) == before + 1
    # refund both: the bill settles again (re-settlement)
    for sid in (first.json()["settlement_id"], ok.json()["settlement_id"]):
        r = api.post(f"/api/settlements/{sid}/refund", json={"reason": "wrong bill"})
        assert r.status_code == 200, r.text
    assert api.post("/api/claims", json=bill).status_code == 201


def test_fhir_refuses_the_resent_claim_and_takes_the_reason_extension(
    url, web_engine, sample_person, hospital
) -> None:
    api = _api(url)
    body = fhir_claim(sample_person.resident_id, hospital,
                      billablePeriod={"start": "2017-11-10", "end": "2017-11-17"})  # fmt: skip
    assert api.post("/fhir/Claim", json=body, headers=FHIR_JSON).status_code == 201
    before = _count(web_engine, sample_person.id)
    again = api.post("/fhir/Claim", json=body, headers=FHIR_JSON)
    assert again.status_code == 409, again.text
    issue = again.json()["issue"][0]
    assert issue["code"] == "duplicate" and issue["details"]["coding"][0]["code"] == (
        "duplicate_bill"
    )
    reason = {"url": S.DUPLICATE_REASON, "valueString": "two identical stays"}
    ok = api.post("/fhir/Claim", json={**body, "extension": [reason]}, headers=FHIR_JSON)
    assert ok.status_code == 201, ok.text
    assert _count(web_engine, sample_person.id) == before + 1


def _clerk(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=60)
    page = client.get("/login")
    r = client.post("/login", data={"username": "clerk", "password": "safetynet-demo",
                                    "csrf_token": csrf_of(page.text), "next": "/"})  # fmt: skip
    assert r.status_code == 303, r.text
    client.get("/locale/en")
    return client


def _form(rid: str, hospital: str, csrf: str, **extra: str) -> dict[str, Any]:
    return {
        "csrf_token": csrf, "resident_id": rid, "institution_code": hospital,
        "kind": "inpatient", "date": "2017-11-20", "discharge_date": "2017-11-24",
        "diagnosis": "J18.9", "item_code": ["S0002", "D0003"], "item_quantity": ["4", "10"],
        "item_amount": ["140.00", "180.00"], **extra,
    }  # fmt: skip


def test_the_window_refuses_the_same_bill_and_confirms_it_with_a_reason(
    url, web_engine, sample_person, hospital
) -> None:
    clerk = _clerk(url)
    rid = sample_person.resident_id
    page = clerk.get(f"/window?resident_id={rid}")
    preview = clerk.post("/window/preview", data=_form(rid, hospital, csrf_of(page.text)))
    key = re.search(r'name="client_key" value="([0-9a-f]+)"', preview.text)
    assert key
    settle = {**_form(rid, hospital, csrf_of(preview.text)), "client_key": key.group(1)}
    first = clerk.post("/window/settle", data=settle)
    assert first.status_code == 303, first.text
    earlier = first.headers["location"].rsplit("/", 1)[1]
    before = _count(web_engine, sample_person.id)
    # the same bill again: refused on preview, the earlier settlement named, a reason asked
    again = clerk.post("/window/preview", data=_form(rid, hospital, csrf_of(preview.text)))
    assert again.status_code == 409
    assert f"settlement {earlier}" in again.text and 'id="duplicate-reason"' in again.text
    assert 'id="confirm"' not in again.text
    # confirmed with a reason: previewed, then settled, the reason audited
    reason = "two identical stays, checked with the ward"
    form = _form(rid, hospital, csrf_of(again.text), duplicate_reason=reason)
    confirmed = clerk.post("/window/preview", data=form)
    assert confirmed.status_code == 200 and 'id="confirm"' in confirmed.text
    key = re.search(r'name="client_key" value="([0-9a-f]+)"', confirmed.text)
    assert key and f'name="duplicate_reason" value="{reason}"' in confirmed.text
    done = clerk.post("/window/settle", data={**form, "csrf_token": csrf_of(confirmed.text),
                                              "client_key": key.group(1)})  # fmt: skip
    assert done.status_code == 303, done.text
    sid = int(done.headers["location"].rsplit("/", 1)[1])
    assert _audit(web_engine, sid)[0]["duplicate_reason"] == reason
    assert _count(web_engine, sample_person.id) == before + 1
    # without the reason, settling the same bill is refused on the page too
    page = clerk.get(f"/window?resident_id={rid}")
    refused = clerk.post("/window/settle", data={**_form(rid, hospital, csrf_of(page.text)),
                                                 "client_key": "f" * 32})  # fmt: skip
    assert refused.status_code == 409 and "duplicate-reason" in refused.text
    assert _count(web_engine, sample_person.id) == before + 1
