"""``safetynet serve --workers N``: N processes answer on one address (each its own socket
of it), the schema upgraded once first; a database in memory cannot be shared and is
refused."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetynet.benchmarks.api_load import _listening
from safetynet.cli.main import app as cli
from tests.web.server import free_port

pytestmark = pytest.mark.slow


def test_serve_two_processes_on_one_address(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SAFETYNET_DATA_DIR": str(tmp_path), "SAFETYNET_SECRET_KEY": ""}
    db = f"sqlite:///{tmp_path / 'sn.db'}"
    safetynet = str(Path(sys.executable).parent / "safetynet")
    cmd = [safetynet, "serve", "--workers", "2", "--port", str(port), "--db", db]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, listening = time.monotonic() + 120, 0
        while time.monotonic() < deadline and listening < 2:
            time.sleep(0.3)
            listening = _listening(proc.pid, port)
        assert listening == 2
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as r:
            assert r.status == 200
        assert (tmp_path / "secret.key").exists()  # made once, before the processes
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_refuses_processes_on_a_database_in_memory() -> None:
    result = CliRunner().invoke(cli, ["serve", "--workers", "2", "--db", "sqlite:///:memory:"])
    assert result.exit_code == 2
    assert "memory" in result.output
