"""Faults during a burst of settlements, on a private PostgreSQL server: the database
stopped and started again, the server killed with ``kill -9`` and started again.

Afterwards every acknowledged settlement is in the ledger, nothing is half-written, a retry
with the same idempotency key replays the first settlement (or, when the first was never
recorded, settles it once), and the accumulators equal a replay of the ledger. While the
database is down every request is answered — 503 with Retry-After and a JSON body, or the
page saying so — never 500 nor a reset connection, and the server recovers by itself.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from safetynet.synth.demo import DEMO_PASSWORD
from tests.faults.conftest import HEADERS, County, Server, check_ledger, claim
from tests.faults.private_pg import PrivatePostgres

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
CLIENTS = 8


class Burst:
    """``CLIENTS`` clients sending claims, each with its own idempotency key, until told to
    stop; what each got back."""

    def __init__(self, server: Server, county: County) -> None:
        self.server, self.county = server, county
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent: dict[str, dict[str, Any]] = {}  # key -> claim
        self.acknowledged: dict[str, int] = {}  # key -> settlement id (201)
        self.answers: list[tuple[int, dict[str, str], Any]] = []  # status, headers, body
        self.failures: list[str] = []  # no answer at all
        self.count = 0

    def _client(self, w: int) -> None:
        with httpx.Client(base_url=self.server.base, headers=HEADERS, timeout=60) as client:
            n = 0
            while not self.stop.is_set():
                key, body = f"c{w}-{n}", claim(self.county, w * 100_000 + n)
                with self.lock:
                    self.sent[key] = body
                try:
                    r = client.post("/api/claims", json=body, headers={"idempotency-key": key})
                except httpx.TransportError as exc:
                    with self.lock:
                        self.failures.append(f"{key}: {type(exc).__name__}")
                    time.sleep(0.05)
                else:
                    with self.lock:
                        self.answers.append((r.status_code, dict(r.headers), r.json()))
                        if r.status_code == 201:
                            self.acknowledged[key] = int(r.json()["settlement_id"])
                n += 1

    def run(self, during: Callable[[], None]) -> None:
        """The burst, with ``during`` called once it is under way (settlements answered)."""
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            futures = [pool.submit(self._client, w) for w in range(CLIENTS)]
            try:
                _wait_for(lambda: len(self.acknowledged) >= 2 * CLIENTS, 60, "settlements")
                during()
                time.sleep(1.0)
            finally:
                self.stop.set()
            for f in futures:
                f.result()


def _wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} within {seconds:g} s")


def _settles(server: Server, county: County) -> Callable[[], bool]:
    numbers = itertools.count(999_999)  # a bill of its own each try (the same is a duplicate)

    def check() -> bool:
        with httpx.Client(base_url=server.base, headers=HEADERS, timeout=30) as client:
            r = client.post("/api/claims", json=claim(county, next(numbers)))
            return r.status_code in (200, 201)

    return check


def _retry_all(server: Server, burst: Burst) -> None:
    """Every key sent once more: a recorded one replays its settlement (200), one never
    recorded settles now (201), and nothing is paid twice."""
    with httpx.Client(base_url=server.base, headers=HEADERS, timeout=60) as client:
        for key, body in burst.sent.items():
            r = client.post("/api/claims", json=body, headers={"idempotency-key": key})
            assert r.status_code in (200, 201), (key, r.status_code, r.text)
            if key in burst.acknowledged:
                assert r.status_code == 200 and r.json()["replayed"] is True, key
                assert r.json()["settlement_id"] == burst.acknowledged[key], key
            else:
                burst.acknowledged[key] = int(r.json()["settlement_id"])
            again = client.post("/api/claims", json=body, headers={"idempotency-key": key})
            assert again.status_code == 200 and again.json()["replayed"] is True, key


def _logged_in(server: Server) -> httpx.Client:
    """A browser's session (Chinese, the default language) for the pages."""
    client = httpx.Client(base_url=server.base, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post("/login", data={"username": "bureau", "password": DEMO_PASSWORD,
                                    "csrf_token": token.group(1), "next": "/"})  # fmt: skip
    assert r.status_code == 303, r.text
    return client


def test_database_stopped_mid_burst_answers_503_and_recovers(
    private_pg: PrivatePostgres, county: County, server: Server, engine: Engine
) -> None:
    browser = _logged_in(server)

    def outage() -> None:
        private_pg.stop("fast")
        try:
            _answers_while_down()
        finally:
            private_pg.start()

    def _answers_while_down() -> None:
        time.sleep(2.0)
        with httpx.Client(base_url=server.base, headers=HEADERS, timeout=30) as client:
            api = client.get("/api/persons", params={"q": county.ids[0]})
            fhir = client.get(f"/fhir/Patient?identifier={county.ids[0]}")
            again = client.get("/api/persons", params={"q": county.ids[0]})  # same connection
        page = browser.get("/persons", params={"q": county.ids[0]})
        for r in (api, page, fhir, again):
            assert r.status_code == 503, (r.request.url, r.status_code, r.text[:300])
            assert r.headers["retry-after"].isdigit()
            assert r.headers.get("connection") != "close"
        assert api.json()["error"]["code"] == "database_unavailable"
        assert fhir.json()["resourceType"] == "OperationOutcome"
        assert fhir.json()["issue"][0]["code"] == "transient"
        assert "数据库" in page.text and "database" not in page.text.lower()  # in Chinese

    burst = Burst(server, county)
    burst.run(outage)
    assert not burst.failures, burst.failures[:5]  # every request got an answer
    statuses = {status for status, _, _ in burst.answers}
    assert statuses <= {201, 503}, statuses
    assert 503 in statuses and 201 in statuses
    for status, headers, body in burst.answers:
        if status == 503:
            assert headers["retry-after"].isdigit()
            assert body["error"]["code"] == "database_unavailable"
    _wait_for(_settles(server, county), 30, "the server settles again once the database is back")
    _retry_all(server, burst)
    check_ledger(engine, burst.acknowledged)


def test_server_killed_mid_burst_loses_nothing_acknowledged(
    county: County, server: Server, engine: Engine
) -> None:
    burst = Burst(server, county)
    burst.run(server.kill)
    assert burst.acknowledged, "the burst settled nothing before the kill"
    server.start()
    _wait_for(_settles(server, county), 60, "the restarted server settles")
    _retry_all(server, burst)
    check_ledger(engine, burst.acknowledged)
