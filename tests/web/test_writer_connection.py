"""The settlement writer's own connection on PostgreSQL: kept from batch to batch (no
check-out from the pool, so no liveness ping per batch), and replaced when the server drops
it — the batch that found it dropped is answered 503 at worst, the next one settles."""

from __future__ import annotations

import base64
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text

from safetynet.synth.demo import DEMO_PASSWORD
from safetynet.web.db import HeldConnection
from safetynet.web.settling import writer_of

HEADERS = {
    "authorization": "Basic " + base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
}


def _claim(resident_id: str, hospital: str, day: int) -> dict[str, Any]:
    return {"resident_id": resident_id, "institution_code": hospital, "kind": "outpatient",
            "date": f"2017-03-{day:02d}",
            "items": [{"code": "S0001", "quantity": 1, "amount": "6.00"}]}  # fmt: skip


def _resident(engine: Engine) -> str:
    with engine.connect() as conn:
        rid = conn.execute(text(
            "SELECT p.resident_id FROM person p JOIN enrollment e ON e.person_id = p.id "
            "WHERE e.year = 2017 AND p.deceased_on IS NULL ORDER BY p.id LIMIT 1"
        )).scalar_one()  # fmt: skip
    return str(rid)


def _backend_pid(app: Any) -> int:
    (conn,) = app.state.writer_connections.held()
    return int(conn.connection.driver_connection.info.backend_pid)


def test_the_writer_keeps_its_connection_and_replaces_a_dropped_one(
    app: Any, web_engine: Engine, hospital: str
) -> None:
    if web_engine.dialect.name != "postgresql":
        pytest.skip("SQLite: the writer takes its session from the pool (one writer anyway)")
    writer_of(app)
    client = TestClient(app, headers=HEADERS)
    rid = _resident(web_engine)
    checkouts: list[str] = []

    def checkout(*_args: Any) -> None:
        checkouts.append(threading.current_thread().name)

    event.listen(web_engine, "checkout", checkout)
    try:
        for day in (1, 2, 3):  # the first batch may connect; the next ones reuse it
            r = client.post("/api/claims", json=_claim(rid, hospital, day),
                            headers={"idempotency-key": f"held-{day}"})  # fmt: skip
            assert r.status_code == 201, r.text
        first = _backend_pid(app)
        for day in (4, 5):
            r = client.post("/api/claims", json=_claim(rid, hospital, day),
                            headers={"idempotency-key": f"held-{day}"})  # fmt: skip
            assert r.status_code == 201, r.text
        assert _backend_pid(app) == first
        assert not [n for n in checkouts if n.startswith("settlement-writer")][1:], checkouts

        with web_engine.connect() as conn:  # the server drops the writer's connection
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar()
        statuses = []
        for day in (6, 7):
            r = client.post("/api/claims", json=_claim(rid, hospital, day),
                            headers={"idempotency-key": f"held-{day}"})  # fmt: skip
            statuses.append(r.status_code)
            if r.status_code == 503:
                assert r.json()["error"]["code"] == "database_unavailable"
        assert statuses in ([201, 201], [503, 201]), statuses
        assert _backend_pid(app) != first
        # a claim answered 503 was not settled: its retry settles it once
        r = client.post("/api/claims", json=_claim(rid, hospital, 6),
                        headers={"idempotency-key": "held-6"})  # fmt: skip
        assert r.status_code == (201 if statuses[0] == 503 else 200), r.text
    finally:
        event.remove(web_engine, "checkout", checkout)


def test_disposing_the_engine_closes_the_writers_connections(web_engine: Engine) -> None:
    if web_engine.dialect.name != "postgresql":
        pytest.skip("SQLite: the writer holds no connection")
    held = HeldConnection(create_engine(web_engine.url))
    with held.session() as s:
        assert s.execute(text("SELECT 1")).scalar() == 1
    (conn,) = held.held()
    held._engine.dispose()
    assert conn.closed and not held.held()
    with held.session() as s:  # a later batch connects again
        assert s.execute(text("SELECT 2")).scalar() == 2
    held.close()


def test_the_writers_statements_keep_their_generic_plans(web_engine: Engine) -> None:
    """The writer's prepared statements are planned once (a generic plan), not at every
    batch; the connection goes back to the pool with the server's default."""
    if web_engine.dialect.name != "postgresql":
        pytest.skip("SQLite: no prepared statements")
    engine = create_engine(web_engine.url)
    held = HeldConnection(engine)
    query = "SELECT id FROM person WHERE id = ANY(%(ids)s::integer[])"
    for n in range(8):  # psycopg prepares a statement at its fifth execution
        with held.session() as s:
            s.connection().exec_driver_sql(query, {"ids": list(range(n + 1))}).all()
    assert len(held.held()) == 1  # one connection, kept
    with held.session() as s:
        assert s.connection().exec_driver_sql("SHOW plan_cache_mode").scalar() == (
            "force_generic_plan"
        )
        plans = (
            s.connection()
            .exec_driver_sql(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE 'SELECT id FROM person%%'"
            )
            .one()
        )
    assert plans[0] >= 1 and plans[1] == 0
    held.close()
    with engine.connect() as again:  # the pool's connection: the default again
        assert again.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
    engine.dispose()
