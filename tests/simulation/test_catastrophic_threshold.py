"""The simulator's catastrophic threshold (``--catastrophic``, yuan): an amount that is not
exact yuan or is below zero is refused (exit 2, the reason on one line, nothing compared),
and the note states the threshold the comparison used, to the fen (10,000.50 is not shown
as 10,000)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from safetynet.claims.settle_file import settle_claims
from safetynet.cli.main import app
from safetynet.simulation.compare import compare
from safetynet.simulation.export import comparison_tables
from tests.engine.helpers import policy

EXAMPLES = Path(__file__).parents[2] / "examples"
CLAIMS = str(EXAMPLES / "claims-anhui-2017.jsonl")
REFORM = str(EXAMPLES / "reform-anhui-2017-inpatient-plus5.yaml")
runner = CliRunner()


def _simulate(threshold: str, *extra: str) -> object:
    args = ["simulate", "-b", "anhui-poor-2017", "-r", REFORM, "-c", CLAIMS, *extra]
    return runner.invoke(app, [*args, f"--catastrophic={threshold}"], terminal_width=200)


@pytest.mark.parametrize("threshold", ["abc", "-5", "-0.01", "10.001", "NaN", "Infinity", ""])
@pytest.mark.parametrize("lang", ["en", "zh_Hans"])
def test_a_bad_threshold_is_refused(tmp_path: Path, threshold: str, lang: str) -> None:
    xlsx = tmp_path / "cmp.xlsx"
    result = _simulate(threshold, "--lang", lang, "--xlsx", str(xlsx))
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "--catastrophic" in result.output and "Traceback" not in result.output
    assert not xlsx.exists()


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (1_000_050, "10,000.50"),
        (1_000_000, "10,000"),
        (1, "0.01"),
        (0, "0"),
        (123_456_789, "1,234,567.89"),
    ],
)
def test_the_note_states_the_threshold_to_the_fen(fen: int, shown: str) -> None:
    results = settle_claims(policy("anhui-poor-2017"), Path(CLAIMS))
    cmp = compare(results, results, fen)
    note = comparison_tables(cmp, "t", "en")[-1].note
    assert note == f"Persons whose annual out-of-pocket exceeds {shown} yuan."


def test_a_threshold_with_fen_reaches_the_workbook(tmp_path: Path) -> None:
    xlsx = tmp_path / "cmp.xlsx"
    result = _simulate("10000.50", "--lang", "en", "--xlsx", str(xlsx))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(xlsx)["Catastrophic"]
    assert sheet["A2"].value == "Persons whose annual out-of-pocket exceeds 10,000.50 yuan."
