"""The registry's one rule of who is alive: a person is alive from the day of birth to the day
before death — the day of death is not a day alive.

Enrollment (living on the enrollment day), reconciliation and the derived year frames read it
from here, as a Polars expression over ``birth_date`` / ``deceased_on`` columns or a
SQLAlchemy condition on :class:`~safetynet.store.models.Person`.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import ColumnElement, or_

from safetynet.store.models import Person


def not_dead_by(day: date, deceased_on: str = "deceased_on") -> pl.Expr:
    """Not deceased on or before ``day`` (the day of death is not a day alive)."""
    return pl.col(deceased_on).is_null() | (pl.col(deceased_on) > day)


def alive_during(start: date, end: date, birth_date: str = "birth_date",
                 deceased_on: str = "deceased_on") -> pl.Expr:  # fmt: skip
    """Alive on some day of ``[start, end]``: born by ``end``, not dead by ``start``."""
    return (pl.col(birth_date) <= end) & not_dead_by(start, deceased_on)


def alive_on(birth_date: date, deceased_on: date | None, day: date) -> bool:
    """Whether one person is alive on ``day``: born by then and not dead by then."""
    return birth_date <= day and (deceased_on is None or deceased_on > day)


def living_on(day: date) -> ColumnElement[bool]:
    """The persons alive on ``day`` (SQL): born by then and not dead by then."""
    return (Person.birth_date <= day) & or_(  # type: ignore[return-value]
        Person.deceased_on.is_(None), Person.deceased_on > day
    )
