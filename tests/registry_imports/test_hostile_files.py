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


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f"])
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
    assert table_counts(county) == before


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
