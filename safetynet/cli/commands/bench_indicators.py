"""`safetynet bench indicators`: how long computing every indicator takes on a county-year
(target: under 2 s for 400,000 persons, about 1.6 million claims, by village × month ×
category), and how long the database loader takes on a smaller county."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from safetynet.cli.bounds import PERSONS, PERSONS_OR_NONE, REPEATS, SEED
from safetynet.cli.commands.bench import bench_app

console = Console()
TARGET_SECONDS = 2.0
STAGES = ["population", "institutions", "enrollment", "claims", "claim facts", "settling",
          "registry", "frames"]  # fmt: skip


def _frames(persons: int, seed: int):  # type: ignore[no-untyped-def]
    """A generated county settled in memory into indicator frames (not timed)."""
    from safetynet.synth.county import generate
    from safetynet.synth.settled import county_frames

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console,
    ) as bar:  # fmt: skip
        task = bar.add_task("building the county", total=len(STAGES))

        def step(stage: str) -> None:
            name = "settling" if stage.startswith("settling") else stage
            done = STAGES.index(name) if name in STAGES else 0
            bar.update(task, description=f"building the county: {stage}", completed=done)

        county = generate(persons, seed=seed, progress=step)
        frames = county_frames(county, progress=step)
        bar.update(task, description="county built", completed=len(STAGES))
    return frames


def _time(fn, repeats: int) -> tuple[list[float], object]:  # type: ignore[no-untyped-def]
    runs, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - start)
    return runs, out


def _loader(persons: int, seed: int, url: str | None, repeats: int) -> list[tuple[str, ...]]:
    """Build a county into a database (not timed) and time reading its frames."""
    from safetynet.indicators.load import load_frames
    from safetynet.settlement.year_batch import settle_year
    from safetynet.store.bulk import refresh_statistics
    from safetynet.store.db import make_engine
    from safetynet.store.migrate import upgrade_to_head
    from safetynet.synth.county import DEFAULT_COUNTY, generate
    from safetynet.synth.load import load_county

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if url:
            backends.append(("PostgreSQL", url))
        county = generate(persons, seed=seed)
        for name, db in backends:
            with console.status(f"{name}: loading a county of {persons:,} persons and settling"):
                upgrade_to_head(db)
                engine = make_engine(db)
                load_county(engine, county)
                settle_year(engine, 2017)
                refresh_statistics(engine)
            runs, frames = _time(lambda e=engine: load_frames(e, DEFAULT_COUNTY, 2017), repeats)
            engine.dispose()
            entries = frames.entries.height  # type: ignore[attr-defined]
            rows.append(
                (
                    f"database loader, {name}: {persons:,} persons, {entries:,} entries",
                    ", ".join(f"{s:.2f} s" for s in runs),
                    f"{entries / min(runs):,.0f} entries/s",
                )
            )
    return rows


@bench_app.command("indicators")
def bench_indicators(
    persons: int = typer.Option(
        400_000, "--persons", "-n", **PERSONS, help="People in the county."
    ),
    seed: int = typer.Option(1, "--seed", **SEED, help="Random seed of the synthetic county."),
    repeats: int = typer.Option(3, "--repeats", **REPEATS, help="Timed runs of each computation."),
    db_persons: int = typer.Option(
        20_000,
        "--db-persons",
        **PERSONS_OR_NONE,
        help="County size for timing the database loader (0: skip).",
    ),
    pg: str = typer.Option(None, "--pg", help="An empty PostgreSQL database to also time."),
) -> None:
    """Time computing every indicator by village × month × category and by county × year on
    a synthetic county settled in memory (target: under 2 s for 400,000 persons), and the
    database loader on a smaller county."""
    from safetynet.codes import RegionLevel
    from safetynet.indicators.compute import IndicatorQuery, compute

    frames = _frames(persons, seed)
    queries = [
        ("village × month × category", IndicatorQuery("month", RegionLevel.VILLAGE, True)),
        ("township × quarter", IndicatorQuery("quarter", RegionLevel.TOWNSHIP, False)),
        ("county × year", IndicatorQuery("year", None, False)),
    ]
    table = Table("measure", "runs", "result", title=f"indicators benchmark — {persons:,} persons")
    table.add_row("ledger entries (claims)", f"{frames.entries.height:,}", "")
    table.add_row("persons in the registry", f"{frames.persons.height:,}", "")
    villages = frames.regions.filter(frames.regions["level"] == "village").height
    table.add_row("villages", f"{villages:,}", "")
    for label, query in queries:
        with console.status(f"computing {label}"):
            runs, result = _time(lambda q=query: compute(frames, q), repeats)
        best = min(runs)
        verdict = "" if label != queries[0][0] else (
            " [green]within target[/green]" if best < TARGET_SECONDS else " [red]over target[/red]"
        )  # fmt: skip
        table.add_row(
            f"all indicators, {label}",
            ", ".join(f"{s:.2f} s" for s in runs),
            f"best {best:.2f} s, {result.height:,} figures{verdict}",  # type: ignore[attr-defined]
        )
    if db_persons:
        for row in _loader(db_persons, seed, pg, repeats):
            table.add_row(*row)
    console.print(table)


def register(app: typer.Typer) -> None:
    """The command hangs on ``bench_app``; importing this module is enough."""
