"""Synthetic claim streams for the settlement benchmark (numpy, deterministic by seed).

Not the synthetic county (``safetynet.synth``): just many realistic-looking claims, already in
the engine's batch layout, generated fast enough not to dominate the measurement.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus, code
from safetynet.engine.batch import KIND_ENUM, LEVEL_ENUM
from safetynet.engine.facts import status_mask

_LEVEL_P = np.array([0.58, 0.33, 0.07, 0.01, 0.008, 0.002])
_STATUS_CHOICES = np.array(
    [
        status_mask({PovertyStatus.ORDINARY}),
        status_mask({PovertyStatus.REGISTERED_POOR}),
        status_mask({PovertyStatus.REGISTERED_POOR, PovertyStatus.LOW_INCOME}),
        status_mask({PovertyStatus.EXTREMELY_POOR}),
        status_mask({PovertyStatus.MARGINAL}),
    ],
    np.int64,
)
_STATUS_P = np.array([0.86, 0.08, 0.03, 0.01, 0.02])


def bench_claims(n: int, *, seed: int = 7, year: int = 2017) -> pl.DataFrame:
    """``n`` claims of about ``n / 4`` persons in settlement order (household, date)."""
    rng = np.random.default_rng(seed)
    persons = max(n // 4, 1)
    person = np.sort(rng.integers(0, persons, n))
    household = person // 3
    kind = rng.choice(3, n, p=[0.9, 0.008, 0.092])  # outpatient, inpatient, chronic
    kind_codes = np.array(
        [code(ClaimKind.OUTPATIENT), code(ClaimKind.INPATIENT), code(ClaimKind.CHRONIC_OUTPATIENT)]
    )[kind]
    level = rng.choice(6, n, p=_LEVEL_P)
    level = np.where(kind_codes == code(ClaimKind.INPATIENT), np.maximum(level, 1), level)
    base_cost = np.array([9.1, 22.1, 60.7, 425, 382, 500])[level] * 100
    cost = base_cost * rng.lognormal(0, 0.6, n)
    cost = np.where(kind_codes == code(ClaimKind.INPATIENT), cost * 60, cost)
    total = np.maximum(cost.astype(np.int64), 100)
    compliant = (total * rng.uniform(0.7, 1.0, n)).astype(np.int64)
    status = _STATUS_CHOICES[rng.choice(len(_STATUS_CHOICES), persons, p=_STATUS_P)][person]
    day = rng.integers(0, 365, n)
    order = np.lexsort((day, household))
    start = dt.date(year, 1, 1)
    df = pl.DataFrame(
        {
            "person_id": person[order],
            "household_id": household[order],
            "year": np.full(n, year, np.int32),
            "date": pl.Series(day[order].astype("timedelta64[D]") + np.datetime64(start)),
            "seq": np.arange(n, dtype=np.int64),
            "kind": pl.Series(kind_codes[order].astype(np.uint32)).cat.to(KIND_ENUM),
            "level": pl.Series(level[order].astype(np.uint32)).cat.to(LEVEL_ENUM),
            "in_county": level[order] <= code(InstitutionLevel.COUNTY),
            "referral": rng.random(n) < 0.5,
            "status_mask": status[order],
            "disease_mask": (kind_codes[order] == code(ClaimKind.CHRONIC_OUTPATIENT)).astype(
                np.int64
            ),
            "age": (rng.beta(2, 2, persons) * 90).astype(np.int32)[person[order]],
            "total_fen": total[order],
            "compliant_fen": compliant[order],
            "essential_fen": (compliant[order] * 0.3).astype(np.int64),
            "deducted_fen": np.zeros(n, np.int64),
        }
    )
    return df.with_columns(pl.col("date").cast(pl.Date))
