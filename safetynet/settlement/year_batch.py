"""Settle a year of recorded claims in one batch and append them to the ledger.

Used to bring a year of claims loaded from elsewhere (a synthetic county, a migration from
the previous system) into the ledger: every claim of the year that has no ledger entry is
settled by the batch engine — the same arithmetic as the window — under the policy in force
for its region and date, and its entry, its layers and the year's accumulators are written
in one transaction. Households that already have entries in the year are left to online
settlement and reported (their accumulators would otherwise be overwritten).

Online and batch give identical results: a claim the window refuses because its person had
died (:func:`safetynet.registry.alive.after_death` — started on or after the day of death,
discharged after it, an item line dated after it) is not settled by the batch either; it is
left unsettled and counted in ``refused`` under the window's code (``person_deceased``).
So is a claim whose bill repeats an earlier claim's of the batch (the window's duplicate-bill
rule, :func:`safetynet.settlement.duplicate_bill.repeated_in_period`: ``duplicate_bill``,
listed in ``repeated`` with the earlier claim's number): no clerk confirms it here; if it is a
second, genuine bill it is settled at the window with the reason. So is a claim at an
institution not designated on its start date, or not for its kind of care (the window's
rule, :func:`safetynet.registry.designation.not_designated`: ``institution_not_designated``,
``institution_kind``), and a claim dated before its person's birth (``person_not_born``) or
of a person not enrolled for the year (``not_enrolled``); the checks run in the window's
order (birth, death, designation, enrollment).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from sqlalchemy import Engine, exists, func, or_, select
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind
from safetynet.engine.batch import settle_batch_with_state
from safetynet.registry.alive import after_death
from safetynet.registry.designation import not_designated
from safetynet.registry.status import periods_frame
from safetynet.settlement import hooks
from safetynet.settlement.accumulators import insert_year
from safetynet.settlement.duplicate_bill import repeated_in_period
from safetynet.settlement.engine_input import (
    batch_input,
    with_claim_facts,
    with_fixed_fees,
    with_line_amounts,
    with_policies,
)
from safetynet.settlement.ledger import entry_frame, layer_frame, write_frames
from safetynet.settlement.recorded import recorded_claims, recorded_lines
from safetynet.store.db import session_scope
from safetynet.store.models import (
    Claim,
    ClaimItem,
    Enrollment,
    Institution,
    Person,
    Settlement,
)

Progress = Callable[[str, int, int], None]  # stage, done, total


@dataclass
class YearBatchResult:
    settled: int = 0
    paid_fen: int = 0
    skipped_households: int = 0
    by_policy: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)  # the window's code -> claims
    repeated: list[tuple[str, str]] = field(default_factory=list)  # (claim, earlier claim)


def settle_year(
    engine: Engine, year: int, *, user: str = "batch", progress: Progress | None = None
) -> YearBatchResult:
    """Settle the year's unsettled claims into the ledger (all or nothing)."""
    result = YearBatchResult()
    with session_scope(engine, write_lock=True) as s:
        first, last = date(year, 1, 1), date(year, 12, 31)
        claims = recorded_claims(s, first, last, unsettled=True)
        if claims.is_empty():
            return result
        busy = set(s.scalars(select(Settlement.household_id).where(Settlement.year == year)))
        result.skipped_households = claims.filter(pl.col("household_id").is_in(list(busy)))[
            "household_id"
        ].n_unique()
        claims = claims.filter(~pl.col("household_id").is_in(list(busy)))
        refusals = refused_for_facts(s, first, last, year)
        for code in refusals.values():
            result.refused[code] = result.refused.get(code, 0) + 1
        if refusals:
            claims = claims.filter(~pl.col("claim_id").is_in(list(refusals)))
        repeats = repeated_in_period(s, first, last, refusals)
        if repeats:
            gone = claims.filter(pl.col("claim_id").is_in(list(repeats)))
            result.repeated = [(no, repeats[cid]) for cid, no in
                               gone.select("claim_id", "claim_no").iter_rows()]  # fmt: skip
            claims = claims.filter(~pl.col("claim_id").is_in(list(repeats)))
            if result.repeated:
                result.refused["duplicate_bill"] = len(result.repeated)
        lines = recorded_lines(s, claims["claim_id"])
        claims = with_fixed_fees(with_line_amounts(claims, lines, "claim_id"))
        claims, compiled = with_policies(with_claim_facts(claims, periods_frame(s)))
        for (policy_id,), part in claims.group_by("policy_id"):
            ordered = part.sort("household_id", "date", "claim_id")
            _settle_part(s, compiled[str(policy_id)], ordered, year, user, result, progress)
        if result.settled:
            hooks.year_written(s, year)  # figures kept from the ledger (early warning's)
    return result


def after_death_claims(s: Session, first: date, last: date) -> set[int]:
    """The unsettled claims starting between two dates with a service after their person's
    death, by the window's rule (:func:`safetynet.registry.alive.after_death`): one query over
    the claims of persons who died."""
    q = (
        select(Claim.id, Claim.start_date, Claim.end_date, Person.deceased_on,
               func.max(ClaimItem.service_date))
        .join(Person, Person.id == Claim.person_id)
        .outerjoin(ClaimItem, ClaimItem.claim_id == Claim.id)
        .where(Person.deceased_on.is_not(None), Claim.start_date >= first,
               Claim.start_date <= last, Claim.id.not_in(select(Settlement.claim_id)))
        .group_by(Claim.id, Claim.start_date, Claim.end_date, Person.deceased_on)
    )  # fmt: skip
    return {cid for cid, start, end, died, served in s.execute(q)
            if after_death(start, end, died, served)}  # fmt: skip


def refused_for_facts(s: Session, first: date, last: date, year: int) -> dict[int, str]:
    """The unsettled claims starting between two dates of ``year`` that the window refuses
    for their facts, each under the first code in the window's order — birth, death,
    designation, enrollment (:func:`safetynet.settlement.facts.resolve`). The year batch
    leaves them unsettled; the policy design leaves them out (the scheme never pays them)."""
    person = person_refused_claims(s, first, last, year)
    refusals = {cid: code for cid, code in person.items() if code == "person_not_born"}
    for cid in after_death_claims(s, first, last):
        refusals.setdefault(cid, "person_deceased")
    for cid, code in [*not_designated_claims(s, first, last).items(), *person.items()]:
        refusals.setdefault(cid, code)
    return refusals


def person_refused_claims(s: Session, first: date, last: date, year: int) -> dict[int, str]:
    """The unsettled claims starting between two dates that the window refuses for their
    person, in the window's order (:func:`safetynet.settlement.facts.resolve`): before the
    person's birth (``person_not_born``), else of a person not enrolled for the year
    (``not_enrolled``) — one query."""
    enrolled = exists().where(Enrollment.person_id == Claim.person_id, Enrollment.year == year)
    q = (
        select(Claim.id, Claim.start_date < Person.birth_date)
        .join(Person, Person.id == Claim.person_id)
        .where(Claim.start_date >= first, Claim.start_date <= last,
               Claim.id.not_in(select(Settlement.claim_id)),
               or_(Claim.start_date < Person.birth_date, ~enrolled))
    )  # fmt: skip
    return {cid: "person_not_born" if unborn else "not_enrolled"
            for cid, unborn in s.execute(q)}  # fmt: skip


def not_designated_claims(s: Session, first: date, last: date) -> dict[int, str]:
    """The unsettled claims starting between two dates at an institution not designated for
    them, by the window's rule (:func:`safetynet.registry.designation.not_designated`), each
    with the window's code: one query over the claims of institutions whose designation is
    limited (a period, or one kind of care only)."""
    q = (
        select(Claim.id, Claim.start_date, Claim.kind, Institution.designated_from,
               Institution.designated_to, Institution.inpatient, Institution.outpatient)
        .join(Institution, Institution.code == Claim.institution_code)
        .where(Claim.start_date >= first, Claim.start_date <= last,
               Claim.id.not_in(select(Settlement.claim_id)),
               or_(Institution.designated_from > Claim.start_date,
                   Institution.designated_to <= Claim.start_date,
                   Institution.inpatient.is_not(True), Institution.outpatient.is_not(True)))
    )  # fmt: skip
    out: dict[int, str] = {}
    for cid, start, kind, since, until, inpatient, outpatient in s.execute(q):
        code = not_designated(start, getattr(kind, "value", kind) == ClaimKind.INPATIENT.value,
                              since, until, inpatient, outpatient)  # fmt: skip
        if code is not None:
            out[cid] = code
    return out


def _settle_part(
    s: Session,
    cp,
    part: pl.DataFrame,
    year: int,
    user: str,  # type: ignore[no-untyped-def]
    result: YearBatchResult,
    progress: Progress | None,
) -> None:
    part = batch_input(cp, part)
    settled, state = settle_batch_with_state(cp, part)
    assert state is not None
    pays = [f"pay_{lid}" for lid in cp.layer_ids]
    settled = settled.with_columns(pl.sum_horizontal(pays).alias("paid_fen"))
    conn = s.connection()
    first_id = (s.scalar(select(Settlement.id).order_by(Settlement.id.desc()).limit(1)) or 0) + 1
    settled = settled.with_row_index("row").with_columns(
        (pl.col("row").cast(pl.Int64) + first_id).alias("settlement_id")
    )
    entries = entry_frame(settled, cp, user)
    if progress:
        progress("ledger", 0, entries.height)
    write_frames(conn, entries, layer_frame(settled, cp))
    insert_year(conn, cp.policy.id, state.persons, state.households)
    if progress:
        progress("ledger", entries.height, entries.height)
    result.settled += entries.height
    result.paid_fen += int(settled["paid_fen"].sum())
    result.by_policy[cp.policy.id] = result.by_policy.get(cp.policy.id, 0) + entries.height
