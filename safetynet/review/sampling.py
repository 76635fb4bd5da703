"""The spot check's sample and its extrapolation, pure (no database, no clock).

**Sample.** Claims fall into the strata of the parameter file by their risk score (a claim
belongs to the first stratum whose ``min_score`` it reaches). From each stratum of ``N_h``
claims ``ceil(share_h × N_h)`` are drawn at random; then ``ceil(random_share × N)`` more are
drawn at random from all claims not yet drawn. Within a stratum the claims drawn, by either
draw, are a simple random sample of it (given their number), which the estimator needs. The
same claims, parameters and seed draw the same sample (numpy's PCG64).

**Extrapolation** (ratio estimator per stratum). With ``x_i`` a sampled claim's amount and
``y_i`` the amount the inspectors found wrong in it, ``n_h`` the claims checked of the
``N_h`` claims of amount ``X_h`` in stratum ``h``::

    R_h   = Σ y_i / Σ x_i                               (error ratio of the stratum)
    Ŷ_h   = R_h × (X_h − Σ x_i)                          (to recover from its unsampled claims)
    s²_h  = Σ (y_i − R_h x_i)² / (n_h − 1)
    V_h   = N_h² × (1 − n_h / N_h) × s²_h / n_h
    total = Σ_h Ŷ_h,   interval = total ± z × √(Σ_h V_h),   z the normal quantile of the
                                                              confidence (1.96 at 95 %)

``Ŷ_h`` is rounded half up to the fen; the interval's ends outward (floor, ceiling) and the
lower end at no less than zero. A stratum with one claim checked has no variance estimate
(``s²_h`` is taken as 0 and the stratum is marked); a stratum with none checked extrapolates
nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from statistics import NormalDist

import numpy as np

from safetynet.review.schema import Sampling


@dataclass(frozen=True)
class Candidate:
    claim_id: int
    score: float
    amount_fen: int


@dataclass(frozen=True)
class Drawn:
    claim_id: int
    stratum: str
    by_random_share: bool


def stratum_of(score: float, sampling: Sampling) -> str:
    for stratum in sampling.strata:
        if score >= stratum.min_score:
            return stratum.id
    return sampling.strata[-1].id


def _count(share_percent: float, population: int) -> int:
    if population == 0 or share_percent <= 0:
        return 0
    return min(population, math.ceil(Fraction(str(share_percent)) * population / 100))


def draw(candidates: Sequence[Candidate], sampling: Sampling, seed: int) -> list[Drawn]:
    """The sample, ordered by stratum (as listed) then claim id."""
    rng = np.random.default_rng(seed)
    ordered = sorted(candidates, key=lambda c: c.claim_id)
    by_stratum: dict[str, list[int]] = {s.id: [] for s in sampling.strata}
    for c in ordered:
        by_stratum[stratum_of(c.score, sampling)].append(c.claim_id)
    drawn: dict[int, Drawn] = {}
    for stratum in sampling.strata:
        ids = by_stratum[stratum.id]
        k = _count(stratum.share.value, len(ids))
        for i in rng.choice(len(ids), size=k, replace=False) if k else []:
            drawn[ids[i]] = Drawn(ids[i], stratum.id, False)
    rest = [c.claim_id for c in ordered if c.claim_id not in drawn]
    k = min(len(rest), _count(sampling.random_share.value, len(ordered)))
    stratum_by_id = {cid: s for s, ids in by_stratum.items() for cid in ids}
    for i in rng.choice(len(rest), size=k, replace=False) if k else []:
        drawn[rest[i]] = Drawn(rest[i], stratum_by_id[rest[i]], True)
    order = {s.id: n for n, s in enumerate(sampling.strata)}
    return sorted(drawn.values(), key=lambda d: (order[d.stratum], d.claim_id))


@dataclass(frozen=True)
class Population:
    claims: int  # N_h
    amount_fen: int  # X_h


@dataclass(frozen=True)
class Checked:
    stratum: str
    amount_fen: int  # x_i
    found_fen: int  # y_i


@dataclass(frozen=True)
class StratumEstimate:
    stratum: str
    claims: int  # N_h
    amount_fen: int  # X_h
    checked: int  # n_h
    checked_fen: int  # Σ x
    found_fen: int  # Σ y
    ratio: float | None  # R_h (None: nothing checked to divide by)
    unsampled_fen: int  # X_h − Σ x
    to_recover_fen: int  # Ŷ_h
    variance: float  # V_h (fen²)
    variance_estimated: bool  # False when fewer than two claims were checked


@dataclass(frozen=True)
class Extrapolation:
    strata: list[StratumEstimate]
    found_fen: int  # on the checked claims
    to_recover_fen: int  # Σ Ŷ_h (unsampled claims)
    low_fen: int
    high_fen: int
    confidence: float  # 0.95
    error_rate: float | None  # Σ y / Σ x over every checked claim (None: nothing checked)


def half_up(value: Fraction) -> int:
    """An exact fraction of fen, rounded half up (away from zero at .5)."""
    quotient = Decimal(value.numerator) / Decimal(value.denominator)
    return int(quotient.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def extrapolate(
    population: dict[str, Population], checked: Sequence[Checked], confidence: float
) -> Extrapolation:
    """The ratio estimate per stratum, its total and the interval (see the module)."""
    rows: list[StratumEstimate] = []
    for stratum, pop in population.items():
        mine = [c for c in checked if c.stratum == stratum]
        n = len(mine)
        sx, sy = sum(c.amount_fen for c in mine), sum(c.found_fen for c in mine)
        ratio = Fraction(sy, sx) if sx else Fraction(0)
        unsampled = pop.amount_fen - sx
        estimate = half_up(ratio * unsampled) if n else 0
        variance = 0.0
        if n >= 2:
            r = float(ratio)
            s2 = sum((c.found_fen - r * c.amount_fen) ** 2 for c in mine) / (n - 1)
            variance = pop.claims**2 * (1 - n / pop.claims) * s2 / n
        rows.append(StratumEstimate(
            stratum=stratum, claims=pop.claims, amount_fen=pop.amount_fen, checked=n,
            checked_fen=sx, found_fen=sy, ratio=float(ratio) if sx else None,
            unsampled_fen=unsampled,
            to_recover_fen=estimate, variance=variance, variance_estimated=n >= 2,
        ))  # fmt: skip
    total = sum(r.to_recover_fen for r in rows)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    half = z * math.sqrt(sum(r.variance for r in rows))
    all_x = sum(c.amount_fen for c in checked)
    return Extrapolation(
        strata=rows, found_fen=sum(c.found_fen for c in checked), to_recover_fen=total,
        low_fen=max(0, math.floor(total - half)), high_fen=math.ceil(total + half),
        confidence=confidence,
        error_rate=sum(c.found_fen for c in checked) / all_x if all_x else None,
    )  # fmt: skip
