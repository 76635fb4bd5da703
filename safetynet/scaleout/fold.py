"""Fold a batch's results to one row per person, year, poor/not-poor and kind of claim, in
linear time: each row's group found in a table indexed by its dense key (numba), each sum a
sequential pass. What ``stream.for_compare`` does with a Polars ``group_by``, several times
faster on the millions of small groups a county's year makes."""

from __future__ import annotations

import numpy as np
import polars as pl
from numba import njit

from safetynet.engine.batch import KIND_ENUM


@njit(cache=True)
def _groups(key: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group (numbered in order of first appearance) and each group's first row."""
    slot = np.full(n_keys, -1, np.int64)
    group = np.empty(key.shape[0], np.int64)
    first = np.empty(key.shape[0], np.int64)
    n = 0
    for i in range(key.shape[0]):
        k = key[i]
        if slot[k] < 0:
            slot[k] = n
            first[n] = i
            n += 1
        group[i] = slot[k]
    return group, first[:n]


@njit(cache=True)
def _sums(group: np.ndarray, n_groups: int, values: np.ndarray) -> np.ndarray:
    out = np.zeros(n_groups, np.int64)
    for i in range(group.shape[0]):
        out[group[i]] += values[i]
    return out


def fold(
    results: pl.DataFrame, person_key: pl.Series, poor_mask: int, sums: list[str]
) -> pl.DataFrame | None:
    """The folded frame (``person_id``, ``date`` as 1 January, ``status_mask`` as
    ``poor_mask`` or 0, ``kind``, then the ``sums``), or ``None`` where the dense table would
    be too large or a column has nulls (the caller then groups with Polars)."""
    n = results.height
    if n == 0 or person_key.null_count() or any(results.get_column(c).null_count() for c in sums):
        return None
    years = results.get_column("date").dt.year().to_numpy().astype(np.int64)
    y0 = int(years.min())
    n_years = int(years.max()) - y0 + 1
    person = person_key.to_numpy().astype(np.int64)
    n_keys = (int(person.max()) + 1) * n_years * 2 * len(KIND_ENUM.categories)
    if person.min() < 0 or n_keys > 8 * n + (1 << 20):
        return None
    poor = (results.get_column("status_mask").to_numpy() & poor_mask) != 0
    kind = results.get_column("kind").cast(KIND_ENUM).to_physical().to_numpy().astype(np.int64)
    key = ((person * n_years + (years - y0)) * 2 + poor) * len(KIND_ENUM.categories) + kind
    group, first = _groups(key, n_keys)
    out = {
        "person_id": results.get_column("person_id").gather(first),
        "date": pl.Series(years[first].astype(np.int32)).cast(pl.Int32),
        "status_mask": pl.Series(np.where(poor[first], poor_mask, 0).astype(np.int64)),
        "kind": pl.Series(kind[first]).replace_strict(
            dict(enumerate(KIND_ENUM.categories.to_list())), return_dtype=pl.String
        ),
    }
    for c in sums:
        values = np.ascontiguousarray(results.get_column(c).to_numpy(), dtype=np.int64)
        out[c] = pl.Series(_sums(group, len(first), values))
    return pl.DataFrame(out).with_columns(pl.date(pl.col("date"), 1, 1))
