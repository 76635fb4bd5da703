"""Resident IDs checked a column at a time: claim files of millions of rows.

The same rules as :func:`safetynet.registry.resident_id.parse_resident_id` (its weights,
check characters and earliest birth date; a property test holds the two together), in one
compiled pass over the column's bytes where Polars keeps them (Arrow string views and
their data buffers, no copy of the column), no Python per row.

A person key is *meant as* a resident ID when, spaces around it aside, it is 15 characters
or more of ASCII digits, the last maybe an ``X`` or ``x``; other keys (``P1``, ``H-001``)
are any stable key and are not checked. A key meant as an ID must be one, written in
canonical form: 18 characters, no spaces, a capital ``X`` (so one person is one key).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
from llvmlite import ir
from numba import carray, njit, types
from numba.extending import intrinsic

from safetynet.clock import local_today
from safetynet.registry.resident_id import CHECK_CHARS, EARLIEST_BIRTH, WEIGHTS

_WEIGHTS = np.asarray(WEIGHTS, np.int64)
_CHECKS = np.frombuffer(CHECK_CHARS.encode(), np.uint8).copy()  # by weighted sum mod 11
_SPACE = np.zeros(256, np.bool_)
_SPACE[[9, 10, 11, 12, 13, 32]] = True  # ASCII white space, as str.strip and \s see it
OTHER, BAD, VALID = 0, 1, 2  # what the pass finds of each key


@intrinsic
def _bytes_at(typingctx: Any, address: Any) -> Any:
    """The memory at ``address`` (an Arrow buffer's, from Python) as a pointer to bytes, for
    ``numba.carray``: the kernel reads the buffers where they are. (A list of the buffers as
    arrays, numba's typed List, is compiled afresh in every process: half a CPU-second.)"""
    sig = types.CPointer(types.uint8)(types.int64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.inttoptr(args[0], ir.IntType(8).as_pointer())

    return sig, codegen


def _ymd(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


@njit(cache=True, nogil=True)
def _month_days(year: int, month: int) -> int:
    if month == 2:
        leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


@njit(cache=True, nogil=True)
def _meant_as_id(data: np.ndarray, lo: int, hi: int, space: np.ndarray) -> int:
    """A key of 15 bytes or more not in canonical form: :data:`BAD` if it is meant as an ID
    (digits, maybe a last X, spaces around), else :data:`OTHER`."""
    a, b = lo, hi
    while a < b and space[data[a]]:
        a += 1
    while b > a and space[data[b - 1]]:
        b -= 1
    if b - a < 15:
        return OTHER
    for j in range(a, b - 1):
        if data[j] < 48 or data[j] > 57:
            return OTHER
    last = data[b - 1]
    return BAD if 48 <= last <= 57 or last == 88 or last == 120 else OTHER


@njit(cache=True, nogil=True)
def _classify(
    views: np.ndarray,
    addresses: np.ndarray,
    sizes: np.ndarray,
    weights: np.ndarray,
    checks: np.ndarray,
    space: np.ndarray,
    earliest: int,
    latest: int,
    out: np.ndarray,
) -> None:
    """``out[i]``: key ``i`` of an Arrow string-view column is a valid resident ID in
    canonical form (:data:`VALID`), is meant as one but is not (:data:`BAD`), or is another
    key (:data:`OTHER`, 0). ``views`` holds the column's 16-byte views as four int32 each
    (length, prefix, buffer, offset); a key of 12 bytes or fewer is stored in its view and
    is never meant as an ID (15 characters at least), so only the buffers are read (buffer
    ``b`` has ``sizes[b]`` bytes at ``addresses[b]``).

    A key of 18 bytes is read as a canonical ID here, in the loop, every byte looked at
    with no early exit (a loop without branches, which the compiler unrolls): a quarter of
    the time of the same steps in functions of their own. Other keys: ``_meant_as_id``."""
    current = -1  # the buffer ``data`` is: keys follow one another in the buffers
    data = np.zeros(0, np.uint8)
    for i in range(out.size):
        length = views[i, 0]
        if length < 15:
            continue
        if views[i, 2] != current:
            current = views[i, 2]
            data = carray(_bytes_at(addresses[current]), sizes[current])
        lo = np.int64(views[i, 3])
        if length != 18:
            out[i] = _meant_as_id(data, lo, lo + length, space)
            continue
        total = 0
        other = False
        for j in range(17):
            d = np.int64(data[lo + j]) - 48
            other |= (d < 0) | (d > 9)
            total += d * weights[j]
        last = data[lo + 17]
        if other or not (48 <= last <= 57 or last == 88):
            out[i] = _meant_as_id(data, lo, lo + length, space)
            continue
        if checks[total % 11] != last:
            out[i] = BAD
            continue
        year = (
            (np.int64(data[lo + 6]) - 48) * 1000
            + (np.int64(data[lo + 7]) - 48) * 100
            + (np.int64(data[lo + 8]) - 48) * 10
            + np.int64(data[lo + 9])
            - 48
        )
        month = (np.int64(data[lo + 10]) - 48) * 10 + np.int64(data[lo + 11]) - 48
        day = (np.int64(data[lo + 12]) - 48) * 10 + np.int64(data[lo + 13]) - 48
        if month < 1 or month > 12 or day < 1 or day > _month_days(year, month):
            out[i] = BAD
            continue
        ymd = year * 10_000 + month * 100 + day
        out[i] = BAD if ymd < earliest or ymd > latest else VALID


def _states(ids: pl.Series, today: date | None) -> np.ndarray:
    """:data:`OTHER`, :data:`BAD` or :data:`VALID` for each key (nulls: other).

    The strings are read where Polars keeps them (Arrow string views and their data
    buffers, handed over without a copy), not copied into one contiguous buffer first."""
    text = ids.cast(pl.String).to_arrow(compat_level=pl.CompatLevel.newest())
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    parts = []
    latest = _ymd(today or local_today())
    for chunk in chunks:
        out = np.zeros(len(chunk), np.uint8)
        if len(chunk):
            _, views_buf, *data_bufs = chunk.buffers()
            views = np.frombuffer(views_buf, np.int32).reshape(-1, 4)
            views = views[chunk.offset : chunk.offset + len(chunk)]
            addresses = np.array([b.address if b else 0 for b in data_bufs], np.int64)
            sizes = np.array([b.size if b else 0 for b in data_bufs], np.int64)
            _classify(
                views,
                addresses,
                sizes,
                _WEIGHTS,
                _CHECKS,
                _SPACE,
                _ymd(EARLIEST_BIRTH),
                latest,
                out,
            )
            if chunk.null_count:  # a null's view is not read as a key
                out[chunk.is_null().to_numpy(zero_copy_only=False)] = OTHER
        parts.append(out)
    return np.concatenate(parts) if parts else np.zeros(0, np.uint8)


def invalid_resident_ids(ids: pl.Series, *, today: date | None = None) -> pl.Series:
    """Per key: meant as a resident ID (see the module) but not a valid one, in canonical
    form; false for other keys and for nulls."""
    return pl.Series(ids.name, _states(ids, today) == BAD, pl.Boolean)


def valid_resident_ids(ids: pl.Series, *, today: date | None = None) -> pl.Series:
    """Per text: a valid resident ID as written (canonical form); false for anything else,
    nulls included."""
    return pl.Series(ids.name, _states(ids, today) == VALID, pl.Boolean)
