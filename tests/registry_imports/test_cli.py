"""The `safetynet import ...` and `safetynet reconcile` commands through Typer's CliRunner."""

from __future__ import annotations

import re
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
        app,
        ["import", "persons", str(path), "--db", db_url, "--errors", str(tmp_path / "e.xlsx"),
         "--lang", "en"],
    )  # fmt: skip
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
    first = runner.invoke(
        app, ["import", "persons", str(path), "--db", db_url, "--by", "clerk", "--lang", "en"]
    )
    assert first.exit_code == 0, first.output
    assert "8 inserted" in first.output
    assert table_counts(county)["person"] == 8
    again = runner.invoke(app, ["import", "persons", str(path), "--db", db_url, "--lang", "en"])
    assert again.exit_code == 0
    assert "already imported on" in again.output
    forced = runner.invoke(
        app, ["import", "persons", str(path), "--db", db_url, "--force", "--lang", "en"]
    )
    assert "0 inserted, 0 updated, 8 unchanged" in forced.output
    chinese = runner.invoke(app, ["import", "persons", str(path), "--db", db_url])
    assert "已于" in chinese.output and "导入，未作任何更改" in chinese.output


def test_missing_file_is_an_error(db_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "no.csv"
    result = runner.invoke(
        app, ["import", "households", str(missing), "--db", db_url, "--lang", "en"]
    )
    assert result.exit_code == 2
    assert f"file not found: {missing}" in result.output


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
        ["reconcile", "--list", str(path), "--year", "2024", "--db", db_url, "--xlsx", str(out),
         "--lang", "en"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "not_enrolled" in result.output and "duplicate_in_list" in result.output
    summary = {r[0]: r[2] for r in load_workbook(out)["summary"].iter_rows(values_only=True)}
    assert summary["not_enrolled"] == 1 and summary["duplicate_in_list"] == 1
    assert summary["category_mismatch"] == 0


def test_reconcile_rejects_a_bad_list(county: Session, db_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", ["身份证号", "姓名", "贫困属性"], [["1", "x", "富"]])
    result = runner.invoke(
        app, ["reconcile", "--list", str(path), "--year", "2024", "--db", db_url, "--lang", "en"]
    )
    assert result.exit_code == 2
    assert "row 2, column 贫困属性" in result.output
    chinese = runner.invoke(
        app, ["reconcile", "--list", str(path), "--year", "2024", "--db", db_url]
    )
    assert "第2行，列 贫困属性：“富”不是有效的贫困属性" in chinese.output
    assert not re.search(r"[a-z]+_[a-z]+", chinese.output)  # no English codes in Chinese


def _bad_persons(tmp_path: Path) -> Path:
    rows = person_rows(4)
    rows[2][0], _wrong, _right = bad_check(rows[2][0])
    return write_csv(tmp_path / "persons.csv", PERSON_HEADER_ZH, rows)


@pytest.mark.parametrize(
    ("lang", "title", "header", "severity"),
    [
        ("zh_Hans", "问题", ("级别", "行号", "列名", "代码", "说明"), "错误"),
        ("en", "problems", ("severity", "row", "column", "code", "message"), "error"),
    ],
)
def test_errors_workbook_in_the_chosen_language(
    county: Session,
    db_url: str,
    tmp_path: Path,
    lang: str,
    title: str,
    header: tuple[str, ...],
    severity: str,
) -> None:
    path, out = _bad_persons(tmp_path), tmp_path / "e.xlsx"
    result = runner.invoke(
        app, ["import", "persons", str(path), "--db", db_url, "--errors", str(out), "--lang", lang]
    )
    assert result.exit_code == 2
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == title and rows[0][0] == title
    assert rows[2] == header
    assert rows[3][:4] == (severity, 4, "身份证号", "resident_id.check_digit")


def test_errors_csv_keeps_the_english_keys(county: Session, db_url: str, tmp_path: Path) -> None:
    path, out = _bad_persons(tmp_path), tmp_path / "e.csv"
    result = runner.invoke(
        app,
        ["import", "persons", str(path), "--db", db_url, "--errors", str(out), "--lang", "zh_Hans"],
    )
    assert result.exit_code == 2
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "severity,row,column,code,message"
    assert lines[1].startswith("error,4,身份证号,resident_id.check_digit,")


def test_an_unknown_language_is_refused(db_url: str, tmp_path: Path) -> None:
    path = _bad_persons(tmp_path)
    for args in (
        ["import", "persons", str(path)],
        ["reconcile", "--list", str(path), "--year", "2024"],
    ):
        result = runner.invoke(app, [*args, "--db", db_url, "--lang", "fr"])
        assert result.exit_code == 2 and "use zh_Hans or en" in result.output


RECONCILE_LABELS = {
    "zh_Hans": {
        "sheets": ["汇总", "不在人员库", "未参保", "人员类别不一致", "姓名不同", "身份证号疑似录错",
                   "名单内重复", "已死亡"],
        "title": "list.csv：2 行，2024 年度",
        "summary": ("类别", "含义", "数量"),
        "list_rows": ("名单行数", "list.csv，2024 年度", 2),
        "not_enrolled": ("未参保", "在名单上，本年度未参保", 1),
        "findings": ("行号", "身份证号", "姓名", "详情", "处理办法"),
        "finding_title": "名单内重复出现",
        "detail": "与第 2 行重复",
        "action": "从名单中删除重复的行",
    },
    "en": {
        "sheets": ["summary", "not_in_registry", "not_enrolled", "category_mismatch",
                   "name_differs", "likely_id_typo", "duplicate_in_list", "deceased"],
        "title": "list.csv: 2 row(s), year 2024",
        "summary": ("category", "meaning", "count"),
        "list_rows": ("list rows", "list.csv, year 2024", 2),
        "not_enrolled": ("not_enrolled", "on the list, not enrolled this year", 1),
        "findings": ("row", "resident ID", "name", "detail", "what to do"),
        "finding_title": "twice on the list",
        "detail": "also on row 2",
        "action": "remove the repeated row from the list",
    },
}  # fmt: skip


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_reconcile_workbook_in_the_chosen_language(
    county: Session, db_url: str, tmp_path: Path, lang: str
) -> None:
    want = RECONCILE_LABELS[lang]
    rows = person_rows(3)
    people = write_csv(tmp_path / "p.csv", PERSON_HEADER_ZH, rows)
    assert runner.invoke(app, ["import", "persons", str(people), "--db", db_url]).exit_code == 0
    listed = [[rows[0][0], rows[0][1], "低保"], [rows[0][0], rows[0][1], "低保"]]
    path = write_csv(tmp_path / "list.csv", ["身份证号", "姓名", "贫困属性"], listed)
    out = tmp_path / "report.xlsx"
    result = runner.invoke(
        app,
        ["reconcile", "--list", str(path), "--year", "2024", "--db", db_url, "--xlsx", str(out),
         "--lang", lang],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert want["title"] in result.output and want["summary"][1] in result.output
    book = load_workbook(out)
    assert book.sheetnames == want["sheets"]
    summary = list(book[want["sheets"][0]].iter_rows(values_only=True))
    assert summary[0][0] == want["title"]
    assert summary[2] == want["summary"] and summary[3] == want["list_rows"]
    assert summary[5] == want["not_enrolled"]
    duplicates = list(book[want["sheets"][6]].iter_rows(values_only=True))
    assert duplicates[0][0] == want["finding_title"]
    assert duplicates[1][0] == want["list_rows"][1]
    assert duplicates[3] == want["findings"]
    assert duplicates[4] == (3, rows[0][0], rows[0][1], want["detail"], want["action"])
