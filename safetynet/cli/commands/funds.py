"""`safetynet funds ...`: fund accounts from the shell — post a year to the journal, print the
funds' figures, post a manual entry. Thin over :mod:`safetynet.funds.service`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

from safetynet.cli.commands.report import fail

funds_app = typer.Typer(
    help="Fund accounts: post a year to the journal, print the funds, manual entries.",
    no_args_is_help=True,
)
console = Console()

Year = Annotated[int, typer.Option("--year", help="Scheme year.")]
Db = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: SAFETYNET_DATABASE_URL).")
]
Rules = Annotated[str, typer.Option("--rules", help="Funds file: a shipped name or a path.")]
By = Annotated[str, typer.Option("--by", help="Who posts (recorded on the entries).")]


def _engine(db: str | None):  # type: ignore[no-untyped-def]
    from safetynet.config import get_settings
    from safetynet.store.db import make_engine

    return make_engine(db or get_settings().database_url)


def _rules(name: str):  # type: ignore[no-untyped-def]
    from safetynet.funds.rules import PolicyError, load_rules

    try:
        return load_rules(name)
    except PolicyError as exc:
        fail(str(exc))


@funds_app.command("post")
def post_cmd(year: Year, db: Db = None, rules: Rules = "county-2018", by: By = "funds") -> None:
    """Post a year to the journal: its settlement ledger (entries not posted yet),
    contributions by source and fiscal allocations. Running it again posts only what is new."""
    from safetynet.funds.service import post
    from safetynet.money import fmt_yuan
    from safetynet.store.db import session_scope

    chart = _rules(rules)
    with session_scope(_engine(db), write_lock=True) as s:
        done = post(s, chart, year, by)
    table = RichTable("posted", "journal entries", "ledger entries", "yuan")
    for part, r in done.items():
        table.add_row(
            part, str(len(r.entries)), f"{r.settlements:,}", fmt_yuan(r.spending_fen + r.income_fen)
        )
    console.print(table)


@funds_app.command("balances")
def balances_cmd(year: Year, db: Db = None, rules: Rules = "county-2018") -> None:
    """Print each fund's income, spending, deductions and recoveries and balance of a year."""
    from safetynet.funds.service import fund_figures
    from safetynet.money import fmt_yuan
    from safetynet.store.db import session_scope

    chart = _rules(rules)
    with session_scope(_engine(db)) as s:
        figures = fund_figures(s, chart, year)
    table = RichTable("fund", "income", "spending", "taken back", "balance")
    for f in figures:
        table.add_row(
            f.fund,
            fmt_yuan(f.income_fen),
            fmt_yuan(f.spending_fen),
            fmt_yuan(f.taken_back_fen),
            fmt_yuan(f.balance_fen),
        )
    console.print(table)


@funds_app.command("entry")
def entry_cmd(
    lines: Annotated[Path, typer.Argument(help="CSV: fund,account,amount[,institution].")],
    year: Year,
    on: Annotated[str, typer.Option("--on", help="Date of the entry, YYYY-MM-DD.")],
    memo: Annotated[str, typer.Option("--memo", help="What the entry is for.")],
    by: By,
    db: Db = None,
    rules: Rules = "county-2018",
    reference: Annotated[
        str | None, typer.Option("--reference", help="Posted once under this reference.")
    ] = None,
) -> None:
    """Post a manual entry from a CSV of lines (yuan, debit positive, credit negative);
    refused whole, with the reason, unless it balances."""
    import csv
    from datetime import date

    from safetynet.funds.journal import JournalError, Line, post_entry
    from safetynet.money import MoneyError, to_fen
    from safetynet.store.db import session_scope

    chart = _rules(rules)
    try:
        day = date.fromisoformat(on)
        with lines.open(encoding="utf-8", newline="") as fh:
            parsed = [
                Line(r["fund"], r["account"], to_fen(r["amount"]), r.get("institution") or None)
                for r in csv.DictReader(fh)
            ]
        with session_scope(_engine(db)) as s:
            entry = post_entry(
                s,
                chart,
                year=year,
                posted_on=day,
                kind="manual",
                lines=parsed,
                user=by,
                reference=reference,
                memo=memo,
            )
    except (JournalError, MoneyError, ValueError, KeyError, OSError) as exc:
        fail(f"refused: {exc}")
    console.print(f"entry {entry} posted ({len(parsed)} lines)")


def register(app: typer.Typer) -> None:
    app.add_typer(funds_app, name="funds")
