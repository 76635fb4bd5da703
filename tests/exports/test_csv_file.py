"""The CSV rule of files for other systems (the bank's file): a hostile name keeps the
columns and the lines, and never becomes a formula in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest

from safetynet.exports.csv_file import FORMULA_START, csv_text, inert

HOSTILE = [
    'Li, "Ming"', "line\nbreak", "cr\rhere", "tab\there", '=HYPERLINK("http://evil","x")',
    "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1+1", " =1", "\u2028=1",
]  # fmt: skip


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_keeps_its_row_and_is_no_formula(name: str) -> None:
    text = csv_text(["code", "name", "amount"], [["H1", name, "12.50"], ["H2", "县医院", "1.00"]])
    lines = text.splitlines()
    assert len(lines) == 3  # one record per line
    rows = list(csv.reader(io.StringIO(text)))
    assert [len(r) for r in rows] == [3, 3, 3]
    assert rows[1][0] == "H1" and rows[1][2] == "12.50" and rows[2] == ["H2", "县医院", "1.00"]
    assert not rows[1][1].lstrip(" ").startswith(FORMULA_START)
    assert all(line.startswith('"') and line.endswith('"') for line in lines)  # all quoted


def test_plain_names_and_amounts_are_kept_as_they_are() -> None:
    assert inert("县人民医院") == "县人民医院" and inert("12.50") == "12.50"
    assert inert("=1") == "'=1" and inert("a\nb") == "a b"


# --- a Polars frame's CSV: the one writer, the same rule, and nobody else writes one ---

FRAME_HOSTILE = [*HOSTILE, "\r=1", "\t", "-", "\x85@x", "  +1"]


@pytest.mark.parametrize("name", FRAME_HOSTILE)
def test_a_frame_is_written_by_the_same_rule(name: str) -> None:
    import polars as pl

    from safetynet.exports.csv_file import inert_frame, write_frame_csv

    frame = pl.DataFrame({"name": [name, "县医院", None], "fen": [-120, 5, 7]})
    guarded = inert_frame(frame)
    assert guarded["name"].to_list() == [inert(name), "县医院", None]  # Python and Polars agree
    assert guarded["fen"].to_list() == [-120, 5, 7]  # numbers are no text: kept, minus and all
    text = write_frame_csv(frame)
    assert text is not None
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4 and rows[1][1] == "-120"
    cell = rows[1][0]
    assert not cell.lstrip(" ").startswith(FORMULA_START) and "\n" not in cell
    assert not cell.startswith(("\t", "\r"))


def test_a_leading_tab_or_cr_is_marked() -> None:
    assert inert("\t=1").startswith("'") and inert("\rcmd").startswith("'")
    assert inert("\t").startswith("'") and inert("a\tb") == "a b"


def test_no_module_but_the_one_writer_calls_write_csv() -> None:
    """Every CSV of a frame goes through ``write_frame_csv`` (formula-guarded)."""
    import re
    from pathlib import Path

    import safetynet

    root = Path(safetynet.__file__).parent
    writer = root / "exports" / "csv_file.py"
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        if path != writer
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.(write_csv|sink_csv)\(", line)
    ]
    assert found == []
    assert ".write_csv(" in writer.read_text(encoding="utf-8")
