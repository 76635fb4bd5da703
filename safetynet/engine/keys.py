"""Integer keys for string ids, and the settlement order, in linear time (numba).

A claim file names persons and households by strings. The engine needs them as integers:
``dense_ids`` numbers 64-bit hashes of the ids 0, 1, ... in order of first appearance (an
open-addressing hash table, one pass), and ``check_keys`` proves the numbering exact with a
second, independent hash (two different ids with the same first hash would show as one key
with two second hashes) and finds each person whose claims name two households.
``settlement_order`` groups claims by household with a stable counting sort, so claims that
are already in date order (as claim files usually are) are never compared with each other.
The numbering and its check release the GIL: a claim file's other columns are prepared in
another thread meanwhile (``claims.prepare``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from safetynet.engine.prefetch import prefetch

_AHEAD = 16  # keys ahead whose table slot is asked for (``prefetch``) before it is probed


@njit(cache=True, nogil=True, inline="always")
def _slot(key: np.uint64, mask: int) -> np.int64:
    """Where the probe for ``key`` starts in a table of ``mask + 1`` slots."""
    return np.int64((key ^ (key >> np.uint64(29))) & np.uint64(mask))


@njit(cache=True, nogil=True)
def _insert(table: np.ndarray, mask: int, key: np.uint64, k: int) -> int:
    """The id of ``key`` in ``table`` (rows: key, id + 1; 0 = empty), adding it as ``k``."""
    j = _slot(key, mask)
    while True:
        if table[j, 1] == 0:
            table[j, 0] = key
            table[j, 1] = k + 1
            return k
        if table[j, 0] == key:
            return np.int64(table[j, 1] - 1)
        j = (j + 1) & mask


@njit(cache=True, nogil=True)
def _dense_ids(keys: np.ndarray) -> tuple[np.ndarray, int]:
    """One pass; the table (key and id side by side, one cache line per probe) is sized to
    the distinct keys seen so far and doubled when half full, so it stays small. The slot
    of the key ``_AHEAD`` places on is prefetched: a million persons' table is larger than
    the caches and the keys come in no order they predict, so each probe would otherwise
    wait for memory (half the CPU time of numbering the county's 4.1 M claims)."""
    n = keys.shape[0]
    size = 1 << 16
    mask = size - 1
    table = np.zeros((size, 2), np.uint64)
    out = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        if 2 * (k + 1) > size:  # grow: rehash every key into a table twice the size
            size *= 2
            mask = size - 1
            bigger = np.zeros((size, 2), np.uint64)
            for j in range(table.shape[0]):
                if table[j, 1] != 0:
                    _insert(bigger, mask, table[j, 0], np.int64(table[j, 1] - 1))
            table = bigger
        if i + _AHEAD < n:  # a hint only: the slot where that key's probe starts
            prefetch(table, _slot(keys[i + _AHEAD], mask), 0)
        got = _insert(table, mask, keys[i], k)
        out[i] = got
        if got == k:
            k += 1
    return out, k


def dense_ids(keys: np.ndarray) -> tuple[np.ndarray, int]:
    """Number distinct keys 0, 1, ... in order of first appearance; return (ids, count)."""
    return _dense_ids(np.ascontiguousarray(keys).view(np.uint64))


@njit(cache=True, nogil=True)
def _check_keys(
    pid: np.ndarray,
    n_persons: int,
    person_check: np.ndarray,
    hid: np.ndarray,
    n_households: int,
    household_check: np.ndarray,
) -> tuple[bool, np.ndarray]:
    n = pid.shape[0]
    p_first = np.full(n_persons, -1, np.int64)
    h_first = np.full(n_households, -1, np.int64)
    exact = True
    split = np.zeros(n_persons, np.bool_)
    for i in range(n):
        p, h = pid[i], hid[i]
        if h_first[h] < 0:
            h_first[h] = i
        elif household_check[h_first[h]] != household_check[i]:
            exact = False
        if p_first[p] < 0:
            p_first[p] = i
        else:
            f = p_first[p]
            if person_check[f] != person_check[i]:
                exact = False
            if hid[f] != h:
                split[p] = True
    return exact, split


def check_keys(
    pid: np.ndarray,
    n_persons: int,
    person_check: np.ndarray,
    hid: np.ndarray,
    n_households: int,
    household_check: np.ndarray,
) -> tuple[bool, np.ndarray]:
    """(whether the dense ids are exact, a bool per person id: claims in two households)."""
    return _check_keys(
        pid,
        n_persons,
        np.ascontiguousarray(person_check).view(np.int64),
        hid,
        n_households,
        np.ascontiguousarray(household_check).view(np.int64),
    )


@njit(cache=True)
def _counting_order(ids: np.ndarray, n_ids: int, pre: np.ndarray) -> np.ndarray:
    counts = np.zeros(n_ids + 1, np.int64)
    for i in range(ids.shape[0]):
        counts[ids[i] + 1] += 1
    for k in range(n_ids):
        counts[k + 1] += counts[k]
    out = np.empty(pre.shape[0], np.int64)
    for i in range(pre.shape[0]):
        r = pre[i]
        g = ids[r]
        out[counts[g]] = r
        counts[g] += 1
    return out


def _lex_sorted(cols: list[np.ndarray]) -> bool:
    """Whether rows are in lexicographic order of ``cols``."""
    n = cols[0].shape[0]
    if n < 2:
        return True
    equal = np.ones(n - 1, bool)
    for a in cols:
        d = np.sign(a[1:].astype(np.int64) - a[:-1].astype(np.int64))
        if np.any(equal & (d < 0)):
            return False
        equal &= d == 0
    return True


def settlement_order(household: np.ndarray, within: list[np.ndarray]) -> np.ndarray:
    """Row numbers grouping claims by household (in order of first appearance) and, within
    a household, ordering them by the ``within`` columns (e.g. year, date, sequence)."""
    n = household.shape[0]
    if _lex_sorted(within):
        pre = np.arange(n, dtype=np.int64)
    else:
        pre = np.lexsort(tuple(reversed(within))).astype(np.int64)
    ids, n_ids = dense_ids(household.astype(np.int64, copy=False))
    return _counting_order(ids, n_ids, pre)
