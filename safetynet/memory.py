"""Memory that Polars frees kept for reuse a while, in the command-line processes.

Settling a claim file frees and takes hundreds of MB in turn (read, check, prepare, settle,
write). Polars' allocator (jemalloc, with a background thread) gives freed pages back to
the system within half a second (Polars starts it with ``dirty_decay_ms:500``, for
long-running processes' sake, and appends what ``_RJEM_MALLOC_CONF`` holds, the later
setting winning), and each page taken again is faulted in afresh, which on this
kind of virtual machine costs much system time (the settling of the 1,000,000-person
county's claims took some 78,000 page faults, about 12,000 with freed pages kept a
minute). :func:`keep_freed_memory` asks jemalloc, through its environment variable, to
keep freed pages 60 s before giving them back; a value already in the environment is left
as it is. It acts only before Polars is loaded (the command line calls it first thing) and
is inherited by the processes the command starts (e.g. `bench settle-file`'s runs).
"""

from __future__ import annotations

import os
import sys

JEMALLOC_CONF = "_RJEM_MALLOC_CONF"  # the variable Polars' jemalloc reads when it starts
KEEP_A_MINUTE = "dirty_decay_ms:60000,muzzy_decay_ms:60000"


def keep_freed_memory() -> bool:
    """Set the allocator's decay before Polars loads; whether it will take effect."""
    if "polars" in sys.modules:
        return False
    os.environ.setdefault(JEMALLOC_CONF, KEEP_A_MINUTE)
    return True
