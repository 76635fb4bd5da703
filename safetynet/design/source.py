"""A claims year for the search: a claim file (as ``safetynet settle`` reads it) or the
claims of a year in the database, as the batch engine's input under the base policy."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select

from safetynet.claims.fileformat import read_claim_file
from safetynet.claims.prepare import AMOUNTS, engine_input, to_batch
from safetynet.claims.settle_file import check_dates
from safetynet.engine.batch import BATCH_COLUMNS
from safetynet.engine.compliance import claim_amounts
from safetynet.policy.compile import CompiledPolicy
from safetynet.policy.diseases import disease_mask_expr
from safetynet.programmes.fixed_fee import with_fixed_fees
from safetynet.registry.status import periods_frame, status_masks_at
from safetynet.settlement.policies import prefixes_of
from safetynet.settlement.year_batch import age_expr
from safetynet.store.db import session_scope
from safetynet.store.models import CatalogItem, Claim, ClaimItem, Institution, Person


def claims_from_file(cp: CompiledPolicy, path: str | Path) -> pl.DataFrame:
    """The engine input of a claim file, checked as ``safetynet settle`` checks it (claims
    outside the policy's validity are rejected); ``ClaimFileRejected`` on a bad claim."""
    path = Path(path)
    cf = read_claim_file(path)
    check_dates(cp, cf, path)
    return to_batch(engine_input(cf, cp))


def claims_from_db(engine: Engine, cp: CompiledPolicy, year: int) -> pl.DataFrame:
    """The year's claims in the database (settled in the ledger or not) of persons in the
    policy's region, within its validity, as the batch engine's input — the facts
    :func:`safetynet.settlement.year_batch.settle_year` settles them on: statuses and age
    on the claim date, the institution's level, amounts from the item lines."""
    policy = cp.policy
    first = max(date(year, 1, 1), policy.valid_from)
    last = min(date(year, 12, 31), policy.valid_to)
    with session_scope(engine) as s:
        q = (
            select(
                Claim.id,
                Claim.person_id,
                Person.household_id,
                Person.birth_date,
                Claim.start_date,
                Claim.kind,
                Institution.level,
                Institution.in_county,
                Claim.referral,
                Claim.diagnosis_code,
                Person.region_code,
            )
            .join(Person, Person.id == Claim.person_id)
            .join(Institution, Institution.code == Claim.institution_code)
            .where(
                Claim.start_date >= first,
                Claim.start_date <= last,
                Person.region_code.startswith(policy.region),
            )
        )
        rows = [
            (r[0], r[1], r[2], r[3], r[4], r[5].value, r[6].value, r[7], r[8], r[9], r[10])
            for r in s.execute(q).all()
        ]
        claims = pl.DataFrame(
            rows,
            schema={
                "seq": pl.Int64,
                "person_id": pl.Int64,
                "household_id": pl.Int64,
                "birth_date": pl.Date,
                "date": pl.Date,
                "kind": pl.String,
                "level": pl.String,
                "in_county": pl.Boolean,
                "referral": pl.Boolean,
                "diagnosis": pl.String,
                "region_code": pl.String,
            },
            orient="row",
        )
        lines = pl.DataFrame(
            [
                (r[0], r[1], r[2], r[3].value if r[3] is not None else "C", r[4] or 0, bool(r[5]))
                for r in s.execute(
                    select(
                        ClaimItem.claim_id,
                        ClaimItem.amount_fen,
                        ClaimItem.deducted_fen,
                        CatalogItem.item_class,
                        CatalogItem.self_pay_bp,
                        CatalogItem.essential,
                    )
                    .outerjoin(CatalogItem, CatalogItem.code == ClaimItem.item_code)
                    .join(Claim, Claim.id == ClaimItem.claim_id)
                    .where(Claim.start_date >= first, Claim.start_date <= last)
                ).all()
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
        )
        masks = status_masks_at(periods_frame(s), claims)
    amounts = claim_amounts(lines).rename({"claim_key": "seq"})
    claims = claims.join(amounts, on="seq", how="left").with_columns(
        pl.col(c).fill_null(0) for c in AMOUNTS
    )
    claims = with_fixed_fees(claims)  # a fixed fee is a package price, as in settle_year
    return claims.with_columns(
        masks.alias("status_mask"),
        pl.col("date").dt.year().cast(pl.Int32).alias("year"),
        age_expr("birth_date", "date").alias("age"),
        disease_mask_expr(prefixes_of(cp), "diagnosis").alias("disease_mask"),
    ).select(list(BATCH_COLUMNS))
