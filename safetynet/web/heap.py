"""The server process's heap after start-up: collected once and frozen, so the garbage
collector's full passes never walk it again.

A server process holds a million long-lived objects once it has started (the compiled
policies and their kernel, numba, Polars, SQLAlchemy's and pydantic's tables). A full
collection walks all of them: a pause of a hundred milliseconds and more, with the GIL held,
in which every request of the process waits; under load it came a few times in fifteen
seconds and made the slowest percent of settlements several times slower than the rest.
Frozen (``gc.freeze``), those objects sit in a generation the collector ignores; what it
walks is what the process made since, and a full pass is short. Nothing is lost: the heap
is collected just before, objects made later are collected as usual, and a frozen object
no longer referenced is still freed at once (only a reference cycle would wait); at shutdown
the heap is thawed, for a process that goes on (the tests, an embedding).
"""

from __future__ import annotations

import gc


def freeze_start_up_heap() -> int:
    """Collect, then move every object alive now out of the collector's way (call at the end
    of a server's start-up, after the warm-up). Returns the number of objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def thaw_heap() -> None:
    """Give the frozen objects back to the collector (a server's shutdown)."""
    gc.unfreeze()
