"""`safetynet bench design` on a small county: it searches every candidate and prints the
figures it promises (candidates/s beside the kernel's claims/s)."""

from __future__ import annotations

from typer.testing import CliRunner

from safetynet.cli.main import app


def test_bench_design_runs_on_a_small_county() -> None:
    r = CliRunner().invoke(
        app, ["bench", "design", "--persons", "3000", "--candidates", "20"], terminal_width=200
    )
    assert r.exit_code == 0, r.output
    assert "candidates/s" in r.output and "claims/s" in r.output
    assert "│ candidates " in r.output and " 20 " in r.output
