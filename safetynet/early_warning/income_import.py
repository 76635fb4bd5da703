"""Import household incomes of a year (declared by the household or reported by the poverty
office) through the registry's all-or-nothing import: every row checked, problems by row and
column, nothing written when one is wrong.

Rows are never overwritten: a household's income of a year that differs from the one in force
(the latest recorded) is added as a new row, so the earlier figures stay as its history; the
same figure again changes nothing.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from safetynet.codes import IncomeSource
from safetynet.i18n import N_
from safetynet.store.models import HouseholdIncome
from safetynet.tabular import lookups
from safetynet.tabular.columns import HOUSEHOLD_NO, Bound, Column
from safetynet.tabular.problems import Problem, error
from safetynet.tabular.reading import Progress
from safetynet.tabular.values import (
    _failing,
    duplicates,
    parse_choice,
    require,
    too_long,
    unknown_keys,
)
from safetynet.tabular.writing import Counts, bulk_insert, load_frame

COLUMNS = (
    Column("household_no", HOUSEHOLD_NO.aliases, True),
    Column("year", ("年度", "年份"), True, numeric=True),
    Column("income", ("家庭年收入", "家庭纯收入", "年收入"), True, numeric=True),
    Column("source", ("来源", "收入来源"), True),
    Column("reference", ("文号", "表单编号")),
)
SOURCES = {
    "申报": IncomeSource.DECLARED,
    "农户申报": IncomeSource.DECLARED,
    "declared": IncomeSource.DECLARED,
    "扶贫办": IncomeSource.POVERTY_OFFICE,
    "扶贫部门": IncomeSource.POVERTY_OFFICE,
    "乡村振兴局": IncomeSource.POVERTY_OFFICE,
    "poverty_office": IncomeSource.POVERTY_OFFICE,
}
YUAN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"  # no sign, no exponent: 0 to 9,999,999,999.99
_YUAN = YUAN
_YEAR = r"^(19|20)[0-9][0-9]$"
RECORDED_BY = "import"


def validate(session: Session, bound: Bound) -> tuple[pl.DataFrame, list[Problem]]:
    problems = require(bound, "household_no", "year", "income", "source")
    problems += too_long(bound, {"reference": 128})
    problems += parse_choice(bound, "source", SOURCES, N_("income source"))
    for name, pattern, template in (
        ("year", _YEAR, N_('"%(value)s" is not a year such as 2024')),
        ("income", _YUAN, N_('"%(value)s" is not an amount in yuan such as 12000 or 12000.50')),
    ):
        src = pl.col(name).str.strip_chars()
        bad = _failing(bound, src.is_not_null() & ~src.str.contains(pattern), name)
        problems += [
            error(r["_row"], bound.header[name], "cell.number", template, value=r[name])
            for r in bad
        ]
    homes = lookups.households(session)
    problems += unknown_keys(
        bound, "household_no", homes["number"], "household.unknown",
        N_("the registry has no household %(value)s; import the households first"),
    )  # fmt: skip
    problems += duplicates(
        bound, ["household_no", "year"], "household_no",
        N_("household %(value)s has an income of the same year on row %(first)s; "
           "give each household's year only once"),
    )  # fmt: skip
    reference = pl.col("reference") if bound.has("reference") else pl.lit(None, pl.String)
    yuan = pl.col("income").str.strip_chars()
    prepared = (
        bound.frame.filter(yuan.str.contains(_YUAN) & pl.col("year").str.contains(_YEAR))
        .join(homes.select(pl.col("number").alias("household_no"), pl.col("id")), on="household_no")
        .select(
            pl.col("id").alias("household_id"),
            pl.col("year").str.strip_chars().cast(pl.Int64),
            (yuan.cast(pl.Decimal(14, 2)) * 100).cast(pl.Int64).alias("income_fen"),
            "source",
            reference.alias("reference"),
        )
    )
    return prepared, problems


def in_force(session: Session) -> pl.DataFrame:
    """Each household's income per year in force: the latest recorded row."""
    H = HouseholdIncome
    rows = load_frame(
        session,
        {"id": H.id, "household_id": H.household_id, "year": H.year,
         "income_fen": H.income_fen, "source": H.source},
        {"id": pl.Int64, "household_id": pl.Int64, "year": pl.Int64, "income_fen": pl.Int64,
         "source": pl.String},
    )  # fmt: skip
    return rows.sort("id").group_by("household_id", "year").last()


def write(
    session: Session, prepared: pl.DataFrame, bound: Bound, progress: Progress | None
) -> Counts:
    current = in_force(session).select("household_id", "year", "income_fen", "source")
    unchanged = prepared.join(
        current, on=["household_id", "year", "income_fen", "source"], how="semi"
    )
    new = prepared.join(unchanged, on=["household_id", "year"], how="anti").with_columns(
        pl.lit(RECORDED_BY).alias("recorded_by")
    )
    columns = ["household_id", "year", "income_fen", "source", "reference", "recorded_by"]
    inserted = bulk_insert(session, HouseholdIncome, new, columns, progress)
    return Counts(inserted=inserted, updated=0, unchanged=unchanged.height)
