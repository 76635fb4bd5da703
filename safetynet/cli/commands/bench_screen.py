"""`safetynet bench screen`: every supervision rule over a synthetic county's year (target:
under 10 s for 1,000,000 persons) and one claim at the window (target: under 5 ms)."""

from __future__ import annotations

import resource
import statistics
import time

import numpy as np
import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from safetynet.cli.bounds import CLAIMS, PERSONS, SEED
from safetynet.cli.commands.bench import bench_app

console = Console()
YEAR_TARGET_S = 10.0
CLAIM_TARGET_MS = 5.0


def cpu_s() -> float:
    """CPU seconds this process has used (every thread): on a machine shared with other
    work, wall time measures the others too."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


@bench_app.command("screen")
def bench_screen(
    persons: int = typer.Option(
        1_000_000, "--persons", "-n", **PERSONS, help="People in the county."
    ),
    seed: int = typer.Option(1, "--seed", **SEED, help="Random seed of the county."),
    claims: int = typer.Option(
        200, "--claims", **CLAIMS, help="Single claims timed at the window."
    ),
) -> None:
    """Time the screening of a synthetic county's year (every rule) and of single claims
    with their person's history, as at the window (the county's generation is not timed)."""
    from safetynet.supervision.frames import ScreenInput
    from safetynet.supervision.load import frames_from_tables
    from safetynet.supervision.rules import load_rules
    from safetynet.supervision.screen import screen, screen_claim, screen_rule
    from safetynet.synth.county import generate

    with console.status(f"generating a county of {persons:,} persons (not timed)"):
        county = generate(persons, seed=seed)
        data = frames_from_tables(county.claims, county.claim_items, county.persons)
    rules = load_rules()
    table = Table("rule", "seconds", "CPU seconds", "hits", title=f"{data.claims.height:,} "
                  f"claims, {data.lines.height:,} item lines")  # fmt: skip
    for rule in rules.active():
        fresh = ScreenInput(data.claims, data.lines, data.persons)
        start, cpu = time.perf_counter(), cpu_s()
        found = screen_rule(rule, fresh)
        table.add_row(rule.id, f"{time.perf_counter() - start:.2f}", f"{cpu_s() - cpu:.2f}",
                      f"{found.height:,}")  # fmt: skip
    fresh = ScreenInput(data.claims, data.lines, data.persons)
    start, cpu = time.perf_counter(), cpu_s()
    hits = screen(rules, fresh)
    year_s, year_cpu = time.perf_counter() - start, cpu_s() - cpu
    table.add_row("every rule", f"{year_s:.2f}", f"{year_cpu:.2f}", f"{hits.height:,}")
    console.print(table)

    rng = np.random.default_rng(seed)
    picks = data.claims[rng.choice(data.claims.height, size=min(claims, data.claims.height),
                                   replace=False)]  # fmt: skip
    persons_picked = picks["person_id"].unique().implode()
    own_claims = data.claims.filter(pl.col("person_id").is_in(persons_picked))
    own_lines = data.lines.filter(pl.col("claim_no").is_in(own_claims["claim_no"].implode()))
    by_person = own_claims.partition_by("person_id", as_dict=True)
    lines_by_claim = own_lines.partition_by("claim_no", as_dict=True)
    empty_lines = data.lines.clear()
    times, cpus = [], []
    for claim_no, person in picks.select("claim_no", "person_id").iter_rows():
        own = by_person[(person,)]
        parts = [lines_by_claim.get((c,), empty_lines) for c in own["claim_no"]]
        history = ScreenInput(
            own,
            pl.concat(parts),
            data.persons.filter(pl.col("person_id") == person)
            if data.persons is not None
            else None,
        )  # the window reads these from the database (not timed)
        start, cpu = time.perf_counter(), cpu_s()
        screen_claim(rules, history, claim_no)
        times.append((time.perf_counter() - start) * 1000)
        cpus.append((cpu_s() - cpu) * 1000)
    median, p95 = statistics.median(times), float(np.percentile(times, 95))
    console.print(
        f"year: {year_s:.2f} s, CPU {year_cpu:.2f} s (target {YEAR_TARGET_S:.0f} s); one claim "
        f"at the window: median {median:.2f} ms, 95th percentile {p95:.2f} ms, CPU median "
        f"{statistics.median(cpus):.2f} ms (target {CLAIM_TARGET_MS:.0f} ms)"
    )
