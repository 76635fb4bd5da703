"""`safetynet import persons|households|poverty|institutions FILE` and `safetynet reconcile`.

Imports are all or nothing: a file with any error writes nothing and the command exits 2 after
printing every problem with its row and column (``--errors OUT`` also writes them to .csv/.xlsx).
"""

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from safetynet.cli.bounds import SHOWN, YEAR
from safetynet.cli.commands.report import LANGS, fail
from safetynet.config import get_settings

console = Console()
err = Console(stderr=True)
import_app = typer.Typer(
    help="Import registry files (CSV or .xlsx) whole or not at all.", no_args_is_help=True
)
BIG_FILE = 512 * 1024  # bytes: show a progress bar from this size on
SHOWN_PROBLEMS = 200
STAGES = {"read": "reading rows", "validate": "checking rows", "insert": "inserting",
          "update": "updating"}  # fmt: skip

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: SAFETYNET_DATABASE_URL).")
]
LangOption = Annotated[str, typer.Option("--lang", help="zh_Hans (default) or en.")]


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        fail(f"--lang {lang!r}: use zh_Hans or en")


class _Bar:
    """Adapts the importers' progress callback to a Rich progress bar, one task per stage."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(STAGES.get(stage, stage), total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def _session(db: str | None):  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    from safetynet.store.db import engine_for

    return Session(engine_for(db or get_settings().database_url), expire_on_commit=False)


def _print_problems(problems: list, lang: str) -> None:  # type: ignore[type-arg]
    from safetynet.i18n import gettext_for

    _ = gettext_for(lang)
    for p in problems[:SHOWN_PROBLEMS]:
        err.print("  " + p.line(lang), markup=False, highlight=False, soft_wrap=True)
    if len(problems) > SHOWN_PROBLEMS:
        more = _("... and %(n)s more") % {"n": len(problems) - SHOWN_PROBLEMS}
        err.print("  " + more, markup=False, soft_wrap=True)


def _file_not_found(path: Path, lang: str) -> None:
    from safetynet.i18n import gettext_for

    _ = gettext_for(lang)
    err.print(_("file not found: %(path)s") % {"path": path}, markup=False, soft_wrap=True)
    raise typer.Exit(2)


def _import(kind: str, file: Path, db: str | None, force: bool, errors: Path | None,
            by: str | None, lang: str) -> None:  # fmt: skip
    from safetynet.i18n import gettext_for
    from safetynet.imports import import_file
    from safetynet.tabular import write_problems

    _check_lang(lang)
    _ = gettext_for(lang)
    if not file.is_file():
        _file_not_found(file, lang)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with (
        Progress(*columns, console=err, transient=True,
                 disable=file.stat().st_size < BIG_FILE) as progress,
        _session(db) as session,
    ):  # fmt: skip
        result = import_file(
            session, kind, file, imported_by=by or getpass.getuser(), force=force,
            progress=_Bar(progress),
        )  # fmt: skip
    if errors is not None and result.problems:
        write_problems(result.problems, errors, lang)
        written = _("problems written to %(path)s") % {"path": errors}
        err.print(written, markup=False, soft_wrap=True)
    warnings = _("%(n)s warning(s)") % {"n": len(result.warnings)}
    if result.errors:
        err.print(f"[red]{escape(result.summary(lang))}[/red]", soft_wrap=True)
        _print_problems(result.errors, lang)
        if result.warnings:
            err.print(f"[yellow]{escape(warnings)}[/yellow]")
            _print_problems(result.warnings, lang)
        raise typer.Exit(2)
    if result.warnings:
        err.print(f"[yellow]{escape(warnings)}[/yellow]")
        _print_problems(result.warnings, lang)
    console.print(f"[green]{escape(result.summary(lang))}[/green]", soft_wrap=True)


def _command(kind: str, what: str):  # type: ignore[no-untyped-def]
    def command(
        file: Annotated[Path, typer.Argument(help=f"The {what} file, .csv or .xlsx.")],
        db: DbOption = None,
        force: Annotated[
            bool, typer.Option("--force", help="Import even if this exact file was imported.")
        ] = False,
        errors: Annotated[
            Path | None, typer.Option("--errors", help="Write the problems to this .csv/.xlsx.")
        ] = None,
        by: Annotated[
            str | None, typer.Option("--by", help="Who imports (default: the OS user).")
        ] = None,
        lang: LangOption = "zh_Hans",
    ) -> None:
        _import(kind, file, db, force, errors, by, lang)

    command.__doc__ = f"Import {what} (see docs/formats-import.md for the columns)."
    return command


import_app.command("persons")(_command("persons", "persons"))
import_app.command("households")(_command("households", "households"))
import_app.command("poverty")(_command("poverty", "poverty list"))
import_app.command("institutions")(_command("institutions", "designated institutions"))
import_app.command("items")(_command("items", "drug, service and material catalog items"))
import_app.command("household-income")(
    _command("household-income", "household incomes of a year (declared or reported)")
)
import_app.command("icd10-nhsa")(
    _command("icd10-nhsa", "the national medical-insurance edition of ICD-10 (xlsx or CSV)")
)


def reconcile(
    list_file: Annotated[Path, typer.Option("--list", help="The office's list, .csv or .xlsx.")],
    year: Annotated[
        int, typer.Option("--year", **YEAR, help="The enrollment year to compare with.")
    ],
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Write the report to this .xlsx file.")
    ] = None,
    db: DbOption = None,
    limit: Annotated[
        int, typer.Option("--limit", **SHOWN, help="Findings to print (all go to --xlsx).")
    ] = 50,
    lang: LangOption = "zh_Hans",
) -> None:
    """Reconcile a poverty-alleviation list with the registry and the year's enrollment."""
    from safetynet.i18n import gettext_for
    from safetynet.registry.reconcile import (
        ACTIONS,
        FINDING_COLUMNS,
        SHEETS,
        SUMMARY_COLUMNS,
        TITLES,
        labels,
        reconcile,
        report_title,
        report_to_xlsx,
    )
    from safetynet.tabular import ImportRejected

    _check_lang(lang)
    _ = gettext_for(lang)
    if not list_file.is_file():
        _file_not_found(list_file, lang)
    try:
        with _session(db) as session:
            report = reconcile(session, list_file, year, locale=lang)
    except ImportRejected as exc:
        unreadable = _("%(file)s: the list cannot be read") % {"file": list_file.name}
        err.print(f"[red]{escape(unreadable)}[/red]")
        _print_problems(exc.problems, lang)
        raise typer.Exit(2) from None
    category, meaning, count = (c.label for c in labels(SUMMARY_COLUMNS, lang))
    row, resident_id, name, detail, action = (c.label for c in labels(FINDING_COLUMNS, lang))
    counts = Table(category, meaning, count, action, title=report_title(report))
    for c, n in report.counts().items():
        counts.add_row(_(SHEETS[c]), _(TITLES[c]), str(n), _(ACTIONS[c]))
    console.print(counts)
    if report.findings and limit > 0:
        shown = Table(category, row)
        shown.add_column(resident_id, no_wrap=True, min_width=18)
        shown.add_column(name, no_wrap=True)
        shown.add_column(detail)
        for f in report.findings[:limit]:
            shown.add_row(_(SHEETS[f.category]), str(f.row), f.resident_id or "", f.name or "",
                          f.detail)  # fmt: skip
        console.print(shown)
        if len(report.findings) > limit:
            console.print(f"... {len(report.findings) - limit} more (use --xlsx for all)")
    if xlsx is not None:
        report_to_xlsx(report, xlsx, lang)
        console.print(f"report written to {xlsx}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.command("reconcile")(reconcile)
