"""``safetynet bench pages`` on a small SQLite county: the real server answers every bureau
page (each timed, first and repeated, and after a refund) from the derived snapshot, and
``safetynet db rebuild-derived`` writes the snapshot's files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetynet.benchmarks.pages import prepare, time_arithmetic, time_pages
from safetynet.cli.main import app
from safetynet.derived import snapshot
from tests.web.server import free_port


@pytest.mark.slow
def test_pages_are_timed_from_the_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SAFETYNET_SNAPSHOT_MIN_ENTRIES", "0")  # the server inherits it
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    prep = prepare(url, 300, 4, lambda _m: None)
    assert prep.built and prep.entries > 0
    files = snapshot.snapshot_dir(url)
    assert (files / "ledger-entries.parquet").exists()
    assert (files / "registry-persons.parquet").exists()

    times = time_pages(url, free_port(), 2, tmp_path)
    assert {t.status for t in times} == {200}, [(t.path, t.status) for t in times]
    assert all(t.first > 0 and len(t.repeated) == 2 and t.after_refund for t in times)
    assert all(t.size > 0 for t in times)
    arithmetic = time_arithmetic(url, 1)
    assert arithmetic[0][0] == "dashboard's figures" and arithmetic[0][1] > 0

    again = prepare(url, 300, 4, lambda _m: None)  # reused, one refund more
    assert not again.built and again.entries == prep.entries + 1

    result = CliRunner().invoke(app, ["db", "rebuild-derived", "--db", url])
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.output
    snapshot.forget()
