"""`safetynet db rebuild-derived`: read the ledger and the registry again from the database
into the snapshot the bureau's pages read (:mod:`safetynet.derived`)."""

from __future__ import annotations

import time

import typer
from rich.console import Console

from safetynet.cli.commands.db import db_app
from safetynet.config import get_settings


@db_app.command("rebuild-derived")
def rebuild_derived(
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """Rebuild the derived data of the bureau's pages (the Parquet snapshot of the ledger and
    the registry in the data dir) from the ledger and the registry, from scratch."""
    from safetynet.derived.snapshot import rebuild, snapshot_dir
    from safetynet.store.db import make_engine

    console = Console()
    url = db or get_settings().database_url
    engine = make_engine(url)
    start = time.perf_counter()
    with console.status("reading the ledger and the registry"), engine.begin() as conn:
        snap = rebuild(conn)
    engine.dispose()
    if snap is None:
        console.print("[red]the database keeps no registry revision: run `safetynet db upgrade`")
        raise typer.Exit(1)
    console.print(
        f"[green]rebuilt[/green] {snap.ledger.entries.height:,} ledger entries, "
        f"{snap.registry.persons.height:,} persons in {time.perf_counter() - start:.1f} s "
        f"→ {snapshot_dir(url)}"
    )


def register(app: typer.Typer) -> None:
    """The command hangs on ``db_app``; importing this module is enough."""
