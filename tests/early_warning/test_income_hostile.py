"""Hostile rows in the household-income import, on both databases: huge or negative
incomes, years far out, overlong or formula-looking text — refused whole, with the row and
the column, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.imports import import_file
from safetynet.store.models import HouseholdIncome

HEADER = "户编号,年度,家庭年收入,来源,文号\nH001,2018,24000,农户申报,\n"


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("H002,2018,99999999999999999999,扶贫办,", "家庭年收入"),
        ("H002,2018,1e30,扶贫办,", "家庭年收入"),
        ("H002,2018,-5000,扶贫办,", "家庭年收入"),
        ("H002,99999,18000,扶贫办,", "年度"),
        ("H002,1,18000,扶贫办,", "年度"),
        ("H002,2018,18000,扶贫办," + "F" * 500, "文号"),
    ],
)
def test_hostile_income_rows_are_refused_whole(county: Session, row: str, column: str) -> None:
    result = import_file(county, "household-income", (HEADER + row + "\n").encode(),
                         file_name="income.csv")  # fmt: skip
    assert result.inserted == 0 and result.errors, f"{row[:40]} was imported"
    assert (3, column) in {(p.row, p.column) for p in result.errors}, [
        str(p) for p in result.errors
    ]
    assert county.scalar(select(HouseholdIncome.id)) is None


def test_formula_looking_references_are_refused(county: Session) -> None:
    """A cell a spreadsheet would run as a formula is refused with its row and column (the
    reader's rule for every import kind, safetynet/tabular/reading.py), nothing written."""
    row = 'H002,2018,18000,扶贫办,=HYPERLINK("http://x")\n'
    result = import_file(county, "household-income", (HEADER + row).encode(), file_name="f.csv")
    assert [(e.row, e.code) for e in result.errors] == [(3, "cell.formula")]
    assert county.scalar(select(HouseholdIncome.id)) is None
