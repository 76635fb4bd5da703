"""A claims year for the search: a claim file (as ``safetynet settle`` reads it) or the
claims of a year in the database, as the batch engine's input under the base policy."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from safetynet.claims.fileformat import read_claim_file
from safetynet.claims.prepare import engine_input, to_batch
from safetynet.claims.settle_file import check_for_policy
from safetynet.engine.compile import CompiledPolicy
from safetynet.regions import descendants_select
from safetynet.registry.status import periods_frame
from safetynet.settlement.duplicate_bill import repeated_in_period
from safetynet.settlement.engine_input import (
    batch_columns,
    batch_input,
    with_claim_facts,
    with_fixed_fees,
    with_line_amounts,
)
from safetynet.settlement.recorded import recorded_claims, recorded_lines
from safetynet.settlement.year_batch import refused_for_facts
from safetynet.store.db import session_scope


def claims_from_file(cp: CompiledPolicy, path: str | Path) -> pl.DataFrame:
    """The engine input of a claim file, checked as ``safetynet settle`` checks it (claims
    outside the policy's validity are rejected); ``ClaimFileRejected`` on a bad claim."""
    path = Path(path)
    cf = read_claim_file(path)
    check_for_policy(cp, cf, path)
    return to_batch(engine_input(cf, cp))


def claims_from_db(
    engine: Engine, cp: CompiledPolicy, year: int, region: str | None = None
) -> pl.DataFrame:
    """The year's claims in the database (settled in the ledger or not) of persons in the
    policy's region — and, given ``region`` (a user's), in that region too: a township's
    user searches over the township's claims only, never the county's — within the policy's
    validity, as the batch engine's input — the facts
    :func:`safetynet.settlement.year_batch.settle_year` settles them on: statuses and age
    on the claim date, the institution's level, amounts from the item lines; without the
    unsettled claims the year batch leaves unsettled (:func:`refused_for_facts`, repeats)."""
    policy = cp.policy
    first = max(date(year, 1, 1), policy.valid_from)
    last = min(date(year, 12, 31), policy.valid_to)
    with session_scope(engine) as s:
        claims = recorded_claims(s, first, last).filter(
            pl.col("region_code").str.starts_with(policy.region)
        )
        if region is not None:  # the region's own code and every code under it
            codes = list(s.scalars(descendants_select(region)))
            claims = claims.filter(pl.col("region_code").is_in(codes))
        # what the window refuses is never paid: left out, as the year batch leaves it
        refused = refused_for_facts(s, first, last, year)
        refused |= repeated_in_period(s, first, last, refused)
        if refused:
            claims = claims.filter(~pl.col("claim_id").is_in(list(refused)))
        lines = recorded_lines(s, claims["claim_id"], (first, last))
        claims = with_fixed_fees(with_line_amounts(claims, lines, "claim_id"))
        claims = with_claim_facts(claims, periods_frame(s))
    return batch_columns(
        batch_input(cp, claims).with_columns(
            pl.col("kind").cast(pl.String), pl.col("level").cast(pl.String)
        )
    )
