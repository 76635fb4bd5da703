"""Drive the settlement API over HTTP: a server in its own process(es), many concurrent
clients submitting claims for different persons, throughput and latency percentiles.

The database gets a synthetic county first (``prepare``); the server is ``uvicorn`` with
the app factory, so what is measured is the deployed stack: HTTP, authentication, the
settlement service, the database. The load generator speaks HTTP/1.1 over one keep-alive
connection per client with the least work a request (:class:`Connection`: it must not eat
the cores it measures), and the CPU time the
server, the database and the load generator spend per settlement is reported beside the
rate: on a machine of two cores their sum is what bounds it. The server's resident memory
is reported at the start and at the end of the run (a soak run of ten minutes shows whether
it grows), and every answer other than 201 is counted by status and error code. Each answer's
``Server-Timing`` splits its latency into the wait for the settlement writer, the writer's
batch, and the rest (HTTP, the event loop, the load generator), each with its percentiles.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import itertools
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import psutil
from sqlalchemy import select

from safetynet.store.db import make_engine, session_scope
from safetynet.store.migrate import upgrade_to_head
from safetynet.store.models import Enrollment, Institution, Person
from safetynet.synth.demo import DEMO_PASSWORD, build_demo

RSS_AFTER = 2.0  # seconds into the run the server's memory "at start" is measured
ITEMS = [("S0001", 1, "6.00"), ("D0001", 2, "17.00"), ("S0004", 1, "18.00")]


def _items(seq: int) -> list[dict[str, object]]:
    """The claim's lines: each claim a bill of its own (the same bill twice is refused as a
    duplicate, 409 ``duplicate_bill``), the second and third lines up to 9.99 yuan below
    their list price by the claim's sequence number (a million bills before one repeats)."""
    less = (0, seq % 1000, seq // 1000 % 1000)
    return [{"code": c, "quantity": q, "amount": f"{(int(a.replace('.', '')) - d) / 100:.2f}"}
            for (c, q, a), d in zip(ITEMS, less, strict=True)]  # fmt: skip


@dataclass
class LoadResult:
    backend: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: np.ndarray
    cpu_ms: dict[str, float]  # CPU time per request: "server", "database", "load generator"
    rss_mb: tuple[float, float] = (0.0, 0.0)  # the server processes' memory (MB), start, end
    # answers other than 201 by status and error code ("422 screening_blocked")
    statuses: dict[str, int] = field(default_factory=dict)
    # latency (ms) by part, from the answers' Server-Timing: the wait in the settlement
    # writer's queue, its batch (settle, write, commit), and the rest (HTTP, the event loop,
    # the log-in, and the load generator itself), one value per settled claim
    parts_ms: dict[str, np.ndarray] = field(default_factory=dict)
    batch_claims: float = 0.0  # mean claims per writer batch, as the answers saw it

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms.size else 0.0

    def part_percentile(self, part: str, q: float) -> float:
        values = self.parts_ms.get(part)
        return float(np.percentile(values, q)) if values is not None and values.size else 0.0


_TIMING = re.compile(r'writer-queue;dur=([\d.]+), writer-batch;dur=([\d.]+);desc="(\d+) claims"')


def server_parts(header: str | None) -> tuple[float, float, int] | None:
    """(ms in the writer's queue, ms of its batch, claims in the batch) from an answer's
    ``Server-Timing`` header; None without one."""
    found = _TIMING.search(header or "")
    if found is None:
        return None
    return float(found.group(1)), float(found.group(2)), int(found.group(3))


def answer_of(status: int, body: bytes) -> str:
    """An answer other than 201 as counted: its status and the error's code when the body
    names one ("422 screening_blocked": a claim fund supervision refuses — the load's random
    visits fall inside a stay of the synthetic county now and then); "no answer" for none."""
    if status == 0:
        return "no answer"
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return str(status)
    return f"{status} {code}"


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
    env = {
        **os.environ,
        "SAFETYNET_DATABASE_URL": url,
        "SAFETYNET_DATA_DIR": str(data_dir),
        # the benchmarks' server speaks plain HTTP on 127.0.0.1: a Secure session cookie
        # would never come back, and a page benchmark's login would fail
        "SAFETYNET_SECURE_COOKIE": "false",
    }
    # each worker on a socket of its own (SO_REUSEPORT): the connections spread over them
    cmd = [sys.executable, "-m", "safetynet.web.processes", "127.0.0.1", str(port), str(workers)]
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 120  # start-up compiles; a busy machine takes longer
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as r:
                if r.status == 200 and _listening(proc.pid, port) >= workers:
                    return proc  # every worker listens: the clients' connections spread
        except OSError:
            pass
        time.sleep(0.2)
    proc.terminate()  # its workers with it
    proc.wait(timeout=30)
    raise RuntimeError("the API server did not start")


Processes = Callable[[], list[psutil.Process]]


def _listening(pid: int, port: int) -> int:
    """How many of the server's processes listen on ``port`` (each worker starts to when its
    start-up, a few seconds of compiling, is done)."""
    count = 0
    for p in _server_processes(pid)():
        try:
            count += any(
                c.status == psutil.CONN_LISTEN and c.laddr.port == port
                for c in p.net_connections(kind="tcp")
            )
        except psutil.Error:
            continue
    return count


def _cpu_by_pid(processes: Processes) -> dict[int, float]:
    out = {}
    for p in processes():
        try:
            t = p.cpu_times()
        except psutil.Error:  # a process that ended
            continue
        out[p.pid] = t.user + t.system
    return out


def _cpu_spent(before: dict[int, float], processes: Processes) -> float:
    """CPU seconds since ``before`` of the processes alive now (a process that started since
    counts whole; one that ended is no longer seen)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in _cpu_by_pid(processes).items())


def _server_processes(pid: int) -> Processes:
    server = psutil.Process(pid)
    return lambda: [server, *server.children(recursive=True)]


def _rss_mb(processes: Processes) -> float:
    """Resident memory of the processes, in MB."""
    total = 0
    for p in processes():
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


def _database_processes(url: str) -> Processes:
    """The PostgreSQL server of ``url`` when it runs on this machine: the postmaster that
    listens on the URL's port, its auxiliary processes (WAL writer, checkpointer, ...) and
    the backends connected to the URL's database — the backends of other databases on the
    same server (other work on a shared machine) are left out. Where the listening process
    cannot be seen: every ``postgres`` process."""
    parts = urlsplit(url.replace("+psycopg", ""))
    port, database = parts.port or 5432, parts.path.lstrip("/")
    postmaster = None
    try:
        for c in psutil.net_connections(kind="tcp"):
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid:
                postmaster = psutil.Process(c.pid)
                break
    except (psutil.Error, OSError):
        postmaster = None
    if postmaster is None:
        return lambda: [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    server = postmaster

    def ours(p: psutil.Process) -> bool:
        try:
            return _serves(" ".join(p.cmdline()), database)
        except psutil.Error:
            return False

    return lambda: [server, *(p for p in server.children() if ours(p))]


_BACKEND = re.compile(r"postgres: (?:[^:]+: )?(\S+) (\S+) (\S+\(\d+\)|\[local\])")


def _serves(title: str, database: str) -> bool:
    """Whether a PostgreSQL process (by its title, ``postgres: 15/main: user db host(port)
    state`` for a client's backend) works for ``database``: its backends, and every
    auxiliary process."""
    backend = _BACKEND.match(title)
    return backend is None or backend.group(2) == database


class Connection:
    """One keep-alive HTTP/1.1 connection of the load generator: a request written as bytes,
    the answer's status, ``Server-Timing`` and body read back — no more than the benchmark
    needs (a general client's per-request work, aiohttp's, cost about a third of a
    millisecond of CPU a settlement: CPU the server's cores then lacked)."""

    def __init__(self, host: str, port: int, authorization: str) -> None:
        self.host, self.port = host, port
        self.head = f"host: {host}:{port}\r\nauthorization: {authorization}\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: str = ""
    ) -> tuple[int, str | None, bytes]:
        """(status, Server-Timing or None, body); status 0 when no answer came (the
        connection is opened again for the next request)."""
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                return await self._request(method, path, body, headers)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                TimeoutError, ValueError):  # fmt: skip
            self.close()
            return 0, None, b""

    async def _request(
        self, method: str, path: str, body: bytes, headers: str
    ) -> tuple[int, str | None, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\n".encode() + self.head
            + f"{headers}content-length: {len(body)}\r\n\r\n".encode() + body
        )  # fmt: skip
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, timing, chunked, close = 0, None, False, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.lower()
            if name == "content-length":
                length = int(value)
            elif name == "server-timing":
                timing = value.strip()
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                close = value.strip().lower() == "close"
        answer = await (self._chunks() if chunked else self.reader.readexactly(length))
        if close:
            self.close()
        return status, timing, answer

    async def _chunks(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await self.reader.readexactly(size + 2))
            if size == 0:  # (no trailers: the last chunk's line ends the answer)
                return b"".join(p[:-2] for p in parts)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


REQUEST_TIMEOUT = 30.0  # seconds without an answer: counted as "no answer"


async def _drive(
    base: str,
    ids: list[str],
    hospital: str,
    seconds: float,
    concurrency: int,
    seed: int,
    start: Callable[[], None],
) -> tuple[list[float], dict[str, int], float, list[tuple[float, float, float, int]]]:
    """Send claims for ``seconds`` after a warm-up; ``start`` is called when measuring begins.
    Returns the latencies (ms), the answers other than 201 by status and code
    (:func:`answer_of`), the seconds measured and, per settled claim, (latency, writer queue,
    writer batch, claims in the batch) from its Server-Timing."""
    token = base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()
    where = urlsplit(base)
    connections = [
        Connection(where.hostname or "127.0.0.1", where.port or 80, f"Basic {token}")
        for _ in range(concurrency)
    ]
    # each run its own claims and keys: a run on a database an earlier run settled into
    # sends new bills under new keys (the same ones were answered 409 client_key_reused and
    # duplicate_bill: a measurement of refusals)
    run = secrets.token_hex(4)
    rng = np.random.default_rng([seed, int(run, 16)])
    latencies: list[float] = []
    parts: list[tuple[float, float, float, int]] = []
    errors: dict[str, int] = {}
    # warm-up calls on every connection, so credential checks are not measured
    await asyncio.gather(*(c.request("GET", "/api/me") for c in connections))
    start()
    began = time.perf_counter()
    stop = time.monotonic() + seconds
    sequence = itertools.count(int(rng.integers(1_000_000)))  # amounts apart from earlier runs
    days = [f"2017-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)]

    async def worker(w: int, conn: Connection) -> None:
        n = 0
        while time.monotonic() < stop:
            rid, day = ids[int(rng.integers(len(ids)))], days[int(rng.integers(len(days)))]
            claim = {
                "resident_id": rid,
                "institution_code": hospital,
                "kind": "outpatient",
                "date": day,
                "items": _items(next(sequence)),
            }
            body = json.dumps(claim).encode()
            extra = f"content-type: application/json\r\nidempotency-key: b{run}-{w}-{n}\r\n"
            t0 = time.perf_counter()
            status, header, answer = await conn.request("POST", "/api/claims", body, extra)
            latencies.append((time.perf_counter() - t0) * 1000)
            timing = server_parts(header)
            if timing is not None:
                parts.append((latencies[-1], *timing))
            if status != 201:
                why = answer_of(status, answer)
                errors[why] = errors.get(why, 0) + 1
            n += 1

    try:
        await asyncio.gather(*(worker(w, c) for w, c in enumerate(connections)))
    finally:
        for c in connections:
            c.close()
    return latencies, errors, time.perf_counter() - began, parts


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
        me = psutil.Process()
        server = _server_processes(proc.pid)
        groups: dict[str, Processes] = {"server": server}
        if url.startswith("postgresql"):
            groups["database"] = _database_processes(url)
        groups["load generator"] = lambda: [me]
        before: dict[str, dict[int, float]] = {}
        rss_start: list[float] = []
        # the memory "at start" is taken once every worker has settled claims for a moment
        # (the first ones load code and fill caches), so start → end shows growth under load
        delay = min(RSS_AFTER, seconds / 5)
        sample = threading.Timer(delay, lambda: rss_start.append(_rss_mb(server)))

        def start() -> None:
            before.update({k: _cpu_by_pid(v) for k, v in groups.items()})
            sample.start()

        # the load generator's own heap (the county it built) frozen, as the server's is:
        # a full collection of it would stop the clients mid-request and count as latency
        gc.collect()
        gc.freeze()
        try:
            latencies, errors, elapsed, parts = asyncio.run(
                _drive(f"http://127.0.0.1:{port}", ids, hospital, seconds, concurrency, port, start)
            )
        finally:
            gc.unfreeze()
        spent = {k: _cpu_spent(before[k], v) for k, v in groups.items()}
        sample.join()
        rss = (rss_start[0], _rss_mb(server))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    n = max(len(latencies), 1)
    cpu_ms = {k: v * 1000 / n for k, v in spent.items()}
    table = np.asarray(parts, dtype=float).reshape(-1, 4)
    by_part = {
        "writer queue": table[:, 1],
        "writer batch": table[:, 2],
        "outside the writer": table[:, 0] - table[:, 1] - table[:, 2],
    }
    return LoadResult(
        backend, len(latencies), sum(errors.values()), elapsed, np.asarray(latencies), cpu_ms,
        rss, errors, by_part, float(table[:, 3].mean()) if len(table) else 0.0,
    )  # fmt: skip
