"""`safetynet bench warnings`: every early warning over a generated county's settled year
(target: under 5 s for 1,000,000 persons) and the check of one household after a settlement
(target: under 2 ms)."""

from __future__ import annotations

import statistics
import time

import typer
from rich.console import Console
from rich.table import Table

from safetynet.cli.bounds import HOUSEHOLDS, PERSONS, REPEATS, SEED
from safetynet.cli.commands.bench import bench_app

console = Console()
TARGET_BATCH_S = 5.0
TARGET_ONE_MS = 2.0


@bench_app.command("warnings")
def bench_warnings(
    persons: int = typer.Option(1_000_000, **PERSONS, help="Persons in the generated county."),
    seed: int = typer.Option(1, **SEED, help="Seed of the generated county."),
    repeats: int = typer.Option(
        3, **REPEATS, help="Timed runs of the whole year (the best is reported)."
    ),
    households: int = typer.Option(300, **HOUSEHOLDS, help="Households checked one at a time."),
) -> None:
    """Time every warning over a county's year, and one household's check after a settlement."""
    import polars as pl

    from safetynet.early_warning.evaluate import LEDGER_SCHEMA, WARNING_SCHEMA, evaluate
    from safetynet.early_warning.few import evaluate_few
    from safetynet.early_warning.rules import FILES, load_rules
    from safetynet.synth.county import generate
    from safetynet.synth.early_warning_frames import county_frames

    rules = load_rules(FILES / "county-2018.yaml")
    with console.status(f"generating and settling a county of {persons:,} persons (not timed)"):
        ledger, homes = county_frames(generate(persons, seed=seed))
    runs, found = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        found = evaluate(rules, ledger, homes)
        runs.append(time.perf_counter() - start)
    assert found is not None
    sample = (
        ledger.select("household_id").unique().sort("household_id")
        .gather_every(max(1, ledger.height // max(households, 1) // 4)).head(households)
    )  # fmt: skip
    parts = ledger.join(sample, on="household_id").partition_by("household_id", as_dict=True)
    one = []
    for (hid,), part in parts.items():
        home = {r[0]: r[1:4] for r in homes.filter(pl.col("household_id") == hid).iter_rows()}
        rows = part.select(list(LEDGER_SCHEMA)).rows()
        start = time.process_time()  # CPU: as the check after a settlement evaluates
        mine = evaluate_few(rules, rows, home)
        one.append((time.process_time() - start) * 1000)
        year = found.filter(pl.col("household_id") == hid)
        if not pl.DataFrame(mine, schema=WARNING_SCHEMA).equals(year):  # type: ignore[arg-type]
            raise SystemExit(f"household {hid}: the check and the year differ")
    best = min(runs)
    table = Table("measure", "value", "target")
    table.add_row("persons", f"{persons:,}", "")
    table.add_row("ledger entries", f"{ledger.height:,}", "")
    table.add_row("warnings found", f"{found.height:,}", "")
    for level in ("watch", "alert", "severe"):
        table.add_row(f"  {level}", f"{found.filter(pl.col('level') == level).height:,}", "")
    table.add_row("whole year, best of runs", f"{best:.2f} s", f"< {TARGET_BATCH_S} s")
    table.add_row("whole year, every run", ", ".join(f"{r:.2f}" for r in runs) + " s", "")
    if one:
        p95 = sorted(one)[int(0.95 * (len(one) - 1))]
        label = f"one household's evaluation, CPU ({len(one)}), median"
        table.add_row(label, f"{statistics.median(one):.2f} ms", f"< {TARGET_ONE_MS} ms")
        table.add_row("one household, 95th percentile", f"{p95:.2f} ms", "")
    console.print(table)
