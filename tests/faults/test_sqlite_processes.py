"""Two server processes on one SQLite file (``safetynet serve --workers 2``): their
settlement writers take turns (the write turn beside the database), so a burst of
settlements from many clients — the same persons settled by both processes — leaves every
acknowledged settlement in the ledger, nothing half-written, and accumulators equal to a
replay of the ledger in its order; a writer waiting for the turn of another process waits
for it, not for SQLite's polling."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from safetynet.benchmarks.api_load import _listening, prepare
from safetynet.store.db import make_engine
from safetynet.web.app import create_app
from safetynet.web.db import app_write_session
from tests.faults.conftest import PERSONS, County, Server, check_ledger
from tests.faults.test_faults import Burst

pytestmark = pytest.mark.slow


@pytest.fixture
def sqlite_county(tmp_path: Path) -> County:
    url = f"sqlite:///{tmp_path / 'county.db'}"
    ids, hospital = prepare(url, PERSONS)
    return County(url, ids, hospital)


def test_two_processes_settle_in_turn(sqlite_county: County, tmp_path: Path) -> None:
    server = Server(sqlite_county.url, tmp_path, workers=2)
    server.start()
    engine: Engine = make_engine(sqlite_county.url)
    try:
        assert server.proc is not None
        assert _listening(server.proc.pid, server.port) == 2
        burst = Burst(server, sqlite_county)
        burst.run(lambda: time.sleep(1.5))
        assert not burst.failures
        refused = [(s, b) for s, _h, b in burst.answers if s not in (201, 409, 422)]
        assert not refused, refused[:3]
        assert len(burst.acknowledged) >= 40
        check_ledger(engine, burst.acknowledged)
    finally:
        server.stop()
        engine.dispose()


def test_a_writer_waits_for_another_process_turn(tmp_path: Path) -> None:
    path = tmp_path / "turn.db"
    engine = make_engine(f"sqlite:///{path}")
    app = create_app(engine, secret_key="k" * 32)
    holder = (
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(1.0)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder, f"{path}-writer.lock"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        began = time.monotonic()
        with app_write_session(app):
            waited = time.monotonic() - began
        assert waited >= 0.7  # the other process's turn first
        # and the turn is free again at once for the next writer, in any process
        fd = os.open(f"{path}-writer.lock", os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        proc.wait(timeout=10)
        engine.dispose()
