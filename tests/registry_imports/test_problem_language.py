"""Import problems read in the user's language: every message comes from the catalog, so a
Chinese user reads Chinese (issue 12 point 7); the English stays as it was."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from safetynet.imports import import_file
from safetynet.tabular import write_problems
from tests.registry_imports.helpers import (
    PERSON_HEADER_ZH,
    bad_check,
    person_rows,
    write_csv,
)

LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
# What the user wrote or must type stays as it is: their cells, dates and ID formats.
TYPED = {"YYYY", "MM", "DD", "Excel", "UTF", "GB18030", "CSV", "xlsx", "xls"}


def _bad_file(tmp_path: Path) -> Path:
    rows = person_rows(6)
    rows[1][0], _, _ = bad_check(rows[1][0])  # check digit
    rows[2][2] = "X"  # sex: not a choice
    rows[3][3] = "1990-13-45"  # birth date: not a date
    rows[4][0] = rows[0][0]  # duplicate person
    rows[5][4] = "H999"  # unknown household
    return write_csv(tmp_path / "persons.csv", [*PERSON_HEADER_ZH, "备注"], [
        [*r, ""] for r in rows
    ])  # fmt: skip


def test_every_problem_reads_in_chinese_and_in_english(county: Session, tmp_path: Path) -> None:
    result = import_file(county, "persons", _bad_file(tmp_path))
    assert not result.ok
    codes = {p.code for p in result.problems}
    assert {"resident_id.check_digit", "cell.choice", "row.duplicate", "household.unknown",
            "column.unknown"} <= codes  # fmt: skip
    for p in result.problems:
        zh = p.line("zh_Hans")
        assert re.search(r"[\u4e00-\u9fff]", p.text("zh_Hans")), zh
        words = set(LATIN_WORD.findall(zh)) - TYPED - {str(v) for v in p.params.values()}
        assert not words, (p.code, zh)
        assert p.text("en") == p.message and LATIN_WORD.search(p.message)
    check = next(p for p in result.problems if p.code == "resident_id.check_digit")
    assert check.line("zh_Hans").startswith("第3行，列 身份证号：校验码为")
    assert str(check).startswith("row 3, column 身份证号: check digit is")


def test_the_problems_workbook_is_in_the_chosen_language(county: Session, tmp_path: Path) -> None:
    result = import_file(county, "persons", _bad_file(tmp_path))
    for lang, expected in (("zh_Hans", "校验码为"), ("en", "check digit is")):
        out = write_problems(result.problems, tmp_path / f"e-{lang}.xlsx", lang)
        messages = [
            row[4] for row in load_workbook(out).active.iter_rows(min_row=4, values_only=True)
        ]
        assert any(expected in (m or "") for m in messages), messages
