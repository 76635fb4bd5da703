"""The one adapter from claims to the batch engine's input columns, for every source.

A claim file (:mod:`safetynet.claims.prepare`: ``safetynet settle``, the design's file, the
early-warning and simulation files, the scale-out workers), the claims recorded in the database
(:mod:`safetynet.settlement.recorded`: the year batch, the design's claims from the database)
and a generated county (:mod:`safetynet.synth.settled`) become the engine's input through the
functions here, each concept defined once:

* amounts from item lines (:func:`with_line_amounts`, the line arithmetic being
  ``engine.compliance``'s), then a disease's fixed fee as a package price
  (:func:`with_fixed_fees`, :mod:`safetynet.programmes.fixed_fee`);
* poverty statuses as a bit mask: listed on the claim (:func:`listed_status_masks`) or held on
  the claim date from the registry's dated periods (:func:`with_claim_facts`, by
  :func:`safetynet.registry.status.status_masks_at`); the bits are
  :data:`safetynet.registry.status.STATUS_BITS`, the rules :func:`safetynet.registry.status.held`;
* the age on the claim date (:func:`safetynet.registry.age.whole_years`), the claim year
  (:data:`YEAR`);
* the diagnosis as a mask of the policy's disease groups, matched once per distinct code
  (:func:`disease_masks`);
* the policy in force per region and date (:func:`with_policies`), and the engine's columns
  (:func:`batch_input`, :func:`batch_columns`).

Online settlement (:mod:`safetynet.settlement.facts`) computes one claim's facts from the same
definitions on scalars: :func:`safetynet.registry.age.age_on`,
:func:`safetynet.registry.status.resolve` (``held`` on integers),
``policy.diseases.disease_mask`` (the same expression on a one-row frame),
``engine.compliance.compliant_amounts`` and ``programmes.fixed_fee.adjust_claim``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from safetynet.engine.batch import BATCH_COLUMNS, KIND_ENUM, LEVEL_ENUM
from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.compliance import AMOUNTS, claim_amounts
from safetynet.policy.diseases import disease_mask_expr
from safetynet.programmes import fixed_fee
from safetynet.registry.age import age_expr
from safetynet.registry.status import STATUS_BITS, held, status_masks_at
from safetynet.settlement.compiled import compiled_in_force, prefixes_of

__all__ = ["AMOUNTS"]  # a claim's amount columns (those claim_amounts sums), re-exported
YEAR = pl.col("date").dt.year().cast(pl.Int32).alias("year")  # the settlement year


def with_line_amounts(claims: pl.DataFrame, lines: pl.DataFrame, key: str) -> pl.DataFrame:
    """The claims' :data:`AMOUNTS` from their item lines (``claim_key`` = the claims'
    ``key``; priced by ``engine.compliance``). A source with an ``itemised`` column (a claim
    file) takes the lines' sums for its itemised claims only, the others keep their own
    totals; in a source without it (the database) every claim's amounts are its lines'.
    A claim without lines has 0."""
    claims = claims.with_columns(
        pl.lit(None, pl.Int64).alias(c) for c in AMOUNTS if c not in claims.columns
    )
    itemised = pl.col("itemised") if "itemised" in claims.columns else pl.lit(True)
    if lines.is_empty() and "itemised" in claims.columns:
        return claims  # no itemised claim: the file's totals stand (no pass over the claims)
    sums = claim_amounts(lines).rename({"claim_key": key} | {c: f"_item_{c}" for c in AMOUNTS})
    return (
        claims.join(sums, on=key, how="left")
        .with_columns(
            pl.when(itemised).then(pl.col(f"_item_{c}")).otherwise(pl.col(c)).fill_null(0).alias(c)
            for c in AMOUNTS
        )
        .drop(f"_item_{c}" for c in AMOUNTS)
    )


def with_fixed_fees(claims: pl.DataFrame, region: str | None = None) -> pl.DataFrame:
    """Admissions settled on their diseases' fixed fees (a package price:
    :func:`safetynet.programmes.fixed_fee.with_fixed_fees`), found for each claim's
    ``region_code`` — or, for a source without regions (a claim file), the policy's
    ``region`` — on its date, once per distinct region and date. A claim file names its
    hospital in ``institution`` (the database in ``institution_code``): designations may
    name hospitals."""
    if region is None:
        return fixed_fee.with_fixed_fees(claims).drop("fixed_fee_fen")
    with_region = claims.with_columns(
        pl.lit(region, pl.String).alias("region_code"),
        pl.col("institution").alias("institution_code"),
    )
    out = fixed_fee.with_fixed_fees(with_region)
    return out.drop("region_code", "institution_code", "fixed_fee_fen")


def listed_status_masks(claims: pl.DataFrame, column: str = "statuses") -> pl.Series:
    """A list of status values (a claim file's) as the bit mask held (``status_mask``): each
    status its bit (:data:`~safetynet.registry.status.STATUS_BITS`), or-ed over the list, then
    ordinary when none (:func:`~safetynet.registry.status.held`, the statuses being the
    person's own). Only the claims that list statuses are looked at (most list none: they
    hold what no status gives, found once): their values side by side, each list's bits
    or-ed where it starts."""
    lists = claims.get_column(column)
    lengths = lists.list.len().fill_null(0).to_numpy()
    listing = np.flatnonzero(lengths)
    mask = np.full(lengths.size, held(0, 0), np.int64)
    if listing.size:  # (a column of empty lists may have no element type)
        values = lists.list.explode(empty_as_null=False, keep_nulls=False).cast(pl.String)
        bits = values.replace_strict(STATUS_BITS, default=0, return_dtype=pl.Int64)
        counts = lengths[listing].astype(np.int64)
        own = np.bitwise_or.reduceat(bits.fill_null(0).to_numpy(), np.cumsum(counts) - counts)
        mask[listing] = held(own, 0)
    return pl.Series("status_mask", mask, pl.Int64)


def with_claim_facts(claims: pl.DataFrame, periods: pl.DataFrame) -> pl.DataFrame:
    """The claims (``person_id``, ``household_id``, ``date``, ``birth_date``) with the
    poverty statuses held on the claim date (``status_mask``, from the registry's
    ``periods``), its ``year`` and the person's ``age`` then."""
    return claims.with_columns(
        status_masks_at(periods, claims).alias("status_mask"),
        YEAR,
        age_expr("birth_date", "date").alias("age"),
    )


def disease_masks(claims: pl.DataFrame, prefixes: dict[str, tuple[str, ...]]) -> pl.Series:
    """Each claim's ``diagnosis`` as a mask of the disease groups (``disease_mask``), the
    match (:func:`~safetynet.policy.diseases.disease_mask_expr`) made once per distinct
    code: a county has thousands of codes and millions of claims."""
    codes = claims.select(pl.col("diagnosis").unique())  # a missing code (null) among them
    # with_columns: a policy without disease groups gives a constant, broadcast to every code
    masks = codes.with_columns(disease_mask_expr(prefixes).alias("mask"))
    if not masks.get_column("mask").max():  # no code in a group, or no groups
        return pl.Series("disease_mask", [0] * claims.height, dtype=pl.Int64)
    # each given code's mask; a missing one's is the match's of "" (disease_mask_expr reads
    # a null as ""): the default, so no column of codes with the nulls filled is made
    given = masks.filter(pl.col("diagnosis").is_not_null())
    missing = masks.filter(pl.col("diagnosis").is_null()).get_column("mask")
    return claims.select(
        pl.col("diagnosis")
        .replace_strict(
            given.get_column("diagnosis"),
            given.get_column("mask"),
            default=int(missing[0]) if missing.len() else 0,
            return_dtype=pl.Int64,
        )
        .alias("disease_mask")
    ).to_series()


def with_policies(claims: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, CompiledPolicy]]:
    """The claims with the id of the policy in force for their region and date, and those
    policies compiled (one look-up per region and day)."""
    keys = claims.select("region_code", "date").unique()
    compiled: dict[str, CompiledPolicy] = {}
    ids = []
    for region, day in keys.iter_rows():  # one per (village, day): a few hundred thousand
        cp = compiled_in_force(region, day)
        compiled[cp.policy.id] = cp
        ids.append(cp.policy.id)
    keyed = keys.with_columns(pl.Series("policy_id", ids, pl.String))
    return claims.join(keyed, on=["region_code", "date"]), compiled


def batch_input(cp: CompiledPolicy, part: pl.DataFrame) -> pl.DataFrame:
    """One policy's recorded claims as the batch engine reads them (their other columns
    kept): the diagnosis's disease groups, the claim id as the settlement order's
    tie-break, the categories as enums."""
    return part.with_columns(
        disease_masks(part, prefixes_of(cp)),
        pl.col("claim_id").alias("seq"),
        pl.col("kind").cast(KIND_ENUM),
        pl.col("level").cast(LEVEL_ENUM),
    )


def batch_columns(
    frame: pl.DataFrame, person: str = "person_id", household: str = "household_id"
) -> pl.DataFrame:
    """Only the engine's columns (:data:`~safetynet.engine.batch.BATCH_COLUMNS`, in its
    order), the integer person and household keys taken from ``person`` and ``household``."""
    keys = {"person_id": person, "household_id": household}
    return frame.select(pl.col(keys.get(c, c)).alias(c) for c in BATCH_COLUMNS)
