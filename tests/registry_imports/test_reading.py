"""Reading files: encodings, Excel cells, header matching; problem export; vectorised ID check."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.imports import import_file
from safetynet.registry.imports.resident_ids import resident_id_exprs
from safetynet.registry.resident_id import ResidentIdError, check_char, parse_resident_id
from safetynet.store.models import Person
from safetynet.tabular import problems_to_csv, problems_to_xlsx
from safetynet.tabular.reading import read_bytes
from tests.registry_imports.helpers import (
    PERSON_HEADER_ZH,
    make_id,
    person_rows,
    write_csv,
)


def test_gb18030_csv_with_chinese_headers(county: Session, tmp_path: Path) -> None:
    rows = person_rows(5)
    rows[0][1] = "欧阳䶮"  # a rare character outside GBK, inside GB18030
    path = write_csv(tmp_path / "gb.csv", PERSON_HEADER_ZH, rows, encoding="gb18030")
    result = import_file(county, "persons", path)
    assert result.ok, result.errors
    names = set(county.scalars(select(Person.name)))
    assert {"欧阳䶮", "张1", "张4"} <= names


def test_utf8_with_bom_and_blank_rows_keep_row_numbers(tmp_path: Path) -> None:
    text = "身份证号,姓名\n1,a\n,\n\n2,b\n"
    sheet = read_bytes(text.encode("utf-8-sig"), "x.csv")
    assert sheet.headers == ["身份证号", "姓名"]
    assert sheet.frame["_row"].to_list() == [2, 5]
    assert sheet.frame["c1"].to_list() == ["a", "b"]


def test_filled_cells_beyond_the_headers_are_errors() -> None:
    sheet = read_bytes(b"a,b\n1,2\n3,4,5\n6,7,,\n", "x.csv")
    assert [(p.row, p.code) for p in sheet.problems] == [(3, "row.extra_cells")]


def test_xlsx_cells_dates_and_numbers(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["resident_id", "birth_date", "phone"])
    sheet.append([341821198001010011, date(1980, 1, 1), 13900000000])
    workbook.save(tmp_path / "x.xlsx")
    read = read_bytes((tmp_path / "x.xlsx").read_bytes(), "x.xlsx")
    assert read.frame.row(0)[1:] == ("1980-01-01", "13900000000", 2)
    assert read.long_numbers == {(2, 0)}  # an 18-digit number: Excel has already lost digits


def test_ids_stored_as_numbers_get_a_hint(county: Session, tmp_path: Path) -> None:
    rows = person_rows(3)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(PERSON_HEADER_ZH)
    for row in rows:
        sheet.append(row)
    sheet["A3"] = float(rows[1][0])  # Excel turned the ID into a number and lost digits
    workbook.save(tmp_path / "p.xlsx")
    result = import_file(county, "persons", tmp_path / "p.xlsx")
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (3, "身份证号", "resident_id.number")
    ]
    assert "15 digits" in result.errors[0].message


def test_problems_export_to_xlsx_and_csv(county: Session, tmp_path: Path) -> None:
    rows = person_rows(4)
    rows[2][4] = "H404"
    result = import_file(county, "persons", write_csv(tmp_path / "p.csv", PERSON_HEADER_ZH, rows))
    problems_to_xlsx(result.problems, tmp_path / "problems.xlsx")
    sheet = load_workbook(tmp_path / "problems.xlsx").active
    cells = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "problems" and cells[0][0] == "problems"  # title row, blank row
    assert cells[2] == ("severity", "row", "column", "code", "message")
    assert [c[:4] for c in cells[3:]] == [
        (p.severity.value, p.row, p.column, p.code) for p in result.problems
    ]
    assert cells[3][:4] == ("error", 4, "户编号", "household.unknown")
    assert cells[3][4] == result.problems[0].message
    assert sheet["B4"].number_format == "#,##0" and sheet.freeze_panes == "A4"
    problems_to_csv(result.problems, tmp_path / "problems.csv")
    text = (tmp_path / "problems.csv").read_text(encoding="utf-8-sig")
    assert "error,4,户编号,household.unknown" in text


def test_english_headers_match_loosely() -> None:
    from safetynet.tabular.columns import PERSON_COLUMNS, bind

    sheet = read_bytes(b"Resident ID,NAME,household-no,notes\n1,a,H\n", "x.csv")
    bound = bind(sheet, PERSON_COLUMNS)
    assert bound.header == {"resident_id": "Resident ID", "name": "NAME",
                            "household_no": "household-no"}  # fmt: skip
    assert [(p.column, p.code) for p in bound.problems] == [("notes", "column.unknown")]


def _canonical(text: str) -> tuple[bool, date | None, str | None]:
    try:
        rid = parse_resident_id(text, today=date(2026, 1, 1))
    except ResidentIdError:
        return False, None, None
    return True, rid.birth_date, rid.sex.value


ids = st.one_of(
    st.text(alphabet="0123456789X", min_size=16, max_size=19),
    st.builds(
        lambda region, born, seq: (lambda b: b + check_char(b))(f"{region}{born:%Y%m%d}{seq:03d}"),
        st.text(alphabet="0123456789", min_size=6, max_size=6),  # ASCII digits only
        st.dates(date(1850, 1, 1), date(2030, 1, 1)),
        st.integers(0, 999),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ids, min_size=1, max_size=20))
def test_vectorised_id_check_agrees_with_parse_resident_id(numbers: list[str]) -> None:
    _, valid, born, sex = resident_id_exprs(pl.col("x"), date(2026, 1, 1))
    frame = pl.DataFrame({"x": numbers}).select(valid.alias("v"), born.alias("b"), sex.alias("s"))
    for text, (ok, b, s) in zip(numbers, frame.iter_rows(), strict=True):
        want_ok, want_b, want_s = _canonical(text)
        assert ok == want_ok, text
        if ok:
            assert (b, s) == (want_b, want_s)


def test_make_id_is_valid() -> None:
    assert make_id("19800101", 1)[-1] == check_char(make_id("19800101", 1)[:17])


HOSTILE_CELLS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+cmd|' /C calc'!A0", "@SUM(1)",
                 "-2+3+cmd", "\t=1+1"]  # fmt: skip


def test_the_error_report_csv_runs_no_formula(county: Session, tmp_path: Path) -> None:
    """A rejected file's hostile headers and values come back in the clerk's error report
    (the column as written, the value in the message): every cell is written inert."""
    import csv
    import io

    from safetynet.exports.csv_file import FORMULA_START

    rows = person_rows(3)
    rows[0][4] = "H404"  # an error row, so the file is rejected
    rows[1][1] = HOSTILE_CELLS[0]
    header = [*PERSON_HEADER_ZH, *HOSTILE_CELLS]  # unknown columns, named as written
    rows = [[*r, *["x"] * len(HOSTILE_CELLS)] for r in rows]
    result = import_file(county, "persons", write_csv(tmp_path / "p.csv", header, rows))
    assert not result.ok
    assert {p.column for p in result.problems} >= set(HOSTILE_CELLS) - {"\t=1+1"}
    problems_to_csv(result.problems, tmp_path / "problems.csv")
    text = (tmp_path / "problems.csv").read_text(encoding="utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert len(cells) > 10 and any(c.startswith("'=HYPERLINK") for c in cells)
    bad = [c for c in cells if c.lstrip(" ").startswith(FORMULA_START) or c[:1] in "\t\r"]
    assert bad == []
