"""Import problems (errors and warnings) and the result of one import, with export to CSV / xlsx.

A problem names the row as the user sees it in the spreadsheet (the header is row 1), the
column header as written in the file and what is wrong, in plain words. ``code`` and ``params``
are stable so the web UI can translate the message later. The xlsx export is a
:mod:`safetynet.exports` table like every other workbook.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import write_xlsx
from safetynet.i18n import N_, gettext_for


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (error) or doubtful (warning) in an import file."""

    severity: Severity
    row: int | None  # spreadsheet row number (header = 1); None for the whole file
    column: str | None  # the header as written in the file
    code: str  # stable identifier, e.g. "resident_id.check_digit"
    message: str  # plain English, without the row / column prefix
    params: dict[str, Any] = field(default_factory=dict)

    def where(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts) if parts else "file"

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


def error(row: int | None, column: str | None, code: str, message: str, **params: Any) -> Problem:
    return Problem(Severity.ERROR, row, column, code, message, params)


def warning(row: int | None, column: str | None, code: str, message: str, **params: Any) -> Problem:
    return Problem(Severity.WARNING, row, column, code, message, params)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """By row (file-level problems first), keeping the order within a row."""
    return sorted(problems, key=lambda p: -1 if p.row is None else p.row)


class ImportRejected(Exception):
    """A file that cannot be used at all (e.g. unreadable, or a list for reconciliation)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sort_problems(problems)
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        shown = "\n".join(str(p) for p in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} error(s):\n{shown}{more}")


@dataclass
class ImportResult:
    """What an import did (or would have done): counts and every problem found."""

    kind: str
    file_name: str
    sha256: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    already_imported_on: datetime | None = None  # set when the same content was imported before
    batch_id: int | None = None  # the ImportBatch written, when something was imported

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def problems(self) -> list[Problem]:
        return sort_problems(self.errors + self.warnings)

    def summary(self) -> str:
        if self.errors:
            return (
                f"{self.file_name}: rejected, nothing written: {len(self.errors)} error(s) "
                f"in {self.rows_read} row(s)"
            )
        if self.already_imported_on is not None:
            return (
                f"{self.file_name}: already imported on "
                f"{self.already_imported_on:%Y-%m-%d %H:%M}; nothing changed"
            )
        return (
            f"{self.file_name}: {self.rows_read} row(s) read, {self.inserted} inserted, "
            f"{self.updated} updated, {self.unchanged} unchanged, {len(self.warnings)} warning(s)"
        )


# The xlsx labels (English message ids, translated where shown; the Chinese in messages.po).
PROBLEM_COLUMNS = [
    Column("severity", N_("severity"), "text", 10),
    Column("row", N_("row"), "count", 10),
    Column("column", N_("column"), "text", 22),
    Column("code", N_("code"), "text", 22),
    Column("message", N_("message"), "text", 90),
]
# The CSV header: the column keys, the same in every language (a file for programs to read).
PROBLEM_HEADERS = tuple(c.key for c in PROBLEM_COLUMNS)
SEVERITY_NAMES = {Severity.ERROR: N_("error"), Severity.WARNING: N_("warning")}
PROBLEMS_TITLE = N_("problems")


def _cells(p: Problem) -> tuple[str, int | str, str, str, str]:
    return (p.severity.value, "" if p.row is None else p.row, p.column or "", p.code, p.message)


def problems_table(problems: list[Problem], locale: str = "en") -> Table:
    """The problems as an export table in ``locale``, one row each (a blank row number: the
    whole file). The messages themselves stay in English (``code`` and ``params`` identify
    them)."""
    _ = gettext_for(locale)
    columns = [replace(c, label=_(c.label)) for c in PROBLEM_COLUMNS]
    rows = [
        (_(SEVERITY_NAMES[p.severity]), p.row, p.column, p.code, p.message)
        for p in sort_problems(problems)
    ]
    return Table(_(PROBLEMS_TITLE), columns, list(rows))


def problems_to_xlsx(problems: list[Problem], path: str | Path, locale: str = "en") -> Path:
    """Write problems to an Excel file (one row each) for the user to download and fix, with
    the title, headers and severities in ``locale``."""
    path = Path(path)
    write_xlsx([problems_table(problems, locale)], path)
    return path


def problems_to_csv(problems: list[Problem], path: str | Path) -> Path:
    """Write problems to a CSV file (UTF-8 with BOM, so Excel opens the Chinese cells); the
    header row and the severities are the English keys whatever the language."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(PROBLEM_HEADERS)
        writer.writerows(_cells(p) for p in sort_problems(problems))
    return path


def write_problems(problems: list[Problem], path: str | Path, locale: str = "en") -> Path:
    """Write problems as .xlsx (in ``locale``) or .csv (English keys), chosen by the file
    name's suffix."""
    if str(path).lower().endswith(".xlsx"):
        return problems_to_xlsx(problems, path, locale)
    return problems_to_csv(problems, path)
