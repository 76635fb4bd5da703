"""`safetynet bench funds`: posting a generated county's year to the fund journal (target:
under 10 s for 1,000,000 persons), each part timed in wall and CPU seconds, and every
institution's monthly statements of the year (target: under 2 s).

The county is generated, loaded and its year settled by the year batch once into a SQLite
file (not timed; reused by later runs), then the year is posted inside a transaction that is
rolled back after each run, so every run posts the whole year. On a busy machine the CPU
figures are the steadier ones (SQLite runs in this process, so its work is counted).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from safetynet.cli.bounds import PERSONS, REPEATS, SEED
from safetynet.cli.commands.bench import bench_app
from safetynet.clock import local_today

console = Console()
TARGET_POST_S = 10.0
TARGET_STATEMENTS_S = 2.0
YEAR = 2017


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _prepare(path: Path, persons: int, seed: int) -> None:
    from safetynet.settlement.year_batch import settle_year
    from safetynet.store.bulk import refresh_statistics
    from safetynet.store.db import make_engine
    from safetynet.store.migrate import upgrade_to_head
    from safetynet.synth.county import generate
    from safetynet.synth.load import load_county

    url = f"sqlite:///{path}"
    upgrade_to_head(url)
    engine = make_engine(url)
    with console.status(f"generating, loading and settling {persons:,} persons (not timed)"):
        load_county(engine, generate(persons, seed=seed, year=YEAR))
        settle_year(engine, YEAR)
        refresh_statistics(engine)
    engine.dispose()


@bench_app.command("funds")
def bench_funds(
    persons: int = typer.Option(1_000_000, **PERSONS, help="Persons in the generated county."),
    seed: int = typer.Option(1, **SEED, help="Seed of the generated county."),
    repeats: int = typer.Option(
        3, **REPEATS, help="Timed runs of the year's posting (best reported)."
    ),
    workdir: Path = typer.Option(Path("var/bench"), help="Where the county's database is kept."),
) -> None:
    """Time posting a county's year to the fund journal, part by part (wall and CPU)."""
    from safetynet.funds.rules import default_rules
    from safetynet.store.db import make_engine

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"funds-{persons}-{seed}.db"
    if not path.exists():
        _prepare(path, persons, seed)
    engine = make_engine(f"sqlite:///{path}")
    rules = default_rules()
    runs: list[dict[str, tuple[float, float]]] = []
    counts: dict[str, int] = {}
    for _ in range(repeats):
        parts = _parts(engine, rules, counts)
        runs.append(parts)
        runs[-1].update(_whole(engine, rules, counts))
    engine.dispose()
    table = Table("measure", "wall s (best)", "CPU s (best)", "target")
    table.add_row("persons", f"{persons:,}", "", "")
    table.add_row("ledger entries", f"{counts['entries']:,}", "", "")
    table.add_row("ledger layer rows", f"{counts['layers']:,}", "", "")
    table.add_row("institutions", f"{counts['institutions']:,}", "", "")
    table.add_row(
        "statement rows (institution × fund × month)", f"{counts['statement rows']:,}", "", ""
    )
    for name in runs[0]:
        wall = min(r[name][0] for r in runs)
        cpu = min(r[name][1] for r in runs)
        target = {
            "whole year (post_year)": f"< {TARGET_POST_S} s",
            "every institution's statements": f"< {TARGET_STATEMENTS_S} s",
        }.get(name, "")
        table.add_row(name, f"{wall:.2f}", f"{cpu:.2f}", target)
    console.print(table)


def _parts(engine: Any, rules: Any, counts: dict[str, int]) -> dict[str, tuple[float, float]]:
    """One run of the posting, part by part, rolled back."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from safetynet.funds import posting
    from safetynet.funds.journal import new_entry
    from safetynet.store.models import Settlement, SettlementLayer

    parts: dict[str, tuple[float, float]] = {}
    with Session(engine) as s:
        counts["entries"] = s.scalar(select(func.count()).select_from(Settlement)) or 0
        counts["layers"] = s.scalar(select(func.count()).select_from(SettlementLayer)) or 0

        def span() -> posting.Span:
            rng = posting.next_span(s, YEAR)
            assert rng is not None, "nothing to post"
            posting.ledger_count(s, rng)
            return rng

        rng, w, c = _timed(span)
        parts["the year's range of ledger entries (and their count)"] = (w, c)
        eid = new_entry(s, year=YEAR, posted_on=local_today(), kind="settlement", user="bench")
        _, w, c = _timed(lambda: posting._post_marked(s, rules, eid, rng))
        parts["spending and payable lines, balance check"] = (w, c)
        _, w, c = _timed(lambda: posting.post_contributions(s, YEAR, user="bench", rules=rules))
        parts["contributions by source"] = (w, c)
        _, w, c = _timed(lambda: posting.post_allocations(s, YEAR, user="bench", rules=rules))
        parts["fiscal allocations"] = (w, c)
        s.rollback()
    return parts


def _whole(engine: Any, rules: Any, counts: dict[str, int]) -> dict[str, tuple[float, float]]:
    """The whole year posted, then every institution's statements of the year; rolled back."""
    from sqlalchemy.orm import Session

    from safetynet.funds.posting import post_year
    from safetynet.funds.statements import statements

    bp = rules.payments.quality_deposit.share_bp
    with Session(engine) as s:
        _, w, c = _timed(lambda: post_year(s, YEAR, user="bench", rules=rules))
        rows, w2, c2 = _timed(lambda: statements(s, YEAR, bp))
        counts["statement rows"] = len(rows)
        counts["institutions"] = len({r.institution_code for r in rows})
        s.rollback()
    return {"whole year (post_year)": (w, c), "every institution's statements": (w2, c2)}
