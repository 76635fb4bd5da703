"""A claims year for the search: a claim file (as ``safetynet settle`` reads it) or the
claims of a year in the database, as the batch engine's input under the base policy."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from safetynet.claims.fileformat import ClaimFileError, ClaimFileRejected, read_claim_file
from safetynet.claims.prepare import engine_input, to_batch
from safetynet.policy.compile import CompiledPolicy


def claims_from_file(cp: CompiledPolicy, path: str | Path) -> pl.DataFrame:
    """The engine input of a claim file, checked as ``safetynet settle`` checks it (claims
    outside the policy's validity are rejected); ``ClaimFileRejected`` on a bad claim."""
    path = Path(path)
    cf = read_claim_file(path)
    policy = cp.policy
    outside = cf.claims.filter(
        (pl.col("date") < policy.valid_from) | (pl.col("date") > policy.valid_to)
    )
    if outside.height:
        raise ClaimFileRejected(
            path,
            [
                ClaimFileError(
                    int(n),
                    "date",
                    f"outside policy {policy.id} ({policy.valid_from} to {policy.valid_to})",
                )
                for n in outside.get_column("_line").to_list()[:20]
            ],
        )
    return to_batch(engine_input(cf, cp))
