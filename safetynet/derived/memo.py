"""Figures remembered per snapshot version, in this process.

A key names what was computed and the exact data it was computed from — the snapshot's
:attr:`~safetynet.derived.snapshot.Snapshot.version` (registry token, highest ledger id,
ids still in flight) and whatever else was read live — so a remembered value is only ever
returned for the same data: a new ledger entry or a registry change gives new keys. The
least recently used values are dropped beyond :data:`SIZE`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
SIZE = 24
_LOCK = threading.Lock()
_STORE: OrderedDict[Hashable, object] = OrderedDict()


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """The value for ``key``, computed (outside the lock) when not remembered."""
    with _LOCK:
        if key in _STORE:
            _STORE.move_to_end(key)
            return _STORE[key]  # type: ignore[return-value]
    value = compute()
    with _LOCK:
        _STORE[key] = value
        while len(_STORE) > SIZE:
            _STORE.popitem(last=False)
    return value


def forget() -> None:
    with _LOCK:
        _STORE.clear()


def recall(key: Hashable) -> object | None:
    """The value stored under ``key`` by :func:`keep` (or :func:`remembered`), if any."""
    with _LOCK:
        if key in _STORE:
            _STORE.move_to_end(key)
            return _STORE[key]
    return None


def keep(key: Hashable, value: object) -> None:
    with _LOCK:
        _STORE[key] = value
        while len(_STORE) > SIZE:
            _STORE.popitem(last=False)
