"""Yearly enrollment: enroll everybody living in the policy's region, the contribution split
by payer; totals.

:func:`enroll_year` is set-based: one query for the persons not yet enrolled, one for the
poverty status periods in force, the category and split computed by Polars, and a bulk insert.
Running it again for the same year adds nobody. A person's category is the first of the
statuses they hold on the enrollment date in the policy's ``priority``
(:meth:`ContributionPolicy.category_for`), ``ordinary`` when none.

The enrollment date of a scheme year lies in the campaign before it or in the year itself,
both bounds inclusive: from 1 January of the year before (:func:`enrollment_span`) to
31 December of the year. A later date would enroll people born after the year ended and take
statuses the year never saw; an earlier one statuses two years old. An enrollment covers the
whole scheme year whatever its date (no waiting period is modelled).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from sqlalchemy import exists, func, insert, select
from sqlalchemy.orm import Session

from safetynet.codes import PovertyStatus
from safetynet.engine.facts import status_mask
from safetynet.policy.contribution import COLUMN, ContributionPolicy, Payer
from safetynet.registry.alive import living_on
from safetynet.registry.status import periods_frame, status_masks_at
from safetynet.store.models import Enrollment, Person

CHUNK = 5_000
Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class EnrollResult:
    enrolled: int = 0
    by_category: dict[PovertyStatus, int] = field(default_factory=dict)


def enrollment_span(year: int) -> tuple[date, date]:
    """The first and last day (both inclusive) an enrollment for ``year`` may be dated."""
    return date(year - 1, 1, 1), date(year, 12, 31)


def _unenrolled(session: Session, year: int, on: date, region: str) -> pl.DataFrame:
    """Persons of the region (code prefix) living on ``on`` (born by then, not deceased)
    without an enrollment for ``year``."""
    enrolled = exists().where(Enrollment.person_id == Person.id, Enrollment.year == year)
    query = select(Person.id, Person.household_id).where(
        Person.region_code.startswith(region, autoescape=True), living_on(on), ~enrolled
    )
    rows = session.execute(query.order_by(Person.id)).all()
    return pl.DataFrame(
        rows, schema={"person_id": pl.Int64, "household_id": pl.Int64}, orient="row"
    )


def category_expr(policy: ContributionPolicy, mask: pl.Expr) -> pl.Expr:
    """The category (enum value) for status bit masks, by the policy's priority."""
    expr = pl.lit(PovertyStatus.ORDINARY.value)
    for status in reversed(policy.priority):
        held = (mask & status_mask({status})) != 0
        expr = pl.when(held).then(pl.lit(status.value)).otherwise(expr)
    return expr


def enrollment_rows(
    frame: pl.DataFrame, year: int, policy: ContributionPolicy, on: date
) -> pl.DataFrame:
    """Enrollment rows (the ``enrollment`` table's columns) for persons with a ``category``."""
    splits = {s.value: policy.split(s) for s in PovertyStatus}
    return frame.select(
        "person_id",
        pl.lit(year).alias("year"),
        "category",
        *(
            pl.col("category")
            .replace_strict({k: v[payer] for k, v in splits.items()}, return_dtype=pl.Int64)
            .alias(COLUMN[payer])
            for payer in Payer
        ),
        pl.lit(on).alias("enrolled_on"),
    )


def enroll_year(
    session: Session,
    year: int,
    policy: ContributionPolicy,
    on: date,
    progress: Progress | None = None,
) -> EnrollResult:
    """Enroll for ``year`` everybody of the policy's region living on ``on`` and not yet
    enrolled (flushes, no commit): a contribution policy states one region's contributions,
    so persons of other regions are left to theirs."""
    if policy.year != year:
        raise ValueError(f"the contribution policy {policy.id} is for {policy.year}, not {year}")
    first, last = enrollment_span(year)
    if not first <= on <= last:
        raise ValueError(
            f"an enrollment for {year} is dated from {first} to {last} (both included), not {on}"
        )
    persons = _unenrolled(session, year, on, policy.region)
    if persons.is_empty():
        return EnrollResult()
    masks = status_masks_at(periods_frame(session, on), persons.with_columns(date=pl.lit(on)))
    frame = persons.with_columns(masks.alias("mask")).with_columns(
        category_expr(policy, pl.col("mask")).alias("category")
    )
    rows = enrollment_rows(frame, year, policy, on)
    for done, part in enumerate(rows.iter_slices(CHUNK), start=1):
        session.execute(insert(Enrollment), part.to_dicts())
        if progress is not None:
            progress(min(done * CHUNK, rows.height), rows.height)
    session.flush()
    counts = frame.group_by("category").len()
    return EnrollResult(
        enrolled=rows.height,
        by_category={PovertyStatus(c): n for c, n in counts.iter_rows()},
    )


def contribution_totals(session: Session, year: int) -> dict[Payer, int]:
    """The year's contributions by payer, in fen (one query)."""
    cols = [func.coalesce(func.sum(getattr(Enrollment, COLUMN[p])), 0) for p in Payer]
    row = session.execute(select(*cols).where(Enrollment.year == year)).one()
    return {p: int(v) for p, v in zip(Payer, row, strict=True)}


def enrollment_counts(session: Session, year: int) -> dict[PovertyStatus, int]:
    """Persons enrolled for the year by category (one query)."""
    query = (
        select(Enrollment.category, func.count())
        .where(Enrollment.year == year)
        .group_by(Enrollment.category)
    )
    return {PovertyStatus(c): int(n) for c, n in session.execute(query)}
