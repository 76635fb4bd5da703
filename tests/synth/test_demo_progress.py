"""``safetynet demo`` (what ``make demo`` runs) shows its progress while it builds the county:
a progress bar over the build's steps on a terminal, and a line per finished step."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from safetynet.synth.demo import BUILD_STEPS

pytestmark = pytest.mark.slow


def test_the_demo_build_reports_every_step(tmp_path: Path) -> None:
    env = {**os.environ, "SAFETYNET_DATA_DIR": str(tmp_path), "FORCE_COLOR": "1",
           "COLUMNS": "120"}  # fmt: skip  # FORCE_COLOR: Rich draws as on a terminal
    env.pop("SAFETYNET_DATABASE_URL", None)
    safetynet = Path(sys.executable).with_name("safetynet")
    out = subprocess.run(
        [str(safetynet), "demo", "--no-serve", "--persons", "300"],
        env=env, capture_output=True, text=True, timeout=600, check=True,
    ).stdout  # fmt: skip
    out = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)  # colours and cursor moves
    done = [line for line in out.splitlines() if "✓" in line]
    assert len(done) == BUILD_STEPS
    for step in ("generating a synthetic county of 300 persons", "loading", "settling",
                 "posting the year to the fund journal"):  # fmt: skip
        assert any(step in line for line in done), step
    assert f"0/{BUILD_STEPS}" in out and f"{BUILD_STEPS}/{BUILD_STEPS}" in out  # the bar
    assert "built the demo database" in out
    # the year is posted: the fund page of the demo shows it, not "nothing posted"
    with sqlite3.connect(tmp_path / "safetynet.db") as db:
        assert db.execute("SELECT count(*) FROM fund_entry WHERE year = 2017").fetchone()[0] > 0
