"""The `safetynet import ...` and `safetynet reconcile` commands through Typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from safetynet.cli.main import app
from tests.registry_imports.helpers import (
    PERSON_HEADER_ZH,
    bad_check,
    person_rows,
    table_counts,
    write_csv,
    write_xlsx,
)

runner = CliRunner()


@pytest.fixture
def db_url(db_engine: Engine) -> str:
    return db_engine.url.render_as_string(hide_password=False)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_bad_file_exits_nonzero_with_the_row_message(
    county: Session, db_url: str, tmp_path: Path, suffix: str
) -> None:
    rows = person_rows(8)
    rows[5][0], wrong, right = bad_check(rows[5][0])
    writer = write_csv if suffix == "csv" else write_xlsx
    path = writer(tmp_path / f"persons.{suffix}", PERSON_HEADER_ZH, rows)
    before = table_counts(county)
    result = runner.invoke(
        app, ["import", "persons", str(path), "--db", db_url, "--errors", str(tmp_path / "e.xlsx")]
    )
    assert result.exit_code == 2
    assert (
        f"row 7, column 身份证号: check digit is {wrong}, the first 17 digits require {right}"
        in result.output
    )
    assert "nothing written" in result.output
    problems = load_workbook(tmp_path / "e.xlsx").active
    assert problems["A3"].value == "severity"  # under the title and a blank row
    first = [cell.value for cell in problems[4][:3]]
    assert first == ["error", 7, "身份证号"]
    assert table_counts(county) == before


def test_good_file_imports_then_is_already_imported(
    county: Session, db_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "persons.csv", PERSON_HEADER_ZH, person_rows(8))
    first = runner.invoke(app, ["import", "persons", str(path), "--db", db_url, "--by", "clerk"])
    assert first.exit_code == 0, first.output
    assert "8 inserted" in first.output
    assert table_counts(county)["person"] == 8
    again = runner.invoke(app, ["import", "persons", str(path), "--db", db_url])
    assert again.exit_code == 0
    assert "already imported on" in again.output
    forced = runner.invoke(app, ["import", "persons", str(path), "--db", db_url, "--force"])
    assert "0 inserted, 0 updated, 8 unchanged" in forced.output


def test_missing_file_is_an_error(db_url: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "households", str(tmp_path / "no.csv"), "--db", db_url])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_reconcile_prints_counts_and_writes_xlsx(
    county: Session, db_url: str, tmp_path: Path
) -> None:
    rows = person_rows(3)
    assert runner.invoke(
        app, ["import", "persons", str(write_csv(tmp_path / "p.csv", PERSON_HEADER_ZH, rows)),
              "--db", db_url],
    ).exit_code == 0  # fmt: skip
    listed = [[rows[0][0], rows[0][1], "低保"], [rows[0][0], rows[0][1], "低保"]]
    path = write_csv(tmp_path / "list.csv", ["身份证号", "姓名", "贫困属性"], listed)
    out = tmp_path / "report.xlsx"
    result = runner.invoke(
        app,
        ["reconcile", "--list", str(path), "--year", "2024", "--db", db_url, "--xlsx", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "not_enrolled" in result.output and "duplicate_in_list" in result.output
    summary = {r[0]: r[2] for r in load_workbook(out)["summary"].iter_rows(values_only=True)}
    assert summary["not_enrolled"] == 1 and summary["duplicate_in_list"] == 1
    assert summary["category_mismatch"] == 0


def test_reconcile_rejects_a_bad_list(county: Session, db_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", ["身份证号", "姓名", "贫困属性"], [["1", "x", "富"]])
    result = runner.invoke(
        app, ["reconcile", "--list", str(path), "--year", "2024", "--db", db_url]
    )
    assert result.exit_code == 2
    assert "row 2, column 贫困属性" in result.output
