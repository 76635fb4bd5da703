"""Reconcile the poverty-alleviation office's list with the registry and a year's enrollment.

The list (CSV or xlsx: resident_id, name, status, optionally birth_date) is compared by Polars
joins against persons and enrollments, each read in one query. Findings fall into the
categories of :class:`Category`, each with a plain "what to do"; the report prints as a table
and writes to xlsx (:mod:`safetynet.exports`) with a summary sheet and one sheet per category.
The labels are English message ids translated where shown (the Chinese in messages.po); the
findings' details and actions are written in the language asked of :func:`reconcile`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import write_xlsx
from safetynet.i18n import N_, gettext_for, normalize
from safetynet.registry.alive import alive_during
from safetynet.registry.imports.resident_ids import resident_id_exprs
from safetynet.store.models import Enrollment, Person
from safetynet.tabular.columns import RECONCILE_COLUMNS, STATUS_VALUES, bind
from safetynet.tabular.problems import ImportRejected, Severity
from safetynet.tabular.reading import read_bytes
from safetynet.tabular.values import (
    date_expr,
    parse_choice,
    parse_dates,
    require,
)
from safetynet.tabular.writing import load_frame


class Category(StrEnum):
    NOT_IN_REGISTRY = "not_in_registry"
    NOT_ENROLLED = "not_enrolled"
    CATEGORY_MISMATCH = "category_mismatch"
    NAME_DIFFERS = "name_differs"
    LIKELY_ID_TYPO = "likely_id_typo"
    DUPLICATE_IN_LIST = "duplicate_in_list"
    DECEASED = "deceased"


# A category's sheet in the workbook (in English its key; short enough for Excel's 31).
SHEETS = {
    Category.NOT_IN_REGISTRY: N_("not_in_registry"),
    Category.NOT_ENROLLED: N_("not_enrolled"),
    Category.CATEGORY_MISMATCH: N_("category_mismatch"),
    Category.NAME_DIFFERS: N_("name_differs"),
    Category.LIKELY_ID_TYPO: N_("likely_id_typo"),
    Category.DUPLICATE_IN_LIST: N_("duplicate_in_list"),
    Category.DECEASED: N_("deceased"),
}
TITLES = {
    Category.NOT_IN_REGISTRY: N_("on the list, not in the registry"),
    Category.NOT_ENROLLED: N_("on the list, not enrolled this year"),
    Category.CATEGORY_MISMATCH: N_("enrolled with another category"),
    Category.NAME_DIFFERS: N_("ID matches, name differs"),
    Category.LIKELY_ID_TYPO: N_("name and birth date match, ID differs"),
    Category.DUPLICATE_IN_LIST: N_("twice on the list"),
    Category.DECEASED: N_("deceased"),
}
ACTIONS = {
    Category.NOT_IN_REGISTRY: N_(
        "register the person (persons import) or correct the ID on the list"
    ),
    Category.NOT_ENROLLED: N_("enroll the person for the year, or record why not"),
    Category.CATEGORY_MISMATCH: N_(
        "correct the enrollment category, or ask the office to correct the list"
    ),
    Category.NAME_DIFFERS: N_("check the ID card; correct the name on the list or in the registry"),
    Category.LIKELY_ID_TYPO: N_("the list's ID is probably mistyped: correct it to the registry's"),
    Category.DUPLICATE_IN_LIST: N_("remove the repeated row from the list"),
    Category.DECEASED: N_("remove the person from the list and close the poverty status"),
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
    locale: str = "en"  # the language of the findings' details and actions, and of the tables

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
        resident_id_exprs(rid, local_today())[1].alias("_valid"),
    )
    return frame, name


def _format(message: str, **values: pl.Expr) -> pl.Expr:
    """A translated message with ``%(name)s`` placeholders as a Polars string expression."""
    names = re.findall(r"%\((\w+)\)s", message)
    if not names:
        return pl.lit(message)
    return pl.format(re.sub(r"%\(\w+\)s", "{}", message), *(values[n] for n in names))


def reconcile(
    session: Session,
    source: str | Path | bytes,
    year: int,
    *,
    file_name: str | None = None,
    locale: str = "en",
) -> ReconcileReport:
    """Compare a list with the registry and the enrollment of ``year``; raise on a bad list.
    The findings' details and actions are written in ``locale``."""
    _ = gettext_for(locale)

    def _findings(frame: pl.DataFrame, category: Category, detail: pl.Expr) -> list[Finding]:
        rows = frame.select("_row", "resident_id", "name", detail.alias("_detail")).rows()
        action = _(ACTIONS[category])
        return [Finding(category, r, rid, n, d or "", action) for r, rid, n, d in rows]

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
    report = ReconcileReport(year, name, listed.height, locale=normalize(locale))
    out = report.findings

    first = pl.col("_row").min().over("resident_id")
    listed = listed.with_columns(
        pl.when(pl.col("resident_id").is_not_null()).then(first).otherwise(pl.col("_row"))
        .alias("_first")
    )  # fmt: skip
    repeats = listed.filter(pl.col("_row") != pl.col("_first"))
    out += _findings(repeats, Category.DUPLICATE_IN_LIST,
                     _format(_("also on row %(row)s"), row=pl.col("_first")))  # fmt: skip
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
                     _format(_("the registry has this name and birth date under ID %(ids)s"),
                             ids=pl.col("reg_ids")))  # fmt: skip
    missing = unknown.filter(~pl.col("_row").is_in(typo["_row"].implode()))
    absent = pl.when("_valid").then(pl.lit(_("no person with this resident ID in the registry")))
    absent = absent.otherwise(
        pl.lit(_("not a valid resident ID; no person has it in the registry"))
    )
    out += _findings(missing, Category.NOT_IN_REGISTRY, absent)

    known = joined.filter(pl.col("person_id").is_not_null()).join(
        enrolled, on="person_id", how="left"
    )
    out += _findings(known.filter(pl.col("name") != pl.col("reg_name")), Category.NAME_DIFFERS,
                     _format(_("the registry's name is %(name)s"),
                             name=pl.col("reg_name")))  # fmt: skip
    out += _findings(known.filter(pl.col("deceased_on").is_not_null()), Category.DECEASED,
                     _format(_("died on %(date)s"), date=pl.col("deceased_on")))  # fmt: skip
    # alive at some time in the year: the day of death is not a day alive (enrollment does not
    # count a person on it), so a death on 1 January leaves nobody to enroll that year; nor a
    # birth after 31 December
    alive = alive_during(date(year, 1, 1), date(year, 12, 31), birth_date="reg_birth")
    out += _findings(known.filter(pl.col("category").is_null() & alive), Category.NOT_ENROLLED,
                     pl.lit(_("no enrollment for %(year)s") % {"year": year}))  # fmt: skip
    differs = pl.col("status").is_not_null() & (pl.col("status") != pl.col("category"))
    mismatch = _format(_("enrolled as %(category)s, the list says %(status)s"),
                       category=pl.col("category"), status=pl.col("status"))  # fmt: skip
    out += _findings(known.filter(differs), Category.CATEGORY_MISMATCH, mismatch)
    out.sort(key=lambda f: (list(Category).index(f.category), f.row))
    return report


FINDING_COLUMNS = [
    Column("row", N_("row"), "count", 8),
    Column("resident_id", N_("resident ID"), "text", 22),
    Column("name", N_("name"), "text", 12),
    Column("detail", N_("detail"), "text", 60),
    Column("action", N_("what to do"), "text", 60),
]
XLSX_HEADERS = tuple(c.label for c in FINDING_COLUMNS)  # the English message ids
SUMMARY_COLUMNS = [
    Column("category", N_("category"), "text", 36),
    Column("meaning", N_("meaning"), "text", 36),
    Column("count", N_("count"), "count"),
]
SUMMARY_SHEET = N_("summary")
LIST_ROWS = N_("list rows")
REPORT_TITLE = N_("%(file)s: %(rows)s row(s), year %(year)s")
SOURCE = N_("%(file)s, year %(year)s")


def labels(columns: list[Column], locale: str) -> list[Column]:
    """``columns`` with their labels translated into ``locale``."""
    _ = gettext_for(locale)
    return [replace(c, label=_(c.label)) for c in columns]


def report_title(report: ReconcileReport, locale: str | None = None) -> str:
    _ = gettext_for(locale or report.locale)
    values = {"file": report.file_name, "rows": report.list_rows, "year": report.year}
    return _(REPORT_TITLE) % values


def report_tables(report: ReconcileReport, locale: str | None = None) -> list[Table]:
    """A summary table (the list's rows, then the count of each category) and one table of
    findings per category, named by the category; in ``locale`` (default: the report's)."""
    locale = locale or report.locale
    _ = gettext_for(locale)
    source = _(SOURCE) % {"file": report.file_name, "year": report.year}
    summary = [(_(LIST_ROWS), source, report.list_rows)]
    summary += [(_(SHEETS[c]), _(TITLES[c]), n) for c, n in report.counts().items()]
    summary_columns = labels(SUMMARY_COLUMNS, locale)
    tables = [
        Table(report_title(report, locale), summary_columns, list(summary), sheet=_(SUMMARY_SHEET))
    ]
    finding_columns = labels(FINDING_COLUMNS, locale)
    for category in Category:
        rows = [(f.row, f.resident_id, f.name, f.detail, f.action) for f in report.of(category)]
        tables.append(
            Table(_(TITLES[category]), finding_columns, list(rows), note=source,
                  sheet=_(SHEETS[category]))
        )  # fmt: skip
    return tables


def report_to_xlsx(report: ReconcileReport, path: str | Path, locale: str | None = None) -> Path:
    """The report's tables as a workbook: the summary sheet, then one sheet per category."""
    path = Path(path)
    write_xlsx(report_tables(report, locale), path)
    return path
