"""Load the compiled kernels while a claim file is read.

The first call of each numba kernel in a process loads it from numba's cache (a fraction
of a second of CPU, more on a busy machine). ``start_warm_up`` settles a two-claim file
under the policy in a thread, which runs those first calls while the main thread reads
and checks the file (Polars and numba release the GIL); ``WarmUp.join`` waits for it
before the file's claims are prepared. Nothing of the two claims is kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from pathlib import Path

import polars as pl

from safetynet.claims.fields import CLAIM_FIELDS
from safetynet.claims.fileformat import _conform, _normalise
from safetynet.claims.prepare import engine_input
from safetynet.claims.settle_file import results_in_ranges
from safetynet.engine.compile import CompiledPolicy

_TWO_CLAIMS = {
    "claim_no": ["W1", "W2"],
    # ids longer than 12 bytes: their text is outside Arrow's views, as a county's ids are
    # (the resident-ID check's kernel for such text is loaded too)
    "person_id": ["warm-up-person-1", "warm-up-person-2"],
    "household_id": ["H1", "H1"],
    "kind": ["outpatient", "inpatient"],
    "level": ["township", "county"],
    "age": [40, 40],
    # an admission with a diagnosis: the programme files (fixed fees) are read here too
    "diagnosis": [None, "I63.9"],
    "statuses": [[], ["registered_poor"]],
    "total_fen": [10_000, 500_000],
    "compliant_fen": [9_000, 450_000],
}


class WarmUp:
    """A thread settling two claims under a policy; ``join`` waits for it (an error there
    is not the file's and is left for the real claims to meet)."""

    def __init__(self, cp: CompiledPolicy) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(cp,), name="kernel-warm-up", daemon=True
        )
        self._thread.start()

    @staticmethod
    def _run(cp: CompiledPolicy) -> None:
        # one household, its claims out of date order: the pass in file order and the
        # blocks that settle such households apart are both loaded
        first = cp.policy.valid_from
        days = [(first + dt.timedelta(days=d)).isoformat() for d in (1, 0)]
        raw = pl.DataFrame(_TWO_CLAIMS).with_columns(
            pl.Series("date", days), pl.Series("_line", [1, 2], pl.Int64)
        )
        with contextlib.suppress(Exception):  # a hint only: the file's claims will tell
            claims = _normalise(_conform(raw, CLAIM_FIELDS, True), Path("w.parquet"), in_fen=True)
            prepared = engine_input(claims, cp)
            for _ in results_in_ranges(cp, prepared, 1):
                pass

    def join(self) -> None:
        self._thread.join()
