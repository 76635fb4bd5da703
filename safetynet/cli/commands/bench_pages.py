"""`safetynet bench pages`: every bureau page's time over HTTP on a county-sized database
(SQLite, and PostgreSQL with ``--pg``), beside the time of the indicator arithmetic (target:
under 1 s per page for 400,000 persons, about 1.66 million ledger entries)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from safetynet.cli.bounds import PERSONS, PORT, REPEATS, SEED
from safetynet.cli.commands.bench import bench_app
from safetynet.config import get_settings

console = Console(width=None if sys.stdout.isatty() else 160)  # a file gets every column
TARGET_SECONDS = 1.0


def _mark(seconds: float) -> str:
    colour = "green" if seconds < TARGET_SECONDS else "red"
    return f"[{colour}]{seconds:.2f}[/{colour}]"


@bench_app.command("pages")
def bench_pages(
    persons: int = typer.Option(
        400_000, "--persons", "-n", **PERSONS, help="People in the county."
    ),
    seed: int = typer.Option(4, "--seed", **SEED, help="Random seed of the synthetic county."),
    sqlite: Path = typer.Option(
        None, "--sqlite", help="SQLite file (default: <data dir>/bench-pages-<persons>.db)."
    ),
    pg: str = typer.Option(None, "--pg", help="A PostgreSQL database to also time (reused)."),
    repeats: int = typer.Option(
        3, "--repeats", **REPEATS, help="Repeated loads of each page (median)."
    ),
    port: int = typer.Option(8765, "--port", **PORT, help="Port of the server under test."),
    cli: bool = typer.Option(True, "--cli/--no-cli", help="Also time the report commands."),
) -> None:
    """Build (or reuse) a county in each database, start the server and time every bureau
    page: first load, repeated loads (median) and a load right after a refund."""
    from safetynet.benchmarks.pages import prepare, time_arithmetic, time_cli, time_pages

    data_dir = get_settings().data_dir
    path = sqlite or data_dir / f"bench-pages-{persons}.db"
    backends = [("SQLite", f"sqlite:///{Path(path).resolve()}")]
    if pg:
        backends.append(("PostgreSQL", pg))
    for name, url in backends:
        with console.status(f"{name}: preparing") as status:
            prep = prepare(url, persons, seed, lambda m, n=name: status.update(f"{n}: {m}"))
        with console.status(f"{name}: timing the pages over HTTP"):
            times = time_pages(url, port, repeats, data_dir)
        with console.status(f"{name}: timing the indicator arithmetic"):
            arithmetic = time_arithmetic(url, repeats)
        title = (
            f"{name}: {prep.entries:,} ledger entries ("
            + ("county built" if prep.built else "county reused")
            + f"; snapshot current in {prep.snapshot_seconds:.1f} s)"
        )
        table = Table("page", "first load, s", f"repeated (median of {repeats}), s",
                      "after a refund, s", "server CPU, s (first / repeated / after)", "HTTP",
                      title=title)  # fmt: skip
        for t in times:
            cpu = f"{t.cpu_first:.2f} / {t.cpu_median:.2f} / {t.cpu_after_refund:.2f}"
            table.add_row(t.path, _mark(t.first), _mark(t.median),
                          _mark(t.after_refund or 0.0), cpu, str(t.status))  # fmt: skip
        for label, seconds in arithmetic:
            table.add_row(f"indicator arithmetic only: {label}", "", f"{seconds:.2f}", "", "", "")
        if cli:
            with console.status(f"{name}: timing the report commands"):
                for command, seconds, code in time_cli(url, data_dir):
                    table.add_row(command, f"{seconds:.2f}", "", "", "", f"exit {code}")
        console.print(table)


def register(app: typer.Typer) -> None:
    """The command hangs on ``bench_app``; importing this module is enough."""
