"""`safetynet synth`: generate a synthetic county into Parquet files and/or a database;
`safetynet bench synth`: how long a county of a million takes."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from safetynet.cli.bounds import PERSONS, SEED, SHARE, YEAR
from safetynet.cli.commands.bench import bench_app
from safetynet.synth.calibration import PROFILES

if TYPE_CHECKING:
    from safetynet.synth.county import County

console = Console()
err = Console(stderr=True)
STAGES = ["population", "institutions", "enrollment", "claims"]


def _generate(persons: int, seed: int, year: int, county: str, profile: str) -> County:
    from safetynet.synth.county import generate

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console,
    ) as bar:  # fmt: skip
        task = bar.add_task("generating", total=len(STAGES))

        def step(stage: str) -> None:
            bar.update(task, description=f"generating: {stage}", completed=STAGES.index(stage))

        result = generate(
            persons,
            seed=seed,
            year=year,
            county=county,
            profile=PROFILES[profile],
            progress=step,
        )
        bar.update(task, description="generated", completed=len(STAGES))
    return result


def synth(
    persons: int = typer.Option(20_000, "--persons", "-n", **PERSONS, help="People in the county."),
    seed: int = typer.Option(
        1, "--seed", **SEED, help="Random seed: the same seed, the same county."
    ),
    year: int = typer.Option(2017, "--year", "-y", **YEAR, help="The scheme year of the claims."),
    county: str = typer.Option("341821", "--county", help="6-digit county division code."),
    profile: str = typer.Option(
        "anhui-2017",
        "--profile",
        help="Utilisation and costs: anhui-2017 (the 2017 contributions and policy's year; "
        "admissions and cost per admission as published for 2017) or seed-001 (a district "
        "in the 2000s: visits, shares and costs by level as published).",
    ),
    out: Path = typer.Option(None, "--out", "-o", help="Write Parquet files into this folder."),
    db: str = typer.Option(None, "--db", help="Load into this (empty) database."),
    settle: bool = typer.Option(
        True, "--settle/--no-settle", help="With --db: settle the year's claims into the ledger."
    ),
    violations: float = typer.Option(
        None,
        "--violations",
        **SHARE,
        help="Plant this share of claims (e.g. 0.002) as violations of each supervision rule, "
        "and shift one county hospital's and one township doctor's behaviour.",
    ),
    labels: Path = typer.Option(
        None,
        "--labels",
        help="With --violations: the labels file (Parquet; default "
        "DIR/violation_labels.parquet with --out).",
    ),
) -> None:
    """Generate a county: regions, households, persons, statuses, institutions, enrollment
    and a year of itemised claims calibrated to the published figures."""
    if out is None and db is None:
        err.print("[red]give --out DIR (Parquet), --db URL (database), or both[/red]")
        raise typer.Exit(2)
    if profile not in PROFILES:
        err.print(f"[red]--profile {profile!r}: use {' or '.join(PROFILES)}[/red]")
        raise typer.Exit(2)
    try:
        county_data = _generate(persons, seed, year, county, profile)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if violations is not None:
        from safetynet.synth.violations import plant

        if labels is None and out is None:
            err.print("[red]--violations needs --labels FILE or --out DIR[/red]")
            raise typer.Exit(2)
        try:
            county_data, planted = plant(county_data, violations, seed=seed)
        except ValueError as exc:
            err.print(f"[red]--violations: {exc}[/red]")
            raise typer.Exit(2) from None
        target = labels or out / "violation_labels.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        planted.write_parquet(target)
        console.print(f"planted {planted['claim_no'].count():,} violations; labels in {target}")
    title = f"Synthetic county {county}, {year}, seed {seed}, profile {profile}"
    table = Table("table", "rows", title=title)
    for name, rows in county_data.sizes().items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    if out is not None:
        from safetynet.synth.county import write_parquet

        with console.status("writing Parquet"):
            written = write_parquet(county_data, out)
        console.print(f"wrote {len(written)} Parquet files into {out}")
    if db is not None:
        _load(db, county_data, year, settle)


def _load(db: str, county_data, year: int, settle: bool) -> None:  # type: ignore[no-untyped-def]
    from safetynet.settlement.year_batch import settle_year
    from safetynet.store.bulk import refresh_statistics
    from safetynet.store.db import make_engine
    from safetynet.store.migrate import upgrade_to_head
    from safetynet.synth.load import CountyNotEmpty, load_county

    upgrade_to_head(db)
    engine = make_engine(db)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(f"loading {name}", total=total)
            bar.update(tasks[name], completed=done)

        try:
            load_county(engine, county_data, progress)
        except CountyNotEmpty as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    if settle:
        with console.status("settling the year's claims"):
            result = settle_year(engine, year)
        console.print(f"settled {result.settled:,} claims into the ledger")
        for code, n in sorted(result.refused.items()):  # as the window would refuse them
            console.print(f"left unsettled, refused as {code}: {n:,} claims")
    refresh_statistics(engine)


@bench_app.command("synth")
def bench_synth(
    persons: int = typer.Option(
        1_000_000, "--persons", "-n", **PERSONS, help="People in the county."
    ),
    seed: int = typer.Option(1, "--seed", **SEED, help="Random seed."),
    out: Path = typer.Option(None, "--out", help="Parquet folder (default: a temporary one)."),
) -> None:
    """Time the generation of a county with a year of claims, and its Parquet output
    (target: 1,000,000 persons in under 2 minutes)."""
    import tempfile

    from safetynet.synth.county import generate, write_parquet

    marks: dict[str, float] = {}
    start = time.perf_counter()

    def step(stage: str) -> None:
        marks[stage] = time.perf_counter()

    with console.status(f"generating {persons:,} persons and their year"):
        county_data = generate(persons, seed=seed, progress=step)
    generated = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, console.status("writing Parquet"):
        write_parquet(county_data, out or tmp)
        written = time.perf_counter()
    sizes = county_data.sizes()
    table = Table("measure", "value", title=f"synthetic county benchmark — {persons:,} persons")
    order = [*STAGES, "done"]
    marks["done"] = generated
    for a, b in itertools.pairwise(order):
        table.add_row(f"stage {a}", f"{marks[b] - marks[a]:.2f} s")
    table.add_row("generation", f"{generated - start:.2f} s")
    table.add_row("Parquet output", f"{written - generated:.2f} s")
    table.add_row("[bold]total[/bold]", f"[bold]{written - start:.2f} s[/bold]")
    table.add_row("claims", f"{sizes['claims']:,}")
    table.add_row("item lines", f"{sizes['claim_items']:,}")
    table.add_row("claims / s", f"{sizes['claims'] / (written - start):,.0f}")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
