"""Import problems (errors and warnings) and the result of one import, with export to CSV / xlsx.

A problem names the row as the user sees it in the spreadsheet (the header is row 1), the
column header as written in the file and what is wrong, in plain words, in the user's
language: ``template`` is an English message id of the translation catalog with
``%(name)s`` placeholders filled from ``params`` (:meth:`Problem.text`); ``code`` is stable
for programs. The xlsx export is a :mod:`safetynet.exports` table like every other workbook.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from safetynet.exports.csv_file import inert
from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import write_xlsx
from safetynet.i18n import N_, gettext_for


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Message:
    """A message inside a message's params: a message id and its own params."""

    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, locale: str = "en") -> str:
        message = gettext_for(locale)(self.template)
        return message % self.params if "%(" in message else message


@dataclass(frozen=True, slots=True)
class ByLanguage:
    """A param written differently per language (e.g. the choices offered: Chinese words for
    a Chinese reader, with the English codes for an English one)."""

    en: str
    zh: str

    def text(self, locale: str = "en") -> str:
        return self.zh if locale.startswith("zh") else self.en


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (error) or doubtful (warning) in an import file."""

    severity: Severity
    row: int | None  # spreadsheet row number (header = 1); None for the whole file
    column: str | None  # the header as written in the file
    code: str  # stable identifier, e.g. "resident_id.check_digit"
    template: str  # English message id, without the row / column prefix; %(name)s: params
    params: dict[str, Any] = field(default_factory=dict)
    translated: tuple[str, ...] = ()  # params that are message ids too (e.g. "what")

    def text(self, locale: str = "en") -> str:
        """The message in ``locale`` (any tag :func:`safetynet.i18n.normalize` accepts)."""
        _ = gettext_for(locale)
        values = {
            k: v.text(locale)
            if isinstance(v, Message | ByLanguage)
            else _(v)
            if k in self.translated
            else v
            for k, v in self.params.items()
        }
        message = _(self.template)
        return message % values if "%(" in message else message

    @property
    def message(self) -> str:
        """The message in English."""
        return self.text("en")

    def where(self, locale: str = "en") -> str:
        _ = gettext_for(locale)
        parts = []
        if self.row is not None:
            parts.append(_("row %(row)s") % {"row": self.row})
        if self.column is not None:
            parts.append(_("column %(column)s") % {"column": self.column})
        return ("，" if locale.startswith("zh") else ", ").join(parts) if parts else _("file")

    def line(self, locale: str = "en") -> str:
        """``where: message`` in ``locale``."""
        sep = "：" if locale.startswith("zh") else ": "
        return f"{self.where(locale)}{sep}{self.text(locale)}"

    def __str__(self) -> str:
        return self.line("en")


def error(
    row: int | None,
    column: str | None,
    code: str,
    template: str,
    translated: tuple[str, ...] = (),
    **params: Any,
) -> Problem:
    """An error; ``template`` is a message id (``N_("...")``) formatted with ``params``
    (``translated``: the names of params that are message ids themselves)."""
    return Problem(Severity.ERROR, row, column, code, template, params, translated)


def warning(
    row: int | None,
    column: str | None,
    code: str,
    template: str,
    translated: tuple[str, ...] = (),
    **params: Any,
) -> Problem:
    """A warning, like :func:`error`."""
    return Problem(Severity.WARNING, row, column, code, template, params, translated)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """By row (file-level problems first), keeping the order within a row."""
    return sorted(problems, key=lambda p: -1 if p.row is None else p.row)


class ImportRejected(Exception):
    """A file that cannot be used at all (e.g. unreadable, or a list for reconciliation)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sort_problems(problems)
        super().__init__(self.text("en"))

    def text(self, locale: str = "en") -> str:
        """The errors, at most 20, in ``locale``."""
        _ = gettext_for(locale)
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        shown = "\n".join(p.line(locale) for p in errors[:20])
        more = "\n" + _("... and %(n)s more") % {"n": len(errors) - 20} if len(errors) > 20 else ""
        return _("%(n)s error(s):") % {"n": len(errors)} + f"\n{shown}{more}"


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

    def summary(self, locale: str = "en") -> str:
        """One line of what happened, in ``locale``."""
        _ = gettext_for(locale)
        values = {
            "file": self.file_name, "errors": len(self.errors), "rows": self.rows_read,
            "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
            "warnings": len(self.warnings),
        }  # fmt: skip
        if self.errors:
            return (
                _("%(file)s: rejected, nothing written: %(errors)s error(s) in %(rows)s row(s)")
                % values
            )
        if self.already_imported_on is not None:
            when = f"{self.already_imported_on:%Y-%m-%d %H:%M}"
            return _("%(file)s: already imported on %(when)s; nothing changed") % {
                **values,
                "when": when,
            }
        return (
            _(
                "%(file)s: %(rows)s row(s) read, %(inserted)s inserted, %(updated)s updated, "
                "%(unchanged)s unchanged, %(warnings)s warning(s)"
            )
            % values
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
    whole file), their messages in ``locale`` too."""
    _ = gettext_for(locale)
    columns = [replace(c, label=_(c.label)) for c in PROBLEM_COLUMNS]
    rows = [
        (_(SEVERITY_NAMES[p.severity]), p.row, p.column, p.code, p.text(locale))
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
    header row and the severities are the English keys whatever the language. Every cell is
    :func:`~safetynet.exports.csv_file.inert`: a column header or a value quoted from the
    rejected file never runs as a formula in the clerk's spreadsheet."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(PROBLEM_HEADERS)
        writer.writerows([inert(str(c)) for c in _cells(p)] for p in sort_problems(problems))
    return path


def write_problems(problems: list[Problem], path: str | Path, locale: str = "en") -> Path:
    """Write problems as .xlsx (in ``locale``) or .csv (English keys), chosen by the file
    name's suffix."""
    if str(path).lower().endswith(".xlsx"):
        return problems_to_xlsx(problems, path, locale)
    return problems_to_csv(problems, path)
