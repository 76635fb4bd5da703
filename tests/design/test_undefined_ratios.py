"""The design's figures where a ratio has nothing to divide by: a claims year without a poor
patient shows the poor's ratio and share undefined ("—"), in the tables, the workbook and the
reform files, as the indicators and ``safetynet simulate`` do, never as 0 %."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from safetynet.cli.main import app
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
         "-t", "poor_oop_share[5000]<=10%", "--sampler", "grid", "--write", "1",
         "-o", str(out), "--lang", "en"],
        terminal_width=240,
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = [x for x in r.output.splitlines() if x.startswith("│ 1 ")]
    assert rows and all("0.00%" not in x and x.count("—") == 2 for x in rows), r.output
    text = (out / "reform-1.yaml").read_text("utf-8")
    assert "the poor —" in text and ": — (met)" in text, text
    assert "everyone 0.00 %" not in text
    sheet = openpyxl.load_workbook(out / "design.xlsx").worksheets[0]
    header = next(row for row in sheet.iter_rows(values_only=True) if "Candidate" in row)
    first = next(row for row in sheet.iter_rows(values_only=True) if row[0] == 1)
    cells = dict(zip(header, first, strict=True))
    poor = [v for k, v in cells.items() if k and "poor" in str(k).lower()]
    assert poor and all(v is None for v in poor), cells
