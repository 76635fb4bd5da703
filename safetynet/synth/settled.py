"""A generated county settled in memory into the indicators' source frames (no database).

The same steps as :func:`safetynet.settlement.year_batch.settle_year` takes for claims in the
database — statuses on the claim date, age on the claim date, the policy in force for the
region and date, the disease groups of the diagnosis, household order, the batch engine — so
the ledger frames equal what the database would hold after ``load_county`` and
``settle_year`` (a test checks it). Used by ``safetynet bench indicators`` and the
calibration test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

from safetynet.derived.frames import (
    ENROLLMENT_SCHEMA,
    ENTRY_SCHEMA,
    LAYER_SCHEMA,
    PERSON_SCHEMA,
    PRIOR_PAID_SCHEMA,
    PRIOR_RAISED_SCHEMA,
    REGION_SCHEMA,
    IndicatorFrames,
    SourceFrames,
    assemble,
    empty,
)
from safetynet.engine.batch import settle_batch
from safetynet.engine.compile import CompiledPolicy
from safetynet.registry.status import PERIOD_SCHEMA
from safetynet.settlement.engine_input import (
    AMOUNTS,
    batch_input,
    with_claim_facts,
    with_policies,
)
from safetynet.synth.county import County

Progress = Callable[[str], None]


def _claims(county: County) -> pl.DataFrame:
    """The county's claims with the facts the engine settles on."""
    born = county.persons.select(pl.col("id").alias("person_id"), "birth_date")
    claims = county.claims.select(
        pl.col("id").alias("claim_id"),
        "person_id",
        "household_id",
        "region_code",
        pl.col("start_date").alias("date"),
        "kind",
        "level",
        "in_county",
        "referral",
        pl.col("diagnosis_code").alias("diagnosis"),
        *(pl.col(c).fill_null(0).cast(pl.Int64) for c in AMOUNTS),
    ).join(born, on="person_id", how="left", maintain_order="left")
    return with_claim_facts(claims, county.poverty_status)


def _settle(cp: CompiledPolicy, part: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Ledger entries and layer payments of one policy's claims."""
    part = batch_input(cp, part.sort("household_id", "date", "claim_id"))
    settled = settle_batch(cp, part)
    pays = [f"pay_{lid}" for lid in cp.layer_ids]
    settled = settled.with_columns(
        pl.sum_horizontal(pays).alias("paid_fen"), pl.col("claim_id").alias("settlement_id")
    )
    entries = settled.select(
        "settlement_id",
        "claim_id",
        pl.lit("settlement").alias("entry_kind"),
        "person_id",
        pl.lit(cp.policy.id).alias("policy_id"),
        pl.col("date").alias("claim_date"),
        pl.col("kind").cast(pl.String),
        pl.col("level").cast(pl.String),
        "in_county",
        "total_fen",
        "compliant_fen",
        "deducted_fen",
        "paid_fen",
        "out_of_pocket_fen",
    )
    layers = pl.concat(
        [
            settled.select(
                "settlement_id",
                pl.lit(lid).alias("layer_id"),
                pl.col(f"pay_{lid}").alias("paid_fen"),
            ).filter(pl.col("paid_fen") != 0)
            for lid in cp.layer_ids
        ]
    )
    return entries, layers


def settle_county(county: County, progress: Progress | None = None) -> SourceFrames:
    """The county's registry and its year of claims settled under the policies in force."""
    step = progress or (lambda _: None)
    step("claim facts")
    claims, compiled = with_policies(_claims(county))
    entries, layers = [], []
    for (policy_id,), part in claims.group_by("policy_id", maintain_order=True):
        step(f"settling under {policy_id}")
        e, la = _settle(compiled[str(policy_id)], part)
        entries.append(e)
        layers.append(la)
    step("registry")
    persons = county.persons.rename({"id": "person_id"})
    return SourceFrames(
        regions=_as(county.regions, REGION_SCHEMA),
        persons=_as(persons, PERSON_SCHEMA),
        enrollment=_as(county.enrollment, ENROLLMENT_SCHEMA),
        statuses=_as(county.poverty_status, PERIOD_SCHEMA),
        entries=_as(pl.concat(entries), ENTRY_SCHEMA) if entries else empty(ENTRY_SCHEMA),
        layers=_as(pl.concat(layers), LAYER_SCHEMA) if layers else empty(LAYER_SCHEMA),
        prior_raised=empty(PRIOR_RAISED_SCHEMA),
        prior_paid=empty(PRIOR_PAID_SCHEMA),
    )


def _as(frame: pl.DataFrame, schema: Mapping[str, Any]) -> pl.DataFrame:
    """The schema's columns of ``frame``, in its order and types."""
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


def county_frames(
    county: County, region_code: str | None = None, progress: Progress | None = None
) -> IndicatorFrames:
    """The indicator frames of a generated county settled in memory (its scheme year)."""
    from safetynet.indicators.load import category_priority

    src = settle_county(county, progress)
    if progress is not None:
        progress("frames")
    code = region_code or str(county.regions.filter(pl.col("level") == "county")["code"][0])
    year = int(county.enrollment["year"][0])
    return assemble(src, region_code=code, year=year, priority=category_priority(code, year))
