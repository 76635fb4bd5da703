"""The claim file's integer keys and its claim-number check, against plain references:
``engine.keys.dense_ids`` (an open-addressing table, probes prefetched ahead) numbers keys
in order of first appearance however they collide and however far the table grows, and
``fileformat._distinct`` says whether claim numbers in no order repeat."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from safetynet.claims.fileformat import _distinct
from safetynet.engine.keys import dense_ids


def _reference(keys: np.ndarray) -> tuple[np.ndarray, int]:
    seen: dict[int, int] = {}
    out = np.array([seen.setdefault(int(k), len(seen)) for k in keys], np.int64)
    return out, len(seen)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=40),
    st.lists(st.integers(0, 10_000), max_size=400),
)
def test_dense_ids_number_keys_in_order_of_first_appearance(
    distinct: list[int], picks: list[int]
) -> None:
    pool = np.array(distinct, np.uint64)
    keys = pool[np.array(picks, np.int64) % pool.size] if picks else pool
    ids, n = dense_ids(keys.view(np.int64))
    want, n_want = _reference(keys)
    assert n == n_want
    assert np.array_equal(ids, want)


def test_dense_ids_through_growth_and_colliding_slots() -> None:
    rng = np.random.default_rng(7)
    # keys equal in their low 29 bits and in bits 29..57 start their probes at one slot
    colliding = (np.arange(3_000, dtype=np.uint64) << np.uint64(58)) | np.uint64(12345)
    spread = rng.integers(0, 2**63, 200_000, dtype=np.int64).view(np.uint64)
    pool = np.concatenate([colliding, spread])
    keys = pool[rng.integers(0, pool.size, 600_000)]
    ids, n = dense_ids(keys.view(np.int64))
    want, n_want = _reference(keys)
    assert n == n_want and n > 65_536  # the table grew several times
    assert np.array_equal(ids, want)


def test_claim_numbers_in_no_order_distinct_or_not() -> None:
    rng = np.random.default_rng(3)
    numbers = [f"MZ{i:012d}" for i in rng.permutation(100_000)]
    assert _distinct(pl.Series(numbers))
    numbers[70_000] = numbers[12]
    assert not _distinct(pl.Series(numbers))
    assert not _distinct(pl.Series(["a", None, "b"]))
