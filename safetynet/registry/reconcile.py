"""Reconcile the poverty-alleviation office's list with the registry and a year's enrollment.

The list (CSV or xlsx: resident_id, name, status, optionally birth_date) is compared by Polars
joins against persons and enrollments, each read in one query. Findings fall into the
categories of :class:`Category`, each with a plain "what to do"; the report prints as a table
and writes to xlsx (:mod:`safetynet.exports`) with a summary sheet and one sheet per category.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import write_xlsx
from safetynet.registry.imports.columns import RECONCILE_COLUMNS, STATUS_VALUES, bind
from safetynet.registry.imports.problems import ImportRejected, Severity
from safetynet.registry.imports.reading import read_bytes
from safetynet.registry.imports.values import (
    date_expr,
    parse_choice,
    parse_dates,
    require,
    resident_id_exprs,
)
from safetynet.registry.imports.writing import load_frame
from safetynet.store.models import Enrollment, Person


class Category(StrEnum):
    NOT_IN_REGISTRY = "not_in_registry"
    NOT_ENROLLED = "not_enrolled"
    CATEGORY_MISMATCH = "category_mismatch"
    NAME_DIFFERS = "name_differs"
    LIKELY_ID_TYPO = "likely_id_typo"
    DUPLICATE_IN_LIST = "duplicate_in_list"
    DECEASED = "deceased"


TITLES = {
    Category.NOT_IN_REGISTRY: "on the list, not in the registry",
    Category.NOT_ENROLLED: "on the list, not enrolled this year",
    Category.CATEGORY_MISMATCH: "enrolled with another category",
    Category.NAME_DIFFERS: "ID matches, name differs",
    Category.LIKELY_ID_TYPO: "name and birth date match, ID differs",
    Category.DUPLICATE_IN_LIST: "twice on the list",
    Category.DECEASED: "deceased",
}
ACTIONS = {
    Category.NOT_IN_REGISTRY: "register the person (persons import) or correct the ID on the list",
    Category.NOT_ENROLLED: "enroll the person for the year, or record why not",
    Category.CATEGORY_MISMATCH: "correct the enrollment category, or ask the office to correct "
    "the list",
    Category.NAME_DIFFERS: "check the ID card; correct the name on the list or in the registry",
    Category.LIKELY_ID_TYPO: "the list's ID is probably mistyped: correct it to the registry's",
    Category.DUPLICATE_IN_LIST: "remove the repeated row from the list",
    Category.DECEASED: "remove the person from the list and close the poverty status",
}


@dataclass(frozen=True, slots=True)
class Finding:
    category: Category
    row: int  # row of the list file (header = 1)
    resident_id: str | None
    name: str | None
    detail: str  # the facts found
    action: str  # what to do


@dataclass
class ReconcileReport:
    year: int
    file_name: str
    list_rows: int
    findings: list[Finding] = field(default_factory=list)

    def counts(self) -> dict[Category, int]:
        found = Counter(f.category for f in self.findings)
        return {c: found.get(c, 0) for c in Category}

    def of(self, category: Category) -> list[Finding]:
        return [f for f in self.findings if f.category is category]


def _read_list(source: str | Path | bytes, file_name: str | None) -> tuple[pl.DataFrame, str]:
    if isinstance(source, bytes):
        data, name = source, file_name or "list.csv"
    else:
        data, name = Path(source).read_bytes(), file_name or Path(source).name
    bound = bind(read_bytes(data, name), RECONCILE_COLUMNS)
    problems = bound.problems
    if not any(p.severity is Severity.ERROR for p in problems):
        problems += require(bound, "name")
        problems += parse_choice(bound, "status", STATUS_VALUES, "poverty status")
        problems += parse_dates(bound, "birth_date")
    if any(p.severity is Severity.ERROR for p in problems):
        raise ImportRejected(problems)
    rid = pl.col("resident_id").str.strip_chars().str.to_uppercase()
    from_id = date_expr(rid.str.slice(6, 8))
    given_birth = pl.col("birth_date") if bound.has("birth_date") else pl.lit(None, pl.Date)
    status = pl.col("status") if bound.has("status") else pl.lit(None, pl.String)
    frame = bound.frame.select(
        "_row",
        rid.alias("resident_id"),
        pl.col("name").str.replace_all(r"\s", ""),
        status.alias("status"),
        pl.coalesce(given_birth, from_id).alias("birth"),
        resident_id_exprs(rid, date.today())[1].alias("_valid"),
    )
    return frame, name


def _findings(frame: pl.DataFrame, category: Category, detail: pl.Expr) -> list[Finding]:
    rows = frame.select("_row", "resident_id", "name", detail.alias("_detail")).rows()
    return [Finding(category, r, rid, n, d or "", ACTIONS[category]) for r, rid, n, d in rows]


def reconcile(
    session: Session, source: str | Path | bytes, year: int, *, file_name: str | None = None
) -> ReconcileReport:
    """Compare a list with the registry and the enrollment of ``year``; raise on a bad list."""
    listed, name = _read_list(source, file_name)
    persons = load_frame(
        session,
        {"person_id": Person.id, "reg_id": Person.resident_id, "reg_name": Person.name,
         "reg_birth": Person.birth_date, "deceased_on": Person.deceased_on},
        {"person_id": pl.Int64, "reg_id": pl.String, "reg_name": pl.String,
         "reg_birth": pl.Date, "deceased_on": pl.Date},
    ).with_columns(pl.col("reg_name").str.replace_all(r"\s", ""))  # fmt: skip
    enrolled = load_frame(
        session,
        {"person_id": Enrollment.person_id, "category": Enrollment.category},
        {"person_id": pl.Int64, "category": pl.String},
        Enrollment.year == year,
    )
    report = ReconcileReport(year, name, listed.height)
    out = report.findings

    first = pl.col("_row").min().over("resident_id")
    listed = listed.with_columns(
        pl.when(pl.col("resident_id").is_not_null()).then(first).otherwise(pl.col("_row"))
        .alias("_first")
    )  # fmt: skip
    repeats = listed.filter(pl.col("_row") != pl.col("_first"))
    out += _findings(repeats, Category.DUPLICATE_IN_LIST,
                     pl.format("also on row {}", pl.col("_first")))  # fmt: skip
    unique = listed.filter(pl.col("_row") == pl.col("_first"))

    joined = unique.join(persons, left_on="resident_id", right_on="reg_id", how="left")
    unknown = joined.filter(pl.col("person_id").is_null()).select(unique.columns)
    typo = (
        unknown.join(
            persons, left_on=["name", "birth"], right_on=["reg_name", "reg_birth"], how="inner"
        )
        .group_by("_row", "resident_id", "name")
        .agg(pl.col("reg_id").sort().str.join(", ").alias("reg_ids"))
        .sort("_row")
    )
    out += _findings(typo, Category.LIKELY_ID_TYPO,
                     pl.format("the registry has this name and birth date under ID {}",
                               pl.col("reg_ids")))  # fmt: skip
    missing = unknown.filter(~pl.col("_row").is_in(typo["_row"].implode()))
    absent = pl.when("_valid").then(pl.lit("no person with this resident ID in the registry"))
    absent = absent.otherwise(pl.lit("not a valid resident ID; no person has it in the registry"))
    out += _findings(missing, Category.NOT_IN_REGISTRY, absent)

    known = joined.filter(pl.col("person_id").is_not_null()).join(
        enrolled, on="person_id", how="left"
    )
    out += _findings(known.filter(pl.col("name") != pl.col("reg_name")), Category.NAME_DIFFERS,
                     pl.format("the registry's name is {}", pl.col("reg_name")))  # fmt: skip
    out += _findings(known.filter(pl.col("deceased_on").is_not_null()), Category.DECEASED,
                     pl.format("died on {}", pl.col("deceased_on")))  # fmt: skip
    alive = pl.col("deceased_on").is_null() | (pl.col("deceased_on").dt.year() >= year)
    out += _findings(known.filter(pl.col("category").is_null() & alive), Category.NOT_ENROLLED,
                     pl.lit(f"no enrollment for {year}"))  # fmt: skip
    differs = pl.col("status").is_not_null() & (pl.col("status") != pl.col("category"))
    mismatch = pl.format("enrolled as {}, the list says {}", pl.col("category"), pl.col("status"))
    out += _findings(known.filter(differs), Category.CATEGORY_MISMATCH, mismatch)
    out.sort(key=lambda f: (list(Category).index(f.category), f.row))
    return report


XLSX_HEADERS = ("row", "resident ID", "name", "detail", "what to do")
FINDING_COLUMNS = [
    Column("row", XLSX_HEADERS[0], "count", 8),
    Column("resident_id", XLSX_HEADERS[1], "text", 22),
    Column("name", XLSX_HEADERS[2], "text", 12),
    Column("detail", XLSX_HEADERS[3], "text", 60),
    Column("action", XLSX_HEADERS[4], "text", 60),
]
SUMMARY_COLUMNS = [
    Column("category", "category", "text", 36),
    Column("meaning", "meaning", "text", 36),
    Column("count", "count", "count"),
]


def report_tables(report: ReconcileReport) -> list[Table]:
    """A summary table (the list's rows, then the count of each category) and one table of
    findings per category, named by the category."""
    source = f"{report.file_name}, year {report.year}"
    summary = [("list rows", source, report.list_rows)]
    summary += [(c.value, TITLES[c], n) for c, n in report.counts().items()]
    title = f"{report.file_name}: {report.list_rows} row(s), year {report.year}"
    tables = [Table(title, SUMMARY_COLUMNS, list(summary), sheet="summary")]
    for category in Category:
        rows = [(f.row, f.resident_id, f.name, f.detail, f.action) for f in report.of(category)]
        tables.append(
            Table(TITLES[category], FINDING_COLUMNS, list(rows), note=source, sheet=category.value)
        )
    return tables


def report_to_xlsx(report: ReconcileReport, path: str | Path) -> Path:
    """The report's tables as a workbook: the summary sheet, then one sheet per category."""
    path = Path(path)
    write_xlsx(report_tables(report), path)
    return path
