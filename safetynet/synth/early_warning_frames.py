"""The evaluation's frames from a generated county settled in memory (no database), for
``safetynet bench warnings`` and ``simulate``-style what-ifs.

The ledger is :func:`safetynet.synth.settled.settle_county`'s entries with each claim's
household, diagnosis and status mask on its date; the households have no recorded income, so
the household rules use the reference per-capita income given (illustrative unless the
caller passes the county's published figure).
"""

from __future__ import annotations

import polars as pl

from safetynet.early_warning.evaluate import HOUSEHOLD_SCHEMA
from safetynet.early_warning.load import LEDGER_WITH_REASSISTED, REASSISTANCE_LAYER
from safetynet.registry.status import status_masks_at
from safetynet.synth.county import County
from safetynet.synth.settled import settle_county

# Anhui's rural per-capita disposable income 2016 was about 11,720 yuan (statistical
# communiqué, recalled): an illustrative reference for the synthetic county.
REFERENCE_FEN = 1_172_000


def county_frames(
    county: County, reference_fen: int = REFERENCE_FEN
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(ledger, households) of the generated county's settled year."""
    src = settle_county(county)
    facts = county.claims.select(
        pl.col("id").alias("claim_id"),
        "household_id",
        pl.col("diagnosis_code").alias("diagnosis"),
        pl.col("start_date").alias("date"),
        "person_id",
        "age",
    )
    facts = facts.with_columns(status_masks_at(county.poverty_status, facts).alias("status_mask"))
    reassisted = (
        src.layers.filter(pl.col("layer_id") == REASSISTANCE_LAYER)
        .group_by("settlement_id")
        .agg(pl.col("paid_fen").sum().alias("reassisted_fen"))
    )
    ledger = (
        src.entries.join(facts.drop("person_id", "date"), on="claim_id", how="left")
        .join(reassisted, on="settlement_id", how="left")
        .with_columns(pl.col("reassisted_fen").fill_null(0))
        .select([pl.col(c).cast(t) for c, t in LEDGER_WITH_REASSISTED.items()])
    )
    homes = (
        county.persons.group_by("household_id")
        .agg(pl.len().alias("members"))
        .with_columns(
            pl.lit(None, pl.Int64).alias("income_fen"), pl.lit(reference_fen).alias("reference_fen")
        )
        .select([pl.col(c).cast(t) for c, t in HOUSEHOLD_SCHEMA.items()])
    )
    return ledger, homes
