"""The frames screening and the rates read from the database, one statement per table."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session, aliased

from safetynet.catalogs.in_force import entry_of_line
from safetynet.codes import PovertyStatus
from safetynet.engine.facts import status_mask
from safetynet.registry.status import periods_frame, status_masks_at
from safetynet.store.models import (
    CatalogItem,
    Claim,
    ClaimItem,
    Institution,
    Person,
    Region,
    Settlement,
)
from safetynet.store.models.ledger import EntryKind
from safetynet.store.models.programmes import DoctorContract, FollowUp, ProgrammePatient
from safetynet.tabular.writing import load_frame


def item_kinds_of_year(session: Session, year: int) -> pl.DataFrame:
    """Each itemised claim of a year (by start date) with the kinds of its items (drug,
    service, material, from the catalog entry in force on the line's day; an item out of
    catalog has none)."""
    query = (
        select(ClaimItem.claim_id, type_coerce(CatalogItem.kind, String))
        .join(Claim, Claim.id == ClaimItem.claim_id)
        .outerjoin(CatalogItem, entry_of_line())
        .where(Claim.start_date >= dt.date(year, 1, 1),
               Claim.start_date < dt.date(year + 1, 1, 1))
    )  # fmt: skip
    lines = pl.DataFrame(session.execute(query).all(), orient="row",
                         schema={"claim_id": pl.Int64, "kind": pl.String})  # fmt: skip
    return lines.group_by("claim_id").agg(
        pl.col("kind").drop_nulls().unique().sort().alias("item_kinds")
    )


def refunded_in_full() -> Any:
    """The claims settled whose every settlement was refunded (reversed, not settled again),
    one uncorrelated statement (refunds are few): as early warning nets a claim's entries and
    drops one netted to nothing, such a claim is no cost of the year, no diagnosis to screen,
    no admission of a pathway."""
    entry, undo, again = aliased(Settlement), aliased(Settlement), aliased(Settlement)
    refunded = select(entry.claim_id).join(undo, undo.reverses_id == entry.id)
    standing = select(again.claim_id).where(
        again.entry_kind == EntryKind.SETTLEMENT,
        again.claim_id.in_(refunded),
        again.id.not_in(select(undo.reverses_id).where(undo.reverses_id.is_not(None))),
    )
    return refunded.except_(standing)


def claims_of_year(session: Session, year: int) -> pl.DataFrame:
    """A year's claims (by start date) with what screening, the rates and the pathways need
    (``item_kinds``: null for a claim without item lines); a claim refunded in full is left
    out (:func:`refunded_in_full`)."""
    C, Inst = Claim, Institution
    query = (
        select(
            C.id.label("claim_id"), C.claim_no, C.person_id, C.start_date, C.end_date,
            C.diagnosis_code.label("diagnosis"), C.total_fen, C.institution_code, Inst.in_county,
            type_coerce(C.kind, String).label("kind"),
            type_coerce(Inst.level, String).label("level"),
        )
        .join(Inst, Inst.code == C.institution_code)
        .where(C.start_date >= dt.date(year, 1, 1), C.start_date < dt.date(year + 1, 1, 1),
               C.id.not_in(refunded_in_full()))
    )  # fmt: skip
    schema = {"claim_id": pl.Int64, "claim_no": pl.String, "person_id": pl.Int64,
              "start_date": pl.Date, "end_date": pl.Date, "diagnosis": pl.String,
              "total_fen": pl.Int64, "institution_code": pl.String, "in_county": pl.Boolean,
              "kind": pl.String, "level": pl.String}  # fmt: skip
    claims = pl.DataFrame(session.execute(query).all(), schema=schema, orient="row")
    return claims.join(item_kinds_of_year(session, year), on="claim_id", how="left")


def persons(session: Session) -> pl.DataFrame:
    """Every person's id, household, village, birth date and day of death."""
    P = Person
    return load_frame(
        session,
        {"person_id": P.id, "household_id": P.household_id, "region_code": P.region_code,
         "birth_date": P.birth_date, "name": P.name, "resident_id": P.resident_id,
         "deceased_on": P.deceased_on},
        {"person_id": pl.Int64, "household_id": pl.Int64, "region_code": pl.String,
         "birth_date": pl.Date, "name": pl.String, "resident_id": pl.String,
         "deceased_on": pl.Date},
    )  # fmt: skip


def _breakpoints(periods: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The days in ``[start, end)`` on which ``periods`` begin (the first day, ``start`` at
    the latest) or end: between two of them what a person holds does not change."""
    return pl.concat([
        periods.select("household_id", "person_id",
                       pl.max_horizontal("valid_from", pl.lit(start)).alias("date")),
        periods.filter(pl.col("valid_to").is_not_null() & (pl.col("valid_to") < end)).select(
            "household_id", "person_id", pl.col("valid_to").alias("date")
        ),
    ])  # fmt: skip


def targets(
    session: Session, statuses: list[PovertyStatus], start: dt.date, end: dt.date
) -> pl.DataFrame:
    """The persons holding one of ``statuses`` on some day of ``[start, end)`` on which they
    are alive (born by then, not died: the day of death is not a day alive), with their
    village (:func:`targets_by_period` of the one period)."""
    ids = targets_by_period(session, statuses, [(start, end)])
    return persons(session).join(ids, on="person_id", how="semi")


def targets_by_period(
    session: Session, statuses: list[PovertyStatus], spans: list[tuple[dt.date, dt.date]]
) -> pl.DataFrame:
    """For each period ``[start, end)`` of ``spans``, the ids of the persons holding one of
    ``statuses`` on some day of it on which they are alive: ``person_id``, ``period`` (its
    start). The registry is read once.

    What a person holds follows the registry's rules (:func:`safetynet.registry.status.held`):
    within a family a period of the person's own overrides the household's, so a member
    recorded ``exited`` in a registered-poor household is not a target while exited. The
    statuses are taken on each day of the period a status begins or ends, and on ``start``,
    each moved to the birth day when earlier and dropped from the day of death on (a status
    recorded after a death, or ended before a birth, makes no target).
    """
    wanted = status_mask(set(statuses))
    periods = periods_frame(session)
    people = persons(session)
    out = [pl.DataFrame(schema={"person_id": pl.Int64, "period": pl.Date})]
    for start, end in spans:
        live = periods.filter(
            pl.col("valid_from") < end,
            pl.col("valid_to").is_null() | (pl.col("valid_to") > start),
        )
        # who could hold one: a period of a wanted status, their own or their household's
        want = live.filter(pl.col("status").is_in([s.value for s in statuses]))
        own = want.filter(pl.col("person_id").is_not_null()).select(
            pl.col("person_id").cast(pl.Int64))  # fmt: skip
        homes = want.filter(pl.col("person_id").is_null()).select(
            pl.col("household_id").cast(pl.Int64))  # fmt: skip
        members = people.join(homes.unique(), on="household_id", how="semi").select("person_id")
        candidates = people.join(pl.concat([own, members]).unique(), on="person_id", how="semi")
        days = _breakpoints(live, start, end)
        keys = (
            pl.concat([
                candidates.join(days.filter(pl.col("person_id").is_not_null())
                                .drop("household_id"), on="person_id"),
                candidates.join(days.filter(pl.col("person_id").is_null()).drop("person_id"),
                                on="household_id"),
            ], how="diagonal_relaxed")
            .with_columns(pl.max_horizontal("date", "birth_date").alias("date"))
            .filter(pl.col("date") < end, _alive_on("date"))
            .select("person_id", "household_id", "date")
            .unique()
        )  # fmt: skip
        held = keys.filter((status_masks_at(periods, keys) & wanted) != 0)
        out.append(held.select("person_id", pl.lit(start).alias("period")).unique())
    return pl.concat(out)


def _alive_on(day: str) -> pl.Expr:
    """Alive on the date in column ``day`` (the day of death is not a day alive)."""
    return pl.col("deceased_on").is_null() | (pl.col("deceased_on") > pl.col(day))


def patients(session: Session, year: int) -> pl.DataFrame:
    P = ProgrammePatient
    schema = {"id": pl.Int64, "batch": pl.String, "person_id": pl.Int64, "list_id": pl.String,
              "disease_code": pl.String, "state": pl.String, "screened_on": pl.Date,
              "verified_on": pl.Date, "plan_on": pl.Date, "outcome_on": pl.Date,
              "institution_code": pl.String}  # fmt: skip
    return load_frame(session, {k: getattr(P, k) for k in schema}, schema, P.year == year)


CONTRACT_SCHEMA = {"id": pl.Int64, "person_id": pl.Int64, "team_id": pl.Int64,
                   "package": pl.String, "signed_on": pl.Date, "valid_from": pl.Date,
                   "valid_to": pl.Date, "fee_fen": pl.Int64, "free": pl.Boolean,
                   "health_record_no": pl.String, "disease_code": pl.String,
                   "renews_id": pl.Int64}  # fmt: skip
FOLLOW_UP_SCHEMA = {"id": pl.Int64, "contract_id": pl.Int64, "person_id": pl.Int64,
                    "kind": pl.String, "disease_code": pl.String, "done_on": pl.Date,
                    "systolic": pl.Int64, "diastolic": pl.Int64, "glucose_tenths": pl.Int64,
                    "drugs": pl.String, "next_on": pl.Date}  # fmt: skip


def contracts(session: Session, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Contracts in force at some time in ``[start, end)``."""
    C = DoctorContract
    return load_frame(
        session, {k: getattr(C, k) for k in CONTRACT_SCHEMA}, CONTRACT_SCHEMA,
        C.valid_from < end, C.valid_to > start,
    )  # fmt: skip


def follow_ups(session: Session, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Services done in ``[start, end)``."""
    F = FollowUp
    return load_frame(
        session, {k: getattr(F, k) for k in FOLLOW_UP_SCHEMA}, FOLLOW_UP_SCHEMA,
        F.done_on >= start, F.done_on < end,
    )  # fmt: skip


def villages(session: Session) -> pl.DataFrame:
    """Each village with its township and county (codes)."""
    R = Region
    regions = load_frame(
        session, {"code": R.code, "parent_code": R.parent_code, "level": R.level},
        {"code": pl.String, "parent_code": pl.String, "level": pl.String},
    )  # fmt: skip
    parent = regions.select("code", "parent_code")
    return (
        regions.filter(pl.col("level") == "village")
        .select(pl.col("code").alias("village"), pl.col("parent_code").alias("township"))
        .join(parent.rename({"code": "township", "parent_code": "county"}), on="township",
              how="left")
    )  # fmt: skip
