"""The simulator's ratios where their denominator is zero: undefined ("—"), as the indicators
leave them out, never a 0 % that reads as "the poor got nothing"."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from safetynet.claims.settle_file import settle_claims
from safetynet.cli.main import app
from safetynet.simulation.compare import compare
from tests.claims.helpers import claim, write_jsonl
from tests.engine.helpers import policy

EXAMPLES = Path(__file__).parents[2] / "examples"
REFORM = str(EXAMPLES / "reform-anhui-2017-inpatient-plus5.yaml")
runner = CliRunner()


def _ordinary_outpatients(tmp_path: Path) -> Path:
    """Nobody poor, nobody admitted: the poor's two ratios have no denominator."""
    return write_jsonl(
        tmp_path / "c.jsonl",
        [
            claim("C1", "P1", "2017-03-01", kind="outpatient", level="township",
                  statuses=["ordinary"], total="100.00", compliant="80.00"),
            claim("C2", "P2", "2017-04-01", kind="outpatient", level="village",
                  statuses=["ordinary"], total="50.00", compliant="50.00"),
        ],
    )  # fmt: skip


def test_ratios_without_denominator_are_undefined(tmp_path: Path) -> None:
    path = _ordinary_outpatients(tmp_path)
    base = settle_claims(policy("anhui-poor-2017"), path)
    reform = settle_claims(policy(REFORM), path)
    cmp = compare(base, reform, 1_000_000)
    rows = {m: (b, r, c) for m, b, r, c in cmp.ratios.iter_rows()}
    assert rows["compensation_ratio_poor"] == (None, None, None)
    assert rows["inpatient_compensation_ratio_poor"] == (None, None, None)
    b, r, c = rows["compensation_ratio"]  # defined: the everyone's ratio is there
    paid = sum(int(base[col].sum()) for col in base.columns if col.startswith("pay_"))
    assert b == paid / int(base["total_fen"].sum()) and c == r - b


def test_cli_and_workbook_show_undefined_ratios_as_blank(tmp_path: Path) -> None:
    path = _ordinary_outpatients(tmp_path)
    xlsx = tmp_path / "cmp.xlsx"
    args = ["simulate", "-b", "anhui-poor-2017", "-r", REFORM, "-c", str(path), "--lang", "en"]
    result = runner.invoke(app, [*args, "--xlsx", str(xlsx)], terminal_width=200)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "ratio of the poor" in x)
    assert "0.00%" not in line and "—" in line
    sheet = openpyxl.load_workbook(xlsx)["Ratios"]
    values = {row[0]: row[1:4] for row in sheet.iter_rows(values_only=True) if row[0]}
    poor = values["Actual compensation ratio of the poor"]
    assert poor == (None, None, None)
