"""The settlement benchmark: batch claims per second and online microseconds per claim.

Used by ``safetynet bench settle``; returns figures, prints nothing. The batch is timed on
claims already in settlement order (as a year's ledger export is) and on the same claims
shuffled (which adds the sort); the online path times ``settle_one`` with its explanation,
one claim after another against the evolving accumulators.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import polars as pl

from safetynet.engine.batch import settle_batch
from safetynet.engine.benchclaims import bench_claims
from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.facts import ClaimFacts
from safetynet.engine.online import Accumulators, settle_one


@dataclass(frozen=True)
class BatchFigures:
    claims: int
    sorted_seconds: list[float]
    shuffled_seconds: float | None

    @property
    def best(self) -> float:
        return min(self.sorted_seconds)

    @property
    def claims_per_second(self) -> float:
        return self.claims / self.best


@dataclass(frozen=True)
class OnlineFigures:
    claims: int
    p50_us: float
    p99_us: float
    mean_us: float


def time_batch(
    cp: CompiledPolicy, claims: pl.DataFrame, *, repeats: int = 3, shuffled: bool = True
) -> BatchFigures:
    settle_batch(cp, claims.head(1000))  # compile / warm the kernels outside the timing
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        settle_batch(cp, claims)
        runs.append(time.perf_counter() - t0)
    shuffled_s = None
    if shuffled:
        mixed = claims.sample(fraction=1.0, shuffle=True, seed=1)
        t0 = time.perf_counter()
        settle_batch(cp, mixed)
        shuffled_s = time.perf_counter() - t0
    return BatchFigures(claims.height, runs, shuffled_s)


def _facts(rows: pl.DataFrame) -> list[ClaimFacts]:
    return [ClaimFacts.from_columns(r) for r in rows.iter_rows(named=True)]


def time_online(cp: CompiledPolicy, claims: pl.DataFrame) -> OnlineFigures:
    """Settle ``claims`` one by one (the person's accumulators carried along)."""
    facts = _facts(claims)
    persons = claims.get_column("person_id").to_list()
    settle_one(cp, facts[0], Accumulators.empty(cp))  # warm-up
    acc: dict[int, Accumulators] = {}
    times = np.empty(len(facts), np.float64)
    for i, (f, p) in enumerate(zip(facts, persons, strict=True)):
        current = acc.get(p) or Accumulators.empty(cp)
        t0 = time.perf_counter_ns()
        result = settle_one(cp, f, current)
        times[i] = (time.perf_counter_ns() - t0) / 1000
        acc[p] = result.accumulators
    return OnlineFigures(
        len(facts),
        float(np.percentile(times, 50)),
        float(np.percentile(times, 99)),
        float(times.mean()),
    )


def run(
    cp: CompiledPolicy, n: int, *, online: int = 20_000, repeats: int = 3, seed: int = 7
) -> tuple[BatchFigures, OnlineFigures, float]:
    """Generate ``n`` claims, time the batch and ``online`` claims one by one."""
    t0 = time.perf_counter()
    claims = bench_claims(n, seed=seed)
    generated = time.perf_counter() - t0
    batch = time_batch(cp, claims, repeats=repeats)
    online_figs = time_online(cp, claims.head(min(online, n)))
    return batch, online_figs, generated
