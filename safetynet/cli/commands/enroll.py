"""`safetynet enroll`: enroll the county's living persons for a scheme year."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from safetynet.cli.bounds import YEAR
from safetynet.config import get_settings
from safetynet.money import fmt_yuan

console = Console()
err = Console(stderr=True)


def enroll(
    year: int = typer.Option(..., "--year", "-y", **YEAR, help="The scheme year."),
    policy: str = typer.Option(
        ..., "--policy", "-p", help="Contribution policy file or shipped name (e.g. anhui-2017)."
    ),
    on: str = typer.Option(
        None,
        "--on",
        help="Enrollment date, for the categories, YYYY-MM-DD: from Jan 1 of the year before to "
        "Dec 31 of the year (default: Jan 1 of the year).",
    ),
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """Enroll everybody living and not yet enrolled, with the contribution split by payer."""
    from safetynet.policy.contribution import load_contribution_policy
    from safetynet.policy.loader import PolicyError
    from safetynet.registry.enrollment import contribution_totals, enroll_year
    from safetynet.store.db import make_engine, session_scope

    try:
        cp = load_contribution_policy(policy)
    except PolicyError as exc:  # names the file and line
        err.print(f"[red]contribution policy rejected[/red]\n{exc}")
        raise typer.Exit(2) from None
    try:
        status_day = date.fromisoformat(on.strip()) if on else date(year, 1, 1)
    except ValueError:
        err.print(f"[red]--on {on!r}: write the date as YYYY-MM-DD[/red]")
        raise typer.Exit(2) from None
    engine = make_engine(db or get_settings().database_url)
    with Progress(
        TextColumn("enrolling"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        task = bar.add_task("enroll", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            with session_scope(engine) as s:
                result = enroll_year(s, year, cp, status_day, progress=progress)
                totals = contribution_totals(s, year)
        except ValueError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    table = Table("category", "persons enrolled now", title=f"Enrollment {year} ({cp.id})")
    for category, n in sorted(result.by_category.items()):
        table.add_row(category.value, f"{n:,}")
    table.add_row("[bold]total[/bold]", f"{result.enrolled:,}")
    console.print(table)
    money = Table("payer", "contributions (yuan)", title=f"Contributions {year}, all enrolled")
    for payer, fen in totals.items():
        money.add_row(str(payer.value), fmt_yuan(fen))
    console.print(money)


def register(app: typer.Typer) -> None:
    app.command("enroll")(enroll)
