"""The monitored categories (脱贫不稳定户, 边缘易致贫户, 突发严重困难户) as dated periods of a
household or a person, kept like the poverty status (:mod:`safetynet.registry.status`):
``[valid_from, valid_to)``, ``valid_to`` exclusive and NULL while open, a person's own period
beside the household's.

A household whose poverty status is ``marginal`` is monitored as marginal without a period
here; :func:`categories_in_year` answers for every household at once, both sources joined.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from safetynet.codes import MonitoredCategory, PovertyStatus
from safetynet.store.models import MonitoringPeriod, PovertyStatusPeriod

M = MonitoringPeriod


class CategoryError(ValueError):
    """A period that cannot be recorded; ``code`` names why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def record_category(
    session: Session,
    household_id: int,
    category: MonitoredCategory,
    valid_from: date,
    *,
    department: str,
    person_id: int | None = None,
    valid_to: date | None = None,
    reference: str | None = None,
) -> MonitoringPeriod:
    """Start a period; an open period of the same category and holder ends where it starts.
    A period starting on or before the open one's start is refused (record an end instead)."""
    if valid_to is not None and valid_to <= valid_from:
        raise CategoryError("period.backwards", "the period must end after it starts")
    holder = M.person_id == person_id if person_id is not None else M.person_id.is_(None)
    open_one = session.scalar(
        select(M).where(
            M.household_id == household_id, holder, M.category == category, M.valid_to.is_(None)
        )
    )
    if open_one is not None:
        if open_one.valid_from >= valid_from:
            raise CategoryError("period.overlaps", "an open period starts on or after this one")
        session.execute(update(M).where(M.id == open_one.id).values(valid_to=valid_from))
    period = M(household_id=household_id, person_id=person_id, category=category,
               valid_from=valid_from, valid_to=valid_to, department=department,
               reference=reference)  # fmt: skip
    session.add(period)
    session.flush()
    return period


def end_category(
    session: Session, household_id: int, category: MonitoredCategory, on: date,
    person_id: int | None = None,
) -> int:  # fmt: skip
    """End the open period (``on`` exclusive); returns how many were ended (0 or 1)."""
    holder = M.person_id == person_id if person_id is not None else M.person_id.is_(None)
    done = session.execute(
        update(M)
        .where(
            M.household_id == household_id,
            holder,
            M.category == category,
            M.valid_to.is_(None),
            M.valid_from < on,
        )
        .values(valid_to=on)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def categories_in_year(session: Session, year: int) -> pl.DataFrame:
    """Each household's monitored categories at any time in the year (household_id,
    category), from the periods and from a ``marginal`` poverty status."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)

    def overlapping(cls):  # type: ignore[no-untyped-def]
        return and_(cls.valid_from < end, or_(cls.valid_to.is_(None), cls.valid_to > start))

    own = session.execute(select(M.household_id, M.category).where(overlapping(M))).all()
    P = PovertyStatusPeriod
    marginal = session.execute(
        select(P.household_id).where(P.status == PovertyStatus.MARGINAL, overlapping(P))
    ).all()
    rows = [(h, c.value) for h, c in own] + [
        (h, MonitoredCategory.MARGINAL.value) for (h,) in marginal
    ]
    frame = pl.DataFrame(rows, schema={"household_id": pl.Int64, "category": pl.String},
                         orient="row")  # fmt: skip
    return frame.unique().sort("household_id", "category")
