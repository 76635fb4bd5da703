"""The design's figures where a ratio has nothing to divide by: a claims year without a poor
patient shows the poor's ratio and share undefined ("—"), in the tables, the workbook and the
reform files, as the indicators and ``safetynet simulate`` do, never as 0 %; and a target on
such a ratio is "not measurable": never counted as met (0 ≥ 0 over nobody)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.design.figures import Figures
from safetynet.design.targets import parse_constraint
from tests.design.helpers import write_claims

BASE = "anhui-poor-2017"
VARY = "layers[basic].rules[inpatient].ratio.county=80%,85%"


def _nobody_poor(path: Path) -> Path:
    write_claims(path, persons=12)
    rows = [json.loads(x) for x in path.read_text("utf-8").splitlines()]
    path.write_text("".join(json.dumps({**r, "statuses": []}) + "\n" for r in rows), "utf-8")
    return path


def test_the_poor_ratio_without_poor_patients_is_undefined(tmp_path: Path) -> None:
    claims = _nobody_poor(tmp_path / "claims.jsonl")
    out = tmp_path / "out"
    r = CliRunner().invoke(
        app,
        ["design", "--base", BASE, "--claims", str(claims), "--vary", VARY,
         "-t", "catastrophic_persons[5000]<=1000", "--sampler", "grid", "--write", "1",
         "-o", str(out), "--lang", "en"],
        terminal_width=240,
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = [x for x in r.output.splitlines() if x.startswith("│ 1 ")]
    assert rows and all("0.00%" not in x and x.count("—") == 1 for x in rows), r.output
    text = (out / "reform-1.yaml").read_text("utf-8")
    assert "the poor —" in text and "(met)" in text, text
    assert "everyone 0.00 %" not in text
    sheet = openpyxl.load_workbook(out / "design.xlsx").worksheets[0]
    header = next(row for row in sheet.iter_rows(values_only=True) if "Candidate" in row)
    first = next(row for row in sheet.iter_rows(values_only=True) if row[0] == 1)
    cells = dict(zip(header, first, strict=True))
    poor = [v for k, v in cells.items() if k and "poor" in str(k).lower()]
    assert poor and all(v is None for v in poor), cells


def test_a_target_over_nobody_is_not_measurable_not_met(tmp_path: Path) -> None:
    """``poor_oop_share[5000]<=10%`` on a year without a poor patient: 0 of 0 proves
    nothing, so no reform meets it and the refusal says why (it counted as met before)."""
    claims = _nobody_poor(tmp_path / "claims.jsonl")
    for target in ("poor_oop_share[5000]<=10%", "poor_ratio>=0%"):
        r = CliRunner().invoke(
            app,
            ["design", "--base", BASE, "--claims", str(claims), "--vary", VARY,
             "-t", target, "--sampler", "grid", "--write", "1",
             "-o", str(tmp_path / "out"), "--lang", "en"],
            terminal_width=240,
        )  # fmt: skip
        assert r.exit_code == 2, r.output
        assert "not measurable" in r.output and target in r.output, r.output
        assert not (tmp_path / "out" / "reform-1.yaml").exists()


def test_a_measurable_target_is_judged_as_before() -> None:
    figures = Figures({"basic": 0}, paid_all=0, total_all=0, paid_poor=9, total_poor=10,
                      poor_persons=0, over={("poor_oop_share", 500_000): 0})  # fmt: skip
    poor = parse_constraint("poor_ratio>=90%", ("basic",))
    share = parse_constraint("poor_oop_share[5000]<=10%", ("basic",))
    everyone = parse_constraint("ratio>=0%", ("basic",))
    assert figures.meets(poor) and figures.measurable(poor.metric)
    assert not figures.measurable(share.metric) and not figures.meets(share)
    assert not figures.meets(everyone) and figures.violation(everyone) > 0
