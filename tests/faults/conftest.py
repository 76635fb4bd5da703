"""Fault tests: a private PostgreSQL server (never the shared one) with a small county, a
real server process per test, and the ledger checks every fault test ends with."""

from __future__ import annotations

import base64
import contextlib
import itertools
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import Engine, func, select

from safetynet.benchmarks.api_load import prepare, start_server
from safetynet.engine.online import Accumulators, settle_one
from safetynet.policy.in_force import policy_by_id
from safetynet.settlement.accumulators import facts_of
from safetynet.settlement.compiled import compiled
from safetynet.store.db import make_engine, session_scope
from safetynet.store.models import Claim, ClaimItem, Settlement, SettlementLayer
from safetynet.store.models.ledger import Accumulator, AccumulatorScope
from safetynet.store.models.security import AuditEvent
from safetynet.synth.demo import DEMO_PASSWORD
from tests.faults.private_pg import PrivatePostgres, postgres_bin
from tests.web.server import free_port

PERSONS = 300
TOKEN = base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
HEADERS = {"authorization": f"Basic {TOKEN}"}
_names = itertools.count()


@dataclass(frozen=True)
class County:
    url: str
    ids: list[str]  # enrolled living persons
    hospital: str


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb)")
    pg = PrivatePostgres().init()
    pg.start()
    yield pg
    pg.destroy()


@pytest.fixture(scope="module")
def template(private_pg: PrivatePostgres) -> tuple[str, list[str], str]:
    """A county database built once per module, copied for each test."""
    url = private_pg.create_database("county_template")
    ids, hospital = prepare(url, PERSONS)
    make_engine(url).dispose()
    return "county_template", ids, hospital


@pytest.fixture
def county(private_pg: PrivatePostgres, template: tuple[str, list[str], str]) -> County:
    name, ids, hospital = template
    db = f"faults_{next(_names)}"
    private_pg.run_sql(f'CREATE DATABASE "{db}" TEMPLATE "{name}"')
    return County(private_pg.url(db), ids, hospital)


@pytest.fixture
def engine(county: County) -> Iterator[Engine]:
    eng = make_engine(county.url)
    yield eng
    eng.dispose()


class Server:
    """The app under uvicorn in processes of its own (a supervisor and its workers)."""

    def __init__(self, url: str, data_dir: Path, workers: int) -> None:
        self.url, self.data_dir, self.workers = url, data_dir, workers
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = start_server(self.url, self.port, self.workers, self.data_dir)

    def kill(self) -> None:
        """``kill -9`` of every process of the server, workers first."""
        assert self.proc is not None
        root = psutil.Process(self.proc.pid)
        for p in [*root.children(recursive=True), root]:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server(county: County, tmp_path: Path) -> Iterator[Server]:
    s = Server(county.url, tmp_path, workers=2)
    s.start()
    yield s
    s.stop()


def claim(county: County, n: int) -> dict[str, Any]:
    """The n-th claim of a burst: a person of the county, a day of 2017, three lines."""
    day = date(2017, 1, 1) + timedelta(days=n % 360)
    return {
        "resident_id": county.ids[(n * 7919) % len(county.ids)],
        "institution_code": county.hospital,
        "kind": "outpatient",
        "date": day.isoformat(),
        "items": [
            {"code": "S0001", "quantity": 1, "amount": "6.00"},
            {"code": "D0001", "quantity": 2, "amount": f"{17 + n % 50}.00"},
            {"code": "S0004", "quantity": 1, "amount": "18.00"},
        ],
    }


def check_ledger(engine: Engine, acknowledged: dict[str, int]) -> None:
    """After a fault: every acknowledged settlement (key -> id) is in the ledger under its
    key; no entry is half-written (its claim, the claim's lines, one row per layer of the
    policy and the audit entry are all there, and no claim lacks its entry); and every
    stored accumulator equals a replay of the ledger from nothing."""
    with session_scope(engine) as s:
        entries = s.scalars(select(Settlement).order_by(Settlement.id)).all()
        by_key = {e.client_key: e.id for e in entries if e.client_key}
        for key, entry_id in acknowledged.items():
            assert by_key.get(f"api-bureau-{key}") == entry_id, f"acknowledged {key} is lost"
        online = [e for e in entries if e.client_key]
        lines = dict(
            s.execute(select(ClaimItem.claim_id, func.count()).group_by(ClaimItem.claim_id)).all()
        )
        layers = dict(
            s.execute(
                select(SettlementLayer.settlement_id, func.count()).group_by(
                    SettlementLayer.settlement_id
                )
            ).all()
        )
        audited = set(
            s.scalars(select(AuditEvent.target_id).where(AuditEvent.action == "settle")).all()
        )
        for e in online:
            policy = policy_by_id(e.policy_id)
            assert policy is not None
            assert lines.get(e.claim_id) == 3, f"entry {e.id}: its claim's lines"
            assert layers.get(e.id) == len(policy.layers), f"entry {e.id}: its layers"
            assert str(e.id) in audited, f"entry {e.id}: its audit entry"
        claims = set(s.scalars(select(Claim.id)).all())
        assert claims == {e.claim_id for e in entries}, "a claim without its ledger entry"
        _check_accumulators(s, entries)


def _check_accumulators(s: Any, entries: Any) -> None:
    replayed: dict[tuple[AccumulatorScope, int, int, str], list[int]] = {}
    state: dict[tuple[int, int, str], tuple[dict[int, Any], Any]] = {}
    for e in entries:  # ledger order, the order they were settled in
        policy = policy_by_id(e.policy_id)
        assert policy is not None
        cp = compiled(policy)
        empty = Accumulators.empty(cp)
        persons, household = state.get((e.household_id, e.year, e.policy_id), ({}, None))
        acc = Accumulators(
            persons.get(e.person_id, empty.person),
            empty.household if household is None else household,
        )
        r = settle_one(cp, facts_of(e), acc)
        assert r.paid_fen == e.paid_fen, f"entry {e.id} was settled on other accumulators"
        persons[e.person_id] = r.accumulators.person
        state[(e.household_id, e.year, e.policy_id)] = (persons, r.accumulators.household)
        key = (AccumulatorScope.PERSON, e.person_id, e.year, e.policy_id)
        replayed[key] = [int(v) for v in r.accumulators.person]
        key = (AccumulatorScope.HOUSEHOLD, e.household_id, e.year, e.policy_id)
        replayed[key] = [int(v) for v in r.accumulators.household]
    stored = {
        (a.scope, a.owner_id, a.year, a.policy_id): list(a.slots)
        for a in s.scalars(select(Accumulator))
    }
    assert stored == replayed
