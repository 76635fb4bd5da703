"""The HTTP load generator of ``safetynet bench api``: a short run against a real server on
a small SQLite county settles claims without errors and reports what each part spent."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import psutil

from safetynet.benchmarks.api_load import (
    answer_of,
    prepare,
    run_load,
    server_parts,
    start_server,
)
from tests.web.server import free_port


def test_a_short_run_settles_and_reports_cpu(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    ids, hospital = prepare(url, 200)
    result = run_load(
        "SQLite", url, ids, hospital, seconds=1.5, concurrency=4, workers=1,
        port=free_port(), data_dir=tmp_path,
    )  # fmt: skip
    assert result.requests > 0
    assert result.errors == 0
    assert result.per_second > 0
    assert 0 < result.percentile(50) <= result.percentile(99)
    # the server and the load generator each spent CPU; SQLite has no database process
    assert set(result.cpu_ms) == {"server", "load generator"}
    assert result.cpu_ms["server"] > 0 and result.cpu_ms["load generator"] > 0
    assert result.rss_mb[0] > 50 and result.rss_mb[1] > 50  # a Python server's memory, in MB
    assert result.statuses == {}
    # every settled claim's latency split by part, from the answers' Server-Timing
    assert set(result.parts_ms) == {"writer queue", "writer batch", "outside the writer"}
    assert all(v.size == result.requests for v in result.parts_ms.values())
    assert 0 < result.part_percentile("writer batch", 50) <= result.percentile(50)
    assert result.part_percentile("outside the writer", 1) >= -1  # the parts add up
    assert 1 <= result.batch_claims <= 4  # at most the 4 clients' claims in one batch


def test_server_timing_is_read_back() -> None:
    header = 'writer-queue;dur=1.25, writer-batch;dur=10.50;desc="16 claims"'
    assert server_parts(header) == (1.25, 10.5, 16)
    assert server_parts(None) is None and server_parts("db;dur=3") is None


def test_an_answer_other_than_201_is_counted_with_its_code() -> None:
    """The bench says why claims were refused (a visit fund supervision blocks because it
    falls inside one of the person's stays), not only how many."""
    body = b'{"error": {"code": "screening_blocked", "message": "refused"}}'
    assert answer_of(422, body) == "422 screening_blocked"
    assert answer_of(502, b"<html>bad gateway</html>") == "502"
    assert answer_of(0, b"") == "no answer"


def test_a_short_soak_keeps_the_server_memory_flat(tmp_path: Path) -> None:
    """``bench api --seconds 600`` in small: after its first seconds the server's memory
    stays where it is (a leak of a few kB per settlement would show over thousands)."""
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    ids, hospital = prepare(url, 200)
    result = run_load(
        "SQLite", url, ids, hospital, seconds=12, concurrency=8, workers=1,
        port=free_port(), data_dir=tmp_path,
    )  # fmt: skip
    assert result.errors == 0 and result.requests > 200
    start, end = result.rss_mb
    assert end - start < 20, f"server memory grew from {start:.0f} to {end:.0f} MB"


def test_each_worker_listens_and_takes_a_share_of_the_connections(tmp_path: Path) -> None:
    """``--workers 2``: each server process listens on a socket of its own on the port
    (``SO_REUSEPORT``) once it has started, and the kernel spreads the clients' connections
    over them (one shared socket let the first process to wake take them all)."""
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    prepare(url, 200)
    port = free_port()
    proc = start_server(url, port, 2, tmp_path)
    clients: list[socket.socket] = []
    try:
        workers = psutil.Process(proc.pid).children()
        assert len(workers) == 2
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        time.sleep(1.0)
        taken = [
            sum(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
                for c in w.net_connections(kind="tcp"))
            for w in workers
        ]  # fmt: skip
        assert sum(taken) == 16 and min(taken) > 0, taken
    finally:
        for c in clients:
            c.close()
        proc.terminate()
        proc.wait(timeout=30)
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)


def test_the_load_generators_connection_reads_chunked_answers_and_reconnects() -> None:
    """The benchmark's own HTTP/1.1 client: a body by length or in chunks, the Server-Timing
    header, and a connection the server closed answered as "no answer" (status 0) and
    opened again for the next request."""
    import asyncio

    from safetynet.benchmarks.api_load import Connection

    answers = [
        b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\nserver-timing: writer-queue;dur=1\r\n\r\n{}",
        b"HTTP/1.1 422 Unprocessable\r\ntransfer-encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        b"",  # closed without an answer
        b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
    ]
    seen: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            seen.append(head + await reader.readexactly(length))
            answer = answers.pop(0)
            if not answer:
                writer.close()
                return
            writer.write(answer)
            await writer.drain()
        writer.close()

    async def run() -> list[tuple[int, str | None, bytes]]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        conn = Connection("127.0.0.1", port, "Basic eA==")
        out = [await conn.request("POST", "/api/claims", b'{"a": 1}', "x-k: 1\r\n")
               for _ in range(4)]  # fmt: skip
        conn.close()
        server.close()
        return out

    out = asyncio.run(run())
    assert out[0] == (201, "writer-queue;dur=1", b"{}")
    assert out[1] == (422, None, b"abcde")
    assert out[2] == (0, None, b"")
    assert out[3] == (200, None, b"")
    assert seen[0].startswith(b"POST /api/claims HTTP/1.1\r\n")
    assert b"authorization: Basic eA==\r\n" in seen[0] and b"x-k: 1\r\n" in seen[0]
    assert seen[0].endswith(b'content-length: 8\r\n\r\n{"a": 1}')


def test_a_second_run_on_the_same_database_sends_new_claims(tmp_path: Path) -> None:
    """Runs on one database (a PostgreSQL database kept between runs) each send claims and
    keys of their own: the second run's were the first run's again, answered 409
    ``client_key_reused`` and ``duplicate_bill`` — a measurement of refusals."""
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    ids, hospital = prepare(url, 200)
    port = free_port()  # the same server address both times, as `bench api` runs
    for _ in range(2):
        result = run_load(
            "SQLite", url, ids, hospital, seconds=1.5, concurrency=4, workers=1,
            port=port, data_dir=tmp_path,
        )  # fmt: skip
        assert result.requests > 0 and result.statuses == {}, result.statuses
