"""Import problems (errors and warnings) and the result of one import, with export to CSV / xlsx.

A problem names the row as the user sees it in the spreadsheet (the header is row 1), the
column header as written in the file and what is wrong, in plain words. ``code`` and ``params``
are stable so the web UI can translate the message later. The xlsx export is a
:mod:`safetynet.exports` table like every other workbook.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import write_xlsx


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


PROBLEM_HEADERS = ("severity", "row", "column", "code", "message")


def _cells(p: Problem) -> tuple[str, int | str, str, str, str]:
    return (p.severity.value, "" if p.row is None else p.row, p.column or "", p.code, p.message)


PROBLEM_COLUMNS = [
    Column("severity", PROBLEM_HEADERS[0], "text", 10),
    Column("row", PROBLEM_HEADERS[1], "count", 10),
    Column("column", PROBLEM_HEADERS[2], "text", 22),
    Column("code", PROBLEM_HEADERS[3], "text", 22),
    Column("message", PROBLEM_HEADERS[4], "text", 90),
]


def problems_table(problems: list[Problem]) -> Table:
    """The problems as an export table, one row each (a blank row number: the whole file)."""
    rows = [(p.severity.value, p.row, p.column, p.code, p.message) for p in sort_problems(problems)]
    return Table("problems", PROBLEM_COLUMNS, list(rows))


def problems_to_xlsx(problems: list[Problem], path: str | Path) -> Path:
    """Write problems to an Excel file (one row each) for the user to download and fix."""
    path = Path(path)
    write_xlsx([problems_table(problems)], path)
    return path


def problems_to_csv(problems: list[Problem], path: str | Path) -> Path:
    """Write problems to a CSV file (UTF-8 with BOM, so Excel opens the Chinese headers)."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(PROBLEM_HEADERS)
        writer.writerows(_cells(p) for p in sort_problems(problems))
    return path


def write_problems(problems: list[Problem], path: str | Path) -> Path:
    """Write problems as .xlsx or .csv, chosen by the file name's suffix."""
    if str(path).lower().endswith(".xlsx"):
        return problems_to_xlsx(problems, path)
    return problems_to_csv(problems, path)
