"""One adapter from recorded claims to the batch engine's input columns.

The year batch (:mod:`safetynet.settlement.year_batch`), the policy design's claims from the
database (:mod:`safetynet.design.source`) and the synthetic county's indicators
(:mod:`safetynet.synth.settled`) build the engine's input the same way: the claims
with their person and institution facts (:func:`recorded_claims`) and amounts from the item
lines (:func:`recorded_amounts`); the poverty statuses held and the age on the claim date
(:func:`with_claim_facts`); the policy in force for each region and date
(:func:`with_policies`); and, per policy, the disease groups of the diagnosis and the
categorical columns (:func:`batch_input`). Online settlement computes the same facts for one
claim (:mod:`safetynet.settlement.facts`) from the same definitions: age by
:func:`whole_years`, the disease mask by the same expression on a one-row frame, the
compliant amounts by ``engine.compliance.compliant_amounts``.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.engine.batch import KIND_ENUM, LEVEL_ENUM
from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.compliance import claim_amounts
from safetynet.policy.diseases import disease_mask_expr
from safetynet.programmes.fixed_fee import with_fixed_fees
from safetynet.registry.status import status_masks_at
from safetynet.settlement.compiled import compiled_in_force, prefixes_of
from safetynet.store.models import (
    CatalogItem,
    Claim,
    ClaimItem,
    Institution,
    Person,
    Settlement,
)

AMOUNTS = ("total_fen", "compliant_fen", "essential_fen", "deducted_fen")
N = TypeVar("N", int, pl.Expr)


def recorded_claims(
    session: Session, first: date, last: date, *, unsettled: bool = False
) -> pl.DataFrame:
    """Claims that start between two dates (``unsettled``: only those without a ledger
    entry), with person and institution facts."""
    q = (
        select(
            Claim.id,
            Claim.claim_no,
            Claim.person_id,
            Person.household_id,
            Person.birth_date,
            Person.region_code,
            Claim.start_date,
            Claim.kind,
            Institution.level,
            Institution.in_county,
            Claim.referral,
            Claim.diagnosis_code,
            Claim.institution_code,
        )
        .join(Person, Person.id == Claim.person_id)
        .join(Institution, Institution.code == Claim.institution_code)
        .where(Claim.start_date >= first, Claim.start_date <= last)
    )
    if unsettled:
        q = q.where(Claim.id.not_in(select(Settlement.claim_id)))
    rows = session.execute(q).all()
    return pl.DataFrame(
        [(*r[:7], r[7].value, r[8].value, *r[9:]) for r in rows],
        schema={
            "claim_id": pl.Int64,
            "claim_no": pl.String,
            "person_id": pl.Int64,
            "household_id": pl.Int64,
            "birth_date": pl.Date,
            "region_code": pl.String,
            "date": pl.Date,
            "kind": pl.String,
            "level": pl.String,
            "in_county": pl.Boolean,
            "referral": pl.Boolean,
            "diagnosis": pl.String,
            "institution_code": pl.String,
        },
        orient="row",
    )


def recorded_amounts(
    session: Session, claim_ids: pl.Series, between: tuple[date, date] | None = None
) -> pl.DataFrame:
    """Each claim's total, compliant, essential and deducted amounts from its item lines,
    for ``claim_ids``; ``between``: read only the lines of claims that start between the
    two dates (worth it when the database holds other years)."""
    q = select(
        ClaimItem.claim_id,
        ClaimItem.amount_fen,
        ClaimItem.deducted_fen,
        CatalogItem.item_class,
        CatalogItem.self_pay_bp,
        CatalogItem.essential,
    ).outerjoin(CatalogItem, CatalogItem.code == ClaimItem.item_code)
    if between is not None:
        q = q.join(Claim, Claim.id == ClaimItem.claim_id).where(
            Claim.start_date >= between[0], Claim.start_date <= between[1]
        )
    rows = session.execute(q).all()
    lines = pl.DataFrame(
        [
            (r[0], r[1], r[2], r[3].value if r[3] is not None else "C", r[4] or 0, bool(r[5]))
            for r in rows
        ],
        schema={
            "claim_key": pl.Int64,
            "amount_fen": pl.Int64,
            "deducted_fen": pl.Int64,
            "item_class": pl.String,
            "self_pay_bp": pl.Int64,
            "essential": pl.Boolean,
        },
        orient="row",
    ).filter(pl.col("claim_key").is_in(claim_ids.implode()))
    return claim_amounts(lines).rename({"claim_key": "claim_id"})


def with_amounts(claims: pl.DataFrame, amounts: pl.DataFrame) -> pl.DataFrame:
    """The claims with their amounts (0 for a claim without item lines), settled under a
    disease's fixed fee where one applies (a package price:
    :mod:`safetynet.programmes.fixed_fee`)."""
    joined = claims.join(amounts, on="claim_id", how="left").with_columns(
        pl.col(c).fill_null(0) for c in AMOUNTS
    )
    return with_fixed_fees(joined).drop("fixed_fee_fen")


def whole_years(born_year: N, born_day: N, on_year: N, on_day: N) -> N:
    """Whole years from a birth to a date, a birthday on the date counting; each day given
    as month × 100 + day. The one definition of age: :func:`age_on` calls it on integers,
    :func:`age_expr` on Polars expressions."""
    return on_year - born_year - (on_day < born_day)  # type: ignore[operator,no-any-return]


def age_on(born: date, on: date) -> int:
    """Whole years of age on a date (one claim at the window)."""
    return whole_years(born.year, born.month * 100 + born.day, on.year, on.month * 100 + on.day)


def age_expr(born: str, on: str) -> pl.Expr:
    """Whole years of age on a date, vectorised (:func:`whole_years` on columns)."""

    def parts(col: str) -> tuple[pl.Expr, pl.Expr]:
        d = pl.col(col).dt
        return d.year().cast(pl.Int32), d.month().cast(pl.Int32) * 100 + d.day().cast(pl.Int32)

    return whole_years(*parts(born), *parts(on)).cast(pl.Int32)


def with_claim_facts(claims: pl.DataFrame, periods: pl.DataFrame) -> pl.DataFrame:
    """The claims (``person_id``, ``date``, ``birth_date``) with the poverty statuses held on
    the claim date (``status_mask``), its ``year`` and the person's ``age`` then."""
    masks = status_masks_at(periods, claims)
    return claims.with_columns(
        masks.alias("status_mask"),
        pl.col("date").dt.year().cast(pl.Int32).alias("year"),
        age_expr("birth_date", "date").alias("age"),
    )


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
    """One policy's claims as the batch engine reads them: the diagnosis's disease groups,
    the claim id as the settlement order's tie-break, the categories as enums."""
    return part.with_columns(
        disease_mask_expr(prefixes_of(cp)).alias("disease_mask"),
        pl.col("claim_id").alias("seq"),
        pl.col("kind").cast(KIND_ENUM),
        pl.col("level").cast(LEVEL_ENUM),
    )
