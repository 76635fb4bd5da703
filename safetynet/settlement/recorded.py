"""Claims recorded in the database as frames: the claims of a period with their person's and
institution's facts (:func:`recorded_claims`), and their priced item lines
(:func:`recorded_lines`). :mod:`safetynet.settlement.engine_input` turns them into the batch
engine's input (the year batch, the policy design's claims from the database)."""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.catalogs.in_force import OUT_OF_CATALOG, entry_of_line
from safetynet.store.models import (
    CatalogItem,
    Claim,
    ClaimItem,
    Institution,
    Person,
    Settlement,
)


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


def recorded_lines(
    session: Session, claim_ids: pl.Series, between: tuple[date, date] | None = None
) -> pl.DataFrame:
    """The item lines of ``claim_ids`` with their catalog class, self-pay share and
    essential flag (``engine.compliance.LINE_COLUMNS``, ``claim_key`` the claim id), each
    from the entry in force on the line's day (:mod:`safetynet.catalogs.in_force`: its
    service date, else its claim's date; an item out of catalog on it is class C, as
    :data:`~safetynet.catalogs.in_force.OUT_OF_CATALOG`); ``between``: read only the lines of
    claims that start between the two dates (worth it when the database holds other years)."""
    q = (
        select(
            ClaimItem.claim_id,
            ClaimItem.amount_fen,
            ClaimItem.deducted_fen,
            CatalogItem.item_class,
            CatalogItem.self_pay_bp,
            CatalogItem.essential,
        )
        .join(Claim, Claim.id == ClaimItem.claim_id)
        .outerjoin(CatalogItem, entry_of_line())
    )
    if between is not None:
        q = q.where(Claim.start_date >= between[0], Claim.start_date <= between[1])
    rows = session.execute(q).all()
    c, share, essential = OUT_OF_CATALOG
    return pl.DataFrame(
        [
            (
                r[0],
                r[1],
                r[2],
                *((r[3].value, r[4], r[5]) if r[3] is not None else (c.value, share, essential)),
            )
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
