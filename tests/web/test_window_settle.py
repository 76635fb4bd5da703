"""The shared settle path (the settlement writer) over HTTP against a real server.

The window's confirm goes through it: one settlement per client key however often the clerk
clicks (also at the same instant), an audit entry per click, the refusals' pages and status.
The API's answer says in its Server-Timing how long the claim waited and its batch took."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import Institution, Settlement
from safetynet.store.models.security import AuditEvent
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import csrf_of
from tests.web.server import running_server

ITEMS = [("S0002", "10", "350.00"), ("D0003", "10", "180.00"), ("M0005", "1", "2000.00")]


@pytest.fixture(scope="module")
def url(app: Any) -> Iterator[str]:
    with running_server(app) as base:
        yield base


def _clerk(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=60)
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": "clerk", "password": DEMO_PASSWORD, "csrf_token": csrf_of(page.text),
              "next": "/"},
    )  # fmt: skip
    assert r.status_code == 303, r.text
    client.get("/locale/en")
    return client


def _form(resident_id: str, institution: str, csrf: str, day: str) -> dict[str, Any]:
    return {
        "csrf_token": csrf, "resident_id": resident_id, "institution_code": institution,
        "kind": "inpatient", "date": day, "discharge_date": "2017-12-28", "diagnosis": "J18.9",
        "item_code": [c for c, _, _ in ITEMS], "item_quantity": [q for _, q, _ in ITEMS],
        "item_amount": [a for _, _, a in ITEMS],
    }  # fmt: skip


def _previewed(client: httpx.Client, rid: str, hospital: str, day: str) -> dict[str, Any]:
    """The confirm form of a fresh preview: the claim and the preview's client key."""
    page = client.get(f"/window?resident_id={rid}")
    preview = client.post("/window/preview", data=_form(rid, hospital, csrf_of(page.text), day))
    assert preview.status_code == 200, preview.text
    key = re.search(r'name="client_key" value="([0-9a-f]+)"', preview.text)
    assert key
    return {**_form(rid, hospital, csrf_of(preview.text), day), "client_key": key.group(1)}


def _count(engine: Engine, person_id: int) -> int:
    with session_scope(engine) as s:
        query = select(func.count()).select_from(Settlement)
        return s.scalar(query.where(Settlement.person_id == person_id)) or 0


def _settle_audit(engine: Engine, settlement_id: int) -> list[AuditEvent]:
    with session_scope(engine) as s:
        rows = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "settle", AuditEvent.target_id == str(settlement_id))
            .order_by(AuditEvent.id)
        ).all()
        s.expunge_all()
        return list(rows)


def test_confirm_twice_settles_once_through_the_writer_and_audits_each_click(
    app, url, sample_person, hospital, web_engine
) -> None:
    client = _clerk(url)
    rid = sample_person.resident_id
    confirm = _previewed(client, rid, hospital, "2017-12-21")
    before = _count(web_engine, sample_person.id)
    writer = getattr(app.state, "settlement_writer", None)
    jobs = writer.jobs if writer else 0

    first = client.post("/window/settle", data=confirm)
    second = client.post("/window/settle", data=confirm)  # the clerk clicked twice

    assert first.status_code == second.status_code == 303, first.text
    assert first.headers["location"] == second.headers["location"]
    assert _count(web_engine, sample_person.id) == before + 1
    assert app.state.settlement_writer.jobs == jobs + 2  # both went through the writer
    settlement_id = int(first.headers["location"].rsplit("/", 1)[1])
    with session_scope(web_engine) as s:
        entry = s.get(Settlement, settlement_id)
        assert entry is not None and entry.created_by == "clerk"
        assert entry.client_key == f"web-clerk-{confirm['client_key']}"
    audited = _settle_audit(web_engine, settlement_id)
    assert [(a.username, a.detail) for a in audited] == [
        ("clerk", {"resident_id": rid, "replayed": False}),
        ("clerk", {"resident_id": rid, "replayed": True}),
    ]
    assert all(a.client for a in audited)  # the clerk's address, as the API's entries have
    assert client.get(first.headers["location"]).status_code == 200  # the slip


def test_clicks_at_the_same_instant_settle_once(url, sample_person, hospital, web_engine) -> None:
    client = _clerk(url)
    confirm = _previewed(client, sample_person.resident_id, hospital, "2017-12-22")
    before = _count(web_engine, sample_person.id)
    answers: list[httpx.Response] = []
    start = threading.Barrier(4)

    def click() -> None:
        start.wait()
        answers.append(client.post("/window/settle", data=confirm))

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [303] * 4
    assert len({a.headers["location"] for a in answers}) == 1
    assert _count(web_engine, sample_person.id) == before + 1


def test_the_key_of_another_claim_is_refused_on_the_page(
    url, sample_person, hospital, web_engine
) -> None:
    client = _clerk(url)
    confirm = _previewed(client, sample_person.resident_id, hospital, "2017-12-23")
    assert client.post("/window/settle", data=confirm).status_code == 303
    before = _count(web_engine, sample_person.id)
    changed = {**confirm, "item_amount": ["351.00", "180.00", "2000.00"]}
    r = client.post("/window/settle", data=changed)
    assert r.status_code == 409
    assert "This form was already sent with other content" in r.text  # the message, on the page
    assert 'value="351.00"' in r.text  # the form as the clerk sent it
    assert _count(web_engine, sample_person.id) == before


def test_a_refused_confirm_writes_and_audits_nothing(
    url, sample_person, hospital, web_engine
) -> None:
    client = _clerk(url)
    confirm = _previewed(client, sample_person.resident_id, hospital, "2017-12-24")
    with session_scope(web_engine) as s:
        other = s.scalar(
            select(Institution.code).where(
                Institution.code != hospital, Institution.level == "township"
            )
        )
        last = s.scalar(select(func.max(AuditEvent.id))) or 0
    before = _count(web_engine, sample_person.id)
    r = client.post("/window/settle", data={**confirm, "institution_code": other})
    assert r.status_code == 403  # a clerk settles at their own institution only
    bad = client.post("/window/settle", data={**confirm, "item_code": ["NOPE01", "D0003", "M0005"]})
    assert bad.status_code == 422
    assert "Item code NOPE01 is not in the catalog." in bad.text
    assert _count(web_engine, sample_person.id) == before
    with session_scope(web_engine) as s:
        settled = select(func.count()).select_from(AuditEvent)
        assert s.scalar(settled.where(AuditEvent.action == "settle", AuditEvent.id > last)) == 0


def test_the_api_answer_times_the_wait_for_the_writer_and_the_batch(
    url, sample_person, hospital
) -> None:
    from safetynet.benchmarks.api_load import server_parts
    from tests.web.conftest import inpatient_claim

    auth = ("bureau", DEMO_PASSWORD)
    with httpx.Client(base_url=url, auth=auth, timeout=60) as client:
        claim = inpatient_claim(sample_person.resident_id, hospital, "2017-12-26")
        r = client.post("/api/claims", json=claim, headers={"idempotency-key": "timing-1"})
        assert r.status_code == 201, r.text
        parts = server_parts(r.headers.get("server-timing"))
        assert parts is not None, r.headers.get("server-timing")
        queue, batch, claims = parts
        assert queue >= 0 and batch > 0 and claims >= 1
        elapsed_ms = r.elapsed.total_seconds() * 1000
        assert queue + batch <= elapsed_ms + 1  # parts of what the client waited
        refused = client.post("/api/claims", json={**claim, "institution_code": "NOPE"})
        assert refused.status_code >= 400
        assert "server-timing" not in refused.headers  # an error answer carries none
