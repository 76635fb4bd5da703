"""Drive the settlement API over HTTP: a server in its own process(es), many concurrent
clients submitting claims for different persons, throughput and latency percentiles.

The database gets a synthetic county first (``prepare``); the server is ``uvicorn`` with
the app factory, so what is measured is the deployed stack: HTTP, authentication, the
settlement service, the database.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import select

from safetynet.store.db import make_engine, session_scope
from safetynet.store.migrate import upgrade_to_head
from safetynet.store.models import Enrollment, Institution, Person
from safetynet.synth.demo import DEMO_PASSWORD, build_demo

ITEMS = [("S0001", 1, "6.00"), ("D0001", 2, "17.00"), ("S0004", 1, "18.00")]


@dataclass
class LoadResult:
    backend: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: np.ndarray

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms.size else 0.0


def prepare(url: str, persons: int) -> tuple[list[str], str]:
    """A county in the database (built if empty); enrolled living persons and a hospital."""
    engine = make_engine(url)
    upgrade_to_head(url)
    build_demo(url, engine, persons=persons, say=lambda _m: None)
    with session_scope(engine) as s:
        ids = list(
            s.scalars(
                select(Person.resident_id)
                .join(Enrollment, Enrollment.person_id == Person.id)
                .where(Enrollment.year == 2017, Person.deceased_on.is_(None))
            )
        )
        hospital = s.scalar(
            select(Institution.code)
            .where(Institution.level == "township")
            .order_by(Institution.code)
        )
    engine.dispose()
    assert hospital is not None
    return ids, hospital


def start_server(url: str, port: int, workers: int, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SAFETYNET_DATABASE_URL": url, "SAFETYNET_DATA_DIR": str(data_dir)}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "safetynet.web.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the API server did not start")


async def _drive(
    base: str, ids: list[str], hospital: str, seconds: float, concurrency: int, seed: int
) -> tuple[list[float], int]:
    token = base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
    headers = {"authorization": f"Basic {token}"}
    rng = np.random.default_rng(seed)
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=30, limits=limits
    ) as client:
        # one warm-up call per worker process, so credential checks are not measured
        await asyncio.gather(*(client.get("/api/me") for _ in range(concurrency)))

        async def worker(w: int) -> None:
            nonlocal errors
            n = 0
            while time.monotonic() < stop:
                rid = ids[int(rng.integers(len(ids)))]
                day = f"2017-{1 + int(rng.integers(12)):02d}-{1 + int(rng.integers(28)):02d}"
                claim = {
                    "resident_id": rid,
                    "institution_code": hospital,
                    "kind": "outpatient",
                    "date": day,
                    "items": [{"code": c, "quantity": q, "amount": a} for c, q, a in ITEMS],
                }
                t0 = time.perf_counter()
                r = await client.post(
                    "/api/claims", json=claim, headers={"idempotency-key": f"b{seed}-{w}-{n}"}
                )
                latencies.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 201:
                    errors += 1
                n += 1

        await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return latencies, errors


def run_load(
    backend: str,
    url: str,
    ids: list[str],
    hospital: str,
    *,
    seconds: float,
    concurrency: int,
    workers: int,
    port: int,
    data_dir: Path,
) -> LoadResult:
    proc = start_server(url, port, workers, data_dir)
    try:
        t0 = time.perf_counter()
        latencies, errors = asyncio.run(
            _drive(f"http://127.0.0.1:{port}", ids, hospital, seconds, concurrency, port)
        )
        elapsed = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return LoadResult(backend, len(latencies), errors, elapsed, np.asarray(latencies))
