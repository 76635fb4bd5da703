"""A candidate's figures from the kernel's arrays, and the claims year they are read from.

:class:`ClaimsYear` holds a claims year prepared once for the kernel (the engine's
:class:`~safetynet.engine.batch.PreparedBatch`) with what the figures need per claim: the
claim's person-year and household-year rows, whether the person is poor, the cost. Each
candidate is then the kernel alone (:func:`settle_prepared`) and a few sums (``np.bincount``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numba
import numpy as np
import polars as pl

from safetynet.design.targets import Constraint, Metric
from safetynet.engine import layout as L
from safetynet.engine.batch import PreparedBatch, prepare_batch, settle_prepared
from safetynet.engine.compile import CompiledPolicy
from safetynet.simulation.compare import POOR_MASK


@dataclass(frozen=True)
class Figures:
    """What a policy does to the claims year: exact integers throughout."""

    layers: dict[str, int]  # fen paid by each layer
    paid_all: int
    total_all: int
    paid_poor: int
    total_poor: int
    poor_persons: int
    over: dict[tuple[str, int], int] = field(default_factory=dict)  # (what, fen) → count

    @property
    def spend(self) -> int:
        return sum(self.layers.values())

    @property
    def poor_ratio(self) -> float:
        return self.paid_poor / self.total_poor if self.total_poor else 0.0

    def value(self, m: Metric) -> int | float:
        if m.name == "spend":
            return self.layers.get(m.arg, 0) if m.arg else self.spend
        if m.name == "ratio":
            return self.paid_all / self.total_all if self.total_all else 0.0
        if m.name == "poor_ratio":
            return self.poor_ratio
        count = self.over[(m.name, int(m.arg or 0))]
        if m.name == "poor_oop_share":
            return count / self.poor_persons if self.poor_persons else 0.0
        return count

    def measurable(self, m: Metric) -> bool:
        """False for a ratio or share with nothing to divide by (no cost, no poor patient):
        a target on it is neither met nor missed but not measurable."""
        den = {"ratio": self.total_all, "poor_ratio": self.total_poor,
               "poor_oop_share": self.poor_persons}.get(m.name, 1)  # fmt: skip
        return den != 0

    def shown(self, m: Metric) -> int | float | None:
        """:meth:`value` as tables and reform files show it: a ratio or share with nothing to
        divide by (no cost, no poor patient) is undefined (None, a dash), as the indicators
        and ``safetynet simulate`` leave it, not the 0 % the search ranks it at."""
        return self.value(m) if self.measurable(m) else None

    def meets(self, c: Constraint) -> bool:
        """Exact: ratios as integer cross-products, never as floats. A target that is not
        :meth:`measurable` is not met (0 ≥ 0 over an empty population proves nothing)."""
        m = c.metric
        if not self.measurable(m):
            return False
        if m.name in ("ratio", "poor_ratio", "poor_oop_share"):
            if m.name == "poor_oop_share":
                num, den = self.over[(m.name, int(m.arg or 0))], self.poor_persons
            elif m.name == "ratio":
                num, den = self.paid_all, self.total_all
            else:
                num, den = self.paid_poor, self.total_poor
            left, right = num * 10_000, c.bound * den
        else:
            left, right = int(self.value(m)), c.bound
        return left >= right if c.op == ">=" else left <= right

    def violation(self, c: Constraint) -> float:
        """0 when met, else how far off, relative to the bound (for the sampler)."""
        if self.meets(c):
            return 0.0
        if not self.measurable(c.metric):
            return 1.0  # no candidate can change an empty population: a constant
        v = float(self.value(c.metric))
        b = float(c.bound_value)
        return max(abs(v - b) / max(abs(b), 1e-9), 1e-9)


def _matching(k: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Claims (columns ``c``) that meet condition row ``k`` — the kernel's ``_matches``,
    vectorised."""
    ok = np.ones(c.shape[1], bool)
    if k[L.K_STATUS]:
        ok &= (c[L.C_STATUS] & k[L.K_STATUS]) != 0
    if k[L.K_KIND]:
        ok &= ((k[L.K_KIND] >> c[L.C_KIND]) & 1) != 0
    if k[L.K_LEVEL]:
        ok &= ((k[L.K_LEVEL] >> c[L.C_LEVEL]) & 1) != 0
    if k[L.K_DISEASE]:
        ok &= (c[L.C_DISEASE] & k[L.K_DISEASE]) != 0
    if k[L.K_IN_COUNTY] >= 0:
        ok &= c[L.C_IN_COUNTY] == k[L.K_IN_COUNTY]
    if k[L.K_REFERRAL] >= 0:
        ok &= c[L.C_REFERRAL] == k[L.K_REFERRAL]
    if k[L.K_AGE_FROM] >= 0:
        ok &= c[L.C_AGE] >= k[L.K_AGE_FROM]
    if k[L.K_AGE_TO] >= 0:
        ok &= c[L.C_AGE] < k[L.K_AGE_TO]
    return ok


class _Part:
    """Claims prepared for the kernel, with the rows the figures sum over."""

    def __init__(self, batch: PreparedBatch) -> None:
        self.batch = batch
        claims = batch.claims
        self.n = claims.height
        self.total = claims.get_column("total_fen").to_numpy().astype(np.int64)
        self.poor = (claims.get_column("status_mask").to_numpy() & POOR_MASK) != 0
        self.poor_i = self.poor.astype(np.int64)
        self.person_row = batch.person_rows
        starts = batch.block_starts
        self.household_row = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
        self.n_persons = int(self.person_row.max()) + 1 if self.n else 0
        self.n_households = len(starts) - 1
        self.poor_person = np.bincount(self.person_row[self.poor], minlength=self.n_persons) > 0
        self.threads = numba.get_num_threads()

    def settle(self, cp: CompiledPolicy) -> tuple[np.ndarray, np.ndarray]:
        before = numba.get_num_threads()
        numba.set_num_threads(self.threads)
        try:
            return settle_prepared(cp, self.batch)
        finally:
            numba.set_num_threads(before)

    def choose_threads(self, cp: CompiledPolicy) -> None:
        """Settle once with one thread and once with all, and keep the faster: on a busy
        machine (or a small part) waking the kernel's threads can cost more than it saves."""
        timings = []
        for n in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            self.threads = n
            self.settle(cp)  # warm
            t0 = time.perf_counter()
            self.settle(cp)
            timings.append((time.perf_counter() - t0, n))
        self.threads = min(timings)[1]

    def sums(self, cp: CompiledPolicy, thresholds: list[tuple[str, int]]) -> Figures:
        pay, oop = self.settle(cp)
        paid = pay.sum(axis=0)
        over: dict[tuple[str, int], int] = {}
        if thresholds:
            oop_f = oop.astype(np.float64)  # exact: sums stay far below 2**53 fen
            person = np.bincount(self.person_row, weights=oop_f, minlength=self.n_persons)
            household = np.bincount(self.household_row, weights=oop_f, minlength=self.n_households)
            for what, fen in thresholds:
                if what == "poor_oop_share":
                    over[(what, fen)] = int(((person > fen) & self.poor_person).sum())
                elif what == "catastrophic_persons":
                    over[(what, fen)] = int((person > fen).sum())
                else:
                    over[(what, fen)] = int((household > fen).sum())
        return Figures(
            layers={lid: int(pay[i].sum()) for i, lid in enumerate(cp.layer_ids)},
            paid_all=int(paid.sum()),
            total_all=int(self.total.sum()),
            paid_poor=int(paid @ self.poor_i),
            total_poor=int(self.total[self.poor].sum()),
            poor_persons=int(self.poor_person.sum()),
            over=over,
        )


class ClaimsYear:
    """A claims year prepared once; the figures of any variant policy over it.

    Household-years settle independently, so when the varied values all sit in rules (not
    in their ``when``), only the household-years with a claim that one of those rules can
    apply to are settled again per candidate; the others' figures are taken once, from the
    base policy. ``rules`` (layer id, rule id) are those rules, None for every claim.
    """

    def __init__(
        self,
        batch: pl.DataFrame,
        thresholds: list[tuple[str, int]],
        base: CompiledPolicy,
        rules: list[tuple[str, str]] | None = None,
    ) -> None:
        full = _Part(prepare_batch(batch))
        self.thresholds = sorted(set(thresholds))
        self.n_claims = full.n
        self.n_persons = full.n_persons
        self.fixed: Figures | None = None
        self.part = full
        if rules is None or not full.n:
            full.choose_threads(base)
            return
        refs = [(r.layer_id, r.rule_id) for r in base.rules]
        hit = np.zeros(full.n, bool)
        for ref in rules:
            hit |= _matching(base.cond[refs.index(ref)], full.batch.columns)
        blocks = np.bincount(full.household_row, weights=hit, minlength=full.n_households) > 0
        varied = blocks[full.household_row]
        if varied.all():
            full.choose_threads(base)
            return
        fixed = _Part(prepare_batch(full.batch.claims.filter(pl.Series(~varied)), check=False))
        self.fixed = fixed.sums(base, self.thresholds)
        self.part = _Part(prepare_batch(full.batch.claims.filter(pl.Series(varied)), check=False))
        self.part.choose_threads(base)

    @property
    def batch(self) -> PreparedBatch:
        """The claims settled per candidate."""
        return self.part.batch

    @property
    def n_settled(self) -> int:
        return self.part.n

    def figures(self, cp: CompiledPolicy) -> Figures:
        f = self.part.sums(cp, self.thresholds)
        g = self.fixed
        if g is None:
            return f
        return Figures(
            layers={k: v + g.layers.get(k, 0) for k, v in f.layers.items()},
            paid_all=f.paid_all + g.paid_all,
            total_all=f.total_all + g.total_all,
            paid_poor=f.paid_poor + g.paid_poor,
            total_poor=f.total_poor + g.total_poor,
            poor_persons=f.poor_persons + g.poor_persons,
            over={k: v + g.over[k] for k, v in f.over.items()},
        )


def thresholds_of(constraints: list[Constraint]) -> list[tuple[str, int]]:
    """The (metric, fen) pairs whose counts the figures must carry."""
    counted = ("poor_oop_share", "catastrophic_households", "catastrophic_persons")
    return [
        (c.metric.name, int(c.metric.arg or 0)) for c in constraints if c.metric.name in counted
    ]
