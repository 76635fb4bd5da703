"""Hostile register files, on both databases: a cell holding a control character (a NUL
was stored on SQLite and failed the whole import on PostgreSQL) and a CSV file cut off
while being written (its last row, short of cells, was imported as if complete) are refused
with row and column, and nothing is written — the same reader serves every import kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from safetynet.imports import import_file
from tests.registry_imports.helpers import PERSON_HEADER_EN, person_rows, table_counts, write_csv


@pytest.mark.parametrize(
    "character", ["\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u200d", "\u200b", "\ufeff"]
)  # C0, DEL, C1, a right-to-left override, zero-width joiner and space, a BOM
def test_a_control_character_in_a_cell_refuses_the_file(
    county: Session, tmp_path: Path, character: str
) -> None:
    rows = person_rows(4)
    rows[1][1] = f"张{character}三"
    path = write_csv(tmp_path / "persons.csv", PERSON_HEADER_EN, rows)
    before = table_counts(county)
    result = import_file(county, "persons", path)
    assert [(e.row, e.code) for e in result.errors] == [(3, "cell.control_character")]
    assert "column name" in str(result.errors[0])
    assert f"U+{ord(character):04X}" in str(result.errors[0])  # the character named
    assert table_counts(county) == before


def test_combining_marks_and_chinese_names_are_not_hidden_characters(
    county: Session, tmp_path: Path
) -> None:
    rows = person_rows(2)
    rows[0][1] = "José"  # e + a combining acute accent: a visible character
    rows[1][1] = "阿依古丽·买买提"
    result = import_file(county, "persons", write_csv(tmp_path / "p.csv", PERSON_HEADER_EN, rows))
    assert not [e for e in result.errors if e.code == "cell.control_character"]


def test_a_csv_file_cut_off_mid_row_is_refused_whole(county: Session, tmp_path: Path) -> None:
    whole = write_csv(tmp_path / "persons.csv", PERSON_HEADER_EN, person_rows(4)).read_bytes()
    cut = whole[: whole.index(b"H002") + 4]  # the third line ends after its household
    before = table_counts(county)
    result = import_file(county, "persons", cut, file_name="persons.csv")
    assert [(e.row, e.code) for e in result.errors] == [(3, "file.cut_short")]  # was imported
    assert table_counts(county) == before
    # the same rows ending with a line break are a file with short rows, judged by columns;
    # a whole file without a final line break is whole
    assert import_file(county, "persons", whole.rstrip(b"\r\n"), file_name="p.csv").ok


def _lines(tmp_path: Path) -> list[bytes]:
    return (
        write_csv(tmp_path / "p.csv", PERSON_HEADER_EN, person_rows(4)).read_bytes().split(b"\r\n")
    )


@pytest.mark.parametrize(
    "formula", ['=HYPERLINK("http://x","a")', "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3"]
)
def test_a_cell_that_starts_like_a_formula_refuses_the_file(
    county: Session, tmp_path: Path, formula: str
) -> None:
    rows = person_rows(4)
    rows[1][1] = formula
    rows[2][7] = "+86 139-0000-0000"  # a phone number and a lone dash are not formulas
    rows[3][5] = "-"
    before = table_counts(county)
    result = import_file(county, "persons", write_csv(tmp_path / "f.csv", PERSON_HEADER_EN, rows))
    assert [(e.row, e.code) for e in result.errors] == [(3, "cell.formula")]
    assert "column name: starts like a spreadsheet formula" in str(result.errors[0])
    assert table_counts(county) == before


def test_a_line_in_another_encoding_is_named(county: Session, tmp_path: Path) -> None:
    lines = _lines(tmp_path)
    mixed = b"\r\n".join([lines[0], lines[1], lines[2].decode().encode("gbk"), *lines[3:]])
    before = table_counts(county)
    result = import_file(county, "persons", mixed, file_name="mixed.csv")
    assert [(e.row, e.code) for e in result.errors] == [(3, "file.mixed_encodings")]
    assert "line 3 is not UTF-8 text though the lines before it are" in str(result.errors[0])
    assert table_counts(county) == before
    whole_gbk = b"\r\n".join(line.decode().encode("gbk") for line in lines)
    assert import_file(county, "persons", whole_gbk, file_name="gbk.csv").ok  # one encoding


def test_a_quotation_mark_left_open_is_named(county: Session, tmp_path: Path) -> None:
    lines = _lines(tmp_path)
    cells = lines[2].decode().split(",")
    cells[1] = '"' + cells[1]
    broken = b"\r\n".join([lines[0], lines[1], ",".join(cells).encode(), *lines[3:]])
    before = table_counts(county)
    result = import_file(county, "persons", broken, file_name="quote.csv")
    assert [(e.row, e.code) for e in result.errors] == [(3, "file.runaway_quote")]
    assert "a quotation mark opens a cell that runs on to line 5" in str(result.errors[0])
    assert table_counts(county) == before


@pytest.mark.parametrize("size", [100_001, 2_000_000])
def test_an_enormous_cell_is_refused_not_a_crash(
    county: Session, tmp_path: Path, size: int
) -> None:
    rows = person_rows(4)
    rows[2][1] = "张" * size
    before = table_counts(county)
    result = import_file(county, "persons", write_csv(tmp_path / "big.csv", PERSON_HEADER_EN, rows))
    assert [(e.row, e.code) for e in result.errors] == [(4, "file.cell_too_long")]
    assert "longer than 100,000 characters" in str(result.errors[0])
    assert table_counts(county) == before


def test_an_excel_zip_bomb_is_refused_before_it_is_unpacked(
    county: Session, tmp_path: Path
) -> None:
    """A workbook of a few hundred kilobytes whose sheet unpacks to 80 MB of rows (a zip
    bomb; the same trick reaches gigabytes) is refused at once, nothing read or written."""
    import io
    import time
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(PERSON_HEADER_EN)
    plain = io.BytesIO()
    book.save(plain)
    row = '<row><c t="inlineStr"><is><t>' + "A" * 64 + "</t></is></c></row>"
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData>' + row * 800_000 + "</sheetData></worksheet>"
    )
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            body = sheet.encode() if item.filename.endswith("sheet1.xml") else src.read(item)
            out.writestr(item.filename, body, compresslevel=9)
    assert path.stat().st_size < 1_000_000
    before = table_counts(county)
    started = time.monotonic()
    result = import_file(county, "persons", path)
    assert time.monotonic() - started < 5
    assert [e.code for e in result.errors] == ["file.xlsx_unpacked_too_large"]
    assert table_counts(county) == before


def test_a_workbook_with_rows_on_a_second_sheet_is_refused_whole(
    county: Session, tmp_path: Path
) -> None:
    """Only the first sheet was read: the rows a clerk put on a second sheet (a register too
    long for one, or split by village) were left out without a word while the first
    sheet's were imported. Refused naming the sheets; an empty extra sheet is no matter."""
    from openpyxl import Workbook

    rows = person_rows(4)
    workbook = Workbook()
    first = workbook.active
    first.append(PERSON_HEADER_EN)
    for row in rows[:2]:
        first.append(row)
    second = workbook.create_sheet("第二页")
    second.append(PERSON_HEADER_EN)
    for row in rows[2:]:
        second.append(row)
    workbook.create_sheet("empty")
    path = tmp_path / "persons.xlsx"
    workbook.save(path)
    before = table_counts(county)
    result = import_file(county, "persons", path)
    assert [e.code for e in result.errors] == ["file.several_sheets"], result.errors
    assert "第二页" in str(result.errors[0]) and "empty" not in str(result.errors[0])
    assert table_counts(county) == before
    del workbook["第二页"]
    workbook.save(path)
    assert import_file(county, "persons", path).ok


def test_merged_cells_are_refused_naming_them(county: Session, tmp_path: Path) -> None:
    """A household's members with their village merged into one cell: only the first
    member's cell holds the value, the others were read as blank (an optional column: stored
    empty, silently). Refused naming the merged range and its first row."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(PERSON_HEADER_EN)
    for row in person_rows(3):
        sheet.append(row)
    column = "ABCDEFGHIJ"[PERSON_HEADER_EN.index("village_code")]
    sheet.merge_cells(f"{column}2:{column}3")
    path = tmp_path / "persons.xlsx"
    workbook.save(path)
    before = table_counts(county)
    result = import_file(county, "persons", path)
    assert [(e.row, e.code) for e in result.errors] == [(2, "file.merged_cells")], result.errors
    assert f"{column}2:{column}3" in str(result.errors[0])
    assert table_counts(county) == before


@pytest.mark.parametrize("kind", ["persons", "households", "poverty", "household-income"])
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_file_of_only_its_header_is_refused(
    county: Session, tmp_path: Path, kind: str, suffix: str
) -> None:
    """A header and no rows (or only blank ones) was imported as "0 rows" and recorded as
    the file imported: refused, nothing written, whatever the kind."""
    from safetynet.imports.batch import KINDS
    from tests.registry_imports.helpers import write_xlsx

    header = [c.field for c in KINDS[kind].COLUMNS]
    path = tmp_path / f"{kind}.{suffix}"
    if suffix == "csv":
        path.write_bytes((",".join(header) + "\r\n\r\n,,\r\n").encode())
    else:
        write_xlsx(path, header, [])
    before = table_counts(county)
    result = import_file(county, kind, path)
    assert [(e.row, e.code) for e in result.errors] == [(None, "file.no_rows")], result.errors
    assert table_counts(county) == before
