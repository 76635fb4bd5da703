"""The incomes file of ``safetynet warnings evaluate --claims``, hostile, through the real
command: read as every import file is (GBK and UTF-8 with BOM read right, Chinese headers,
blank trailing lines) or refused whole naming the file, row and column — a household given
twice (was joined twice: either row's income used, silently), a header repeated below, a key
of only spaces, a formula, no such column, an empty file (were tracebacks) — never a
traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetynet.cli.main import app

runner = CliRunner()

CLAIM = {
    "claim_no": "C1", "person_id": "P1", "household_id": "H1", "date": "2018-03-01",
    "kind": "outpatient", "level": "village", "statuses": ["ordinary"], "age": 40,
    "diagnosis": "J18.9", "institution": "341821001", "total": "10000.01", "compliant": "0",
}  # fmt: skip


def _evaluate(tmp_path: Path, incomes: bytes, name: str = "incomes.csv"):  # type: ignore[no-untyped-def]
    claims = tmp_path / "claims.jsonl"
    claims.write_text(json.dumps(CLAIM))
    path = tmp_path / name
    path.write_bytes(incomes)
    return runner.invoke(app, ["warnings", "evaluate", "--year", "2018", "--claims",
                               str(claims), "--policy", "anhui-langxi-2018", "--incomes",
                               str(path)])  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        b"household_id,income\nH1,20000\n",
        "household_id,income\r\nH1,20000\r\n".encode("utf-8-sig"),
        "户编号,家庭年收入,备注\nH1,２００００,县医院\n".encode("gbk"),
        b"household_id,income\nH1,20000\n\n\n",
    ],
    ids=["utf8", "bom", "gbk-chinese-headers", "blank-trailing-lines"],
)
def test_an_incomes_file_is_read_in_every_encoding(tmp_path: Path, body: bytes) -> None:
    """10,000.01 yuan out of pocket against 20,000 yuan: at least half the income."""
    done = _evaluate(tmp_path, body)
    assert done.exit_code == 0, done.output
    assert "household_half_income" in done.output


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"household_id,income\nH1,20000\nH1,5\n", "row 3, column household_id: household H1 "
         "is also on row 2"),
        (b"household_id,income\nH1,20000\nhousehold_id,income\n", "row 3, column income"),
        (b"household_id,income\n   ,5\n", "row 2, column household_id: must not be blank"),
        (b"household_id,income\nH1,=cmd|' /C calc'!A0\n", "row 2, column income"),
        (b"household,income\nH1,20000\n", "a column household_id"),
        (b"", "the file is empty"),
        (b"household_id,income\n\n", "no row below it"),
        (b"household_id,income\nH1,1e3\n", "row 2, column income"),
    ],
    ids=["twice", "header-again", "spaces", "formula", "no-column", "empty", "header-only",
         "exponent"],
)  # fmt: skip
def test_a_bad_incomes_file_is_refused_naming_the_row(
    tmp_path: Path, body: bytes, said: str
) -> None:
    done = _evaluate(tmp_path, body)
    assert done.exit_code == 2, (done.output, done.exception)
    flat = " ".join(done.output.split())
    assert said in flat and "incomes.csv" in flat, flat
    assert "Traceback" not in done.output
