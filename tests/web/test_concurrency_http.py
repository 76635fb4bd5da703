"""50 claims of one person sent at the same moment through HTTP to the real server end
with the same payments and accumulators as the same claims settled one by one."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import numpy as np
import pytest
from sqlalchemy import select

from safetynet.engine.online import Accumulators, settle_one
from safetynet.settlement import accumulators as accs
from safetynet.settlement.accumulators import facts_of
from safetynet.settlement.compiled import compiled_in_force
from safetynet.store.db import session_scope
from safetynet.store.models import Person, Settlement
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.server import running_server

N = 50


def _claim(resident_id: str, hospital: str, i: int) -> dict[str, object]:
    day = date(2017, 2, 1) + timedelta(days=5 * i)
    return {
        "resident_id": resident_id,
        "institution_code": hospital,
        "kind": "inpatient",
        "date": day.isoformat(),
        "discharge_date": (day + timedelta(days=4)).isoformat(),
        "diagnosis": "I63.9",
        "items": [
            {"code": "S0002", "quantity": 4, "amount": "140.00"},
            {"code": "D0003", "quantity": 8, "amount": f"{100 + 7 * i}.00"},
            {"code": "M0005", "quantity": 1, "amount": "1800.00"},
        ],
    }


@pytest.mark.slow
def test_fifty_simultaneous_submissions_equal_one_by_one(app, web_engine, hospital) -> None:
    with session_scope(web_engine) as s:
        person = s.scalar(
            select(Person)
            .where(Person.deceased_on.is_(None), Person.birth_date < date(1990, 1, 1))
            .order_by(Person.id.desc())
            .limit(1)
        )
        assert person is not None
        cp = compiled_in_force(person.region_code, date(2017, 6, 1))
        start = accs.load(s, cp, person.id, person.household_id, 2017)
        last_id = s.scalar(select(Settlement.id).order_by(Settlement.id.desc()).limit(1)) or 0
    token = base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
    headers = {"authorization": f"Basic {token}"}

    with running_server(app) as url, httpx.Client(base_url=url, headers=headers,
                                                 timeout=60) as client:  # fmt: skip

        def send(i: int) -> int:
            r = client.post("/api/claims", json=_claim(person.resident_id, hospital, i),
                            headers={"idempotency-key": f"burst-{person.id}-{i}"})  # fmt: skip
            assert r.status_code == 201, r.text
            return int(r.json()["settlement_id"])

        with ThreadPoolExecutor(max_workers=N) as pool:
            ids = list(pool.map(send, range(N)))

    assert len(set(ids)) == N
    with session_scope(web_engine) as s:
        entries = s.scalars(
            select(Settlement).where(Settlement.id > last_id).order_by(Settlement.id)
        ).all()
        assert [e.id for e in entries] == sorted(ids)
        # one by one, in the order the ledger recorded them, from the state before the burst
        acc = start
        for e in entries:
            result = settle_one(cp, facts_of(e), acc)
            assert result.paid_fen == e.paid_fen, f"entry {e.id} saw stale accumulators"
            acc = result.accumulators
        stored = accs.load(s, cp, person.id, person.household_id, 2017)
    assert np.array_equal(stored.person, acc.person)
    assert np.array_equal(stored.household, acc.household)
    assert sum(e.paid_fen for e in entries) > 0
    assert isinstance(acc, Accumulators)


@pytest.mark.slow
def test_reads_are_audited_while_claims_are_settled(app, web_engine, hospital) -> None:
    """Person reads (each writes an audit entry) and settlements at the same moment: every
    request succeeds and every read is in the audit log (no 'database is locked')."""
    from sqlalchemy import func

    from safetynet.store.models.security import AuditEvent

    with session_scope(web_engine) as s:
        people = s.scalars(
            select(Person.resident_id).where(Person.deceased_on.is_(None)).order_by(Person.id)
        ).all()[:40]
        before = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    token = base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
    headers = {"authorization": f"Basic {token}"}
    with running_server(app) as url, httpx.Client(base_url=url, headers=headers,
                                                 timeout=60) as client:  # fmt: skip

        def read(rid: str) -> int:
            return client.get(f"/api/persons/{rid}").status_code

        def settle(i: int) -> int:
            claim = {
                "resident_id": people[i], "institution_code": hospital, "kind": "outpatient",
                "date": "2017-09-01", "items": [{"code": "S0001", "amount": "6.00"}],
            }  # fmt: skip
            return client.post("/api/claims", json=claim,
                               headers={"idempotency-key": f"mixed-{i}"}).status_code  # fmt: skip

        with ThreadPoolExecutor(max_workers=32) as pool:
            reads = pool.map(read, people)
            settles = pool.map(settle, range(10))
            read_codes, settle_codes = list(reads), list(settles)
    assert read_codes == [200] * len(people)
    assert all(c in (201, 404, 422) for c in settle_codes), settle_codes
    with session_scope(web_engine) as s:
        after = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    assert after >= before + len(people) + settle_codes.count(201)
