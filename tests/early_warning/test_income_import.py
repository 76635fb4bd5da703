"""Household income import: all or nothing with row/column problems; history kept."""

from __future__ import annotations

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.early_warning.income_import import in_force
from safetynet.imports import import_file
from safetynet.store.models import HouseholdIncome

GOOD = (
    "户编号,年度,家庭年收入,来源,文号\nH001,2018,24000,农户申报,\nH002,2018,18000.50,扶贫办,F-7\n"
)


def test_income_imported_in_fen_with_its_source(county: Session) -> None:
    result = import_file(county, "household-income", GOOD.encode(), file_name="income.csv")
    assert not result.errors and result.inserted == 2
    rows = county.execute(
        select(
            HouseholdIncome.income_fen, HouseholdIncome.source, HouseholdIncome.reference
        ).order_by(HouseholdIncome.income_fen)
    ).all()
    assert [(r[0], r[1].value, r[2]) for r in rows] == [
        (1_800_050, "poverty_office", "F-7"),
        (2_400_000, "declared", None),
    ]


def test_a_bad_row_rejects_the_whole_file_naming_row_and_column(county: Session) -> None:
    bad = GOOD + "H009,2018,100,申报,\nH003,18,12k,朋友,\n"
    result = import_file(county, "household-income", bad.encode(), file_name="bad.csv")
    assert result.inserted == 0
    found = {(p.row, p.column, p.code) for p in result.errors}
    assert (4, "户编号", "household.unknown") in found
    assert (5, "年度", "cell.number") in found
    assert (5, "家庭年收入", "cell.number") in found
    assert (5, "来源", "cell.choice") in found
    assert county.scalar(select(HouseholdIncome.id)) is None


def test_a_new_figure_is_added_and_the_old_one_kept_as_history(county: Session) -> None:
    import_file(county, "household-income", GOOD.encode(), file_name="a.csv")
    again = GOOD.replace("24000", "21000")
    result = import_file(county, "household-income", again.encode(), file_name="b.csv")
    assert (result.inserted, result.unchanged) == (1, 1)
    current = in_force(county).sort("income_fen")
    assert current["income_fen"].to_list() == [1_800_050, 2_100_000]
    assert county.query(HouseholdIncome).count() == 3
    assert pl.Series([2_400_000]).is_in([r.income_fen for r in county.query(HouseholdIncome)]).all()


def test_full_width_numbers_import_as_on_the_forms(county: Session) -> None:
    """A year and an income typed on a Chinese input method (full-width digits and point)
    are read as the forms read them (safetynet.numerals), not refused."""
    wide = "户编号,年度,家庭年收入,来源,文号\nH001,２０１８,２４０００．５０,农户申报,\n"
    result = import_file(county, "household-income", wide.encode(), file_name="wide.csv")
    assert not result.errors and result.inserted == 1
    assert county.scalar(select(HouseholdIncome.income_fen)) == 2_400_050
    assert county.scalar(select(HouseholdIncome.year)) == 2018
    arabic = "户编号,年度,家庭年收入,来源,文号\nH002,2018,٣٠٠٠,农户申报,\n"
    refused = import_file(county, "household-income", arabic.encode(), file_name="ar.csv")
    assert refused.inserted == 0 and {p.code for p in refused.errors} == {"cell.number"}
