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
