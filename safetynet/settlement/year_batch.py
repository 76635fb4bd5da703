"""Settle a year of recorded claims in one batch and append them to the ledger.

Used to bring a year of claims loaded from elsewhere (a synthetic county, a migration from
the previous system) into the ledger: every claim of the year that has no ledger entry is
settled by the batch engine — the same arithmetic as the window — under the policy in force
for its region and date, and its entry, its layers and the year's accumulators are written
in one transaction. Households that already have entries in the year are left to online
settlement and reported (their accumulators would otherwise be overwritten).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from safetynet.engine.batch import KIND_ENUM, LEVEL_ENUM, settle_batch_with_state
from safetynet.engine.compliance import claim_amounts
from safetynet.policy.diseases import disease_mask_expr
from safetynet.programmes.fixed_fee import with_fixed_fees
from safetynet.registry.status import periods_frame, status_masks_at
from safetynet.settlement.policies import policy_in_force, prefixes_of
from safetynet.store.bulk import bulk_insert, sync_sequence
from safetynet.store.db import session_scope
from safetynet.store.models import (
    Accumulator,
    CatalogItem,
    Claim,
    ClaimItem,
    Institution,
    Person,
    Settlement,
    SettlementLayer,
)
from safetynet.store.models.ledger import EntryKind

Progress = Callable[[str, int, int], None]  # stage, done, total


@dataclass
class YearBatchResult:
    settled: int = 0
    paid_fen: int = 0
    skipped_households: int = 0
    by_policy: dict[str, int] = field(default_factory=dict)


def _frame(session: Session, query: object, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    rows = session.execute(query).all()  # type: ignore[call-overload]
    return pl.DataFrame(rows, schema=schema, orient="row")


def _claims(session: Session, year: int) -> pl.DataFrame:
    """Claims of the year not yet in the ledger, with person and institution facts."""
    in_ledger = select(Settlement.claim_id)
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
        )
        .join(Person, Person.id == Claim.person_id)
        .join(Institution, Institution.code == Claim.institution_code)
        .where(
            Claim.start_date >= date(year, 1, 1),
            Claim.start_date <= date(year, 12, 31),
            Claim.id.not_in(in_ledger),
        )
    )
    rows = session.execute(q).all()
    return pl.DataFrame(
        [
            (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7].value, r[8].value, r[9], r[10], r[11])
            for r in rows
        ],
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
        },
        orient="row",
    )


def _amounts(session: Session, claim_ids: pl.Series) -> pl.DataFrame:
    """Each claim's total, compliant, essential and deducted amounts from its item lines."""
    q = select(
        ClaimItem.claim_id,
        ClaimItem.amount_fen,
        ClaimItem.deducted_fen,
        CatalogItem.item_class,
        CatalogItem.self_pay_bp,
        CatalogItem.essential,
    ).outerjoin(CatalogItem, CatalogItem.code == ClaimItem.item_code)
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


def age_expr(born: str, on: str) -> pl.Expr:
    """Whole years of age on a date (a birthday on the date counts), vectorised."""
    md = pl.col(on).dt.month().cast(pl.Int32) * 100 + pl.col(on).dt.day().cast(pl.Int32)
    bmd = pl.col(born).dt.month().cast(pl.Int32) * 100 + pl.col(born).dt.day().cast(pl.Int32)
    years = pl.col(on).dt.year().cast(pl.Int32) - pl.col(born).dt.year().cast(pl.Int32)
    return (years - (md < bmd).cast(pl.Int32)).cast(pl.Int32)


def settle_year(
    engine: Engine, year: int, *, user: str = "batch", progress: Progress | None = None
) -> YearBatchResult:
    """Settle the year's unsettled claims into the ledger (all or nothing)."""
    result = YearBatchResult()
    with session_scope(engine, write_lock=True) as s:
        claims = _claims(s, year)
        if claims.is_empty():
            return result
        busy = set(s.scalars(select(Settlement.household_id).where(Settlement.year == year)))
        result.skipped_households = claims.filter(pl.col("household_id").is_in(list(busy)))[
            "household_id"
        ].n_unique()
        claims = claims.filter(~pl.col("household_id").is_in(list(busy)))
        claims = claims.join(_amounts(s, claims["claim_id"]), on="claim_id", how="left")
        claims = claims.with_columns(
            pl.col(c).fill_null(0)
            for c in ("total_fen", "compliant_fen", "essential_fen", "deducted_fen")
        )
        claims = with_fixed_fees(claims).drop("fixed_fee_fen")  # a fixed fee is a package price
        masks = status_masks_at(periods_frame(s), claims)
        claims = claims.with_columns(
            masks.alias("status_mask"),
            pl.lit(year, pl.Int32).alias("year"),
            age_expr("birth_date", "date").alias("age"),
        )
        keys = claims.select("region_code", "date").unique()
        compiled = {}
        ids = []
        for r, d in keys.iter_rows():
            cp = policy_in_force(r, d)
            compiled[cp.policy.id] = cp
            ids.append(cp.policy.id)
        claims = claims.join(
            keys.with_columns(pl.Series("policy_id", ids, pl.String)), on=["region_code", "date"]
        )
        for (policy_id,), part in claims.group_by("policy_id"):
            ordered = part.sort("household_id", "date", "claim_id")
            _settle_part(s, compiled[str(policy_id)], ordered, year, user, result, progress)
    return result


def _settle_part(
    s: Session,
    cp,
    part: pl.DataFrame,
    year: int,
    user: str,  # type: ignore[no-untyped-def]
    result: YearBatchResult,
    progress: Progress | None,
) -> None:
    part = part.with_columns(
        disease_mask_expr(prefixes_of(cp)).alias("disease_mask"),
        pl.col("claim_id").alias("seq"),
        pl.col("kind").cast(KIND_ENUM),
        pl.col("level").cast(LEVEL_ENUM),
    )
    settled, state = settle_batch_with_state(cp, part)
    assert state is not None
    pays = [f"pay_{lid}" for lid in cp.layer_ids]
    settled = settled.with_columns(pl.sum_horizontal(pays).alias("paid_fen"))
    conn = s.connection()
    first_id = (s.scalar(select(Settlement.id).order_by(Settlement.id.desc()).limit(1)) or 0) + 1
    settled = settled.with_row_index("row").with_columns(
        (pl.col("row").cast(pl.Int64) + first_id).alias("settlement_id")
    )
    entries = settled.select(
        pl.col("settlement_id").alias("id"),
        pl.lit(EntryKind.SETTLEMENT.value).alias("entry_kind"),
        "claim_id",
        "person_id",
        "household_id",
        "year",
        pl.lit(cp.policy.id).alias("policy_id"),
        pl.col("kind").cast(pl.String),
        pl.col("level").cast(pl.String),
        "in_county",
        "referral",
        pl.col("status_mask").cast(pl.Int64),
        pl.col("disease_mask").cast(pl.Int64),
        "age",
        pl.col("date").alias("claim_date"),
        "total_fen",
        "compliant_fen",
        "essential_fen",
        "deducted_fen",
        "paid_fen",
        "out_of_pocket_fen",
        pl.lit(user).alias("created_by"),
    )
    if progress:
        progress("ledger", 0, entries.height)
    bulk_insert(conn, Settlement.__table__, entries)  # type: ignore[arg-type]
    sync_sequence(conn, Settlement.__table__)  # type: ignore[arg-type]
    layers = pl.concat(
        [
            settled.select(
                pl.col("settlement_id"),
                pl.lit(i).alias("position"),
                pl.lit(lid).alias("layer_id"),
                pl.col(f"rule_{lid}").cast(pl.String).alias("rule_id"),
                pl.col(f"rule_{lid}")
                .cast(pl.String)
                .replace_strict(
                    {r.rule_id: r.source for r in cp.rules if r.layer_id == lid},
                    default=None,
                    return_dtype=pl.String,
                )
                .alias("source"),
                pl.col(f"pay_{lid}").alias("paid_fen"),
                pl.lit("{}").alias("facts"),
            )
            for i, lid in enumerate(cp.layer_ids)
        ]
    )
    bulk_insert(conn, SettlementLayer.__table__, layers)  # type: ignore[arg-type]
    accs = pl.concat(
        [
            state.persons.select(
                pl.lit("person").alias("scope"),
                pl.col("person_id").alias("owner_id"),
                "year",
                "slots",
            ),
            state.households.select(
                pl.lit("household").alias("scope"),
                pl.col("household_id").alias("owner_id"),
                "year",
                "slots",
            ),
        ]
    ).with_columns(
        pl.lit(cp.policy.id).alias("policy_id"),
        pl.col("slots").arr.to_list(),
        pl.lit(1).alias("version"),
    )
    bulk_insert(conn, Accumulator.__table__, accs)  # type: ignore[arg-type]
    if progress:
        progress("ledger", entries.height, entries.height)
    result.settled += entries.height
    result.paid_fen += int(settled["paid_fen"].sum())
    result.by_policy[cp.policy.id] = result.by_policy.get(cp.policy.id, 0) + entries.height
