"""The registry's one rule of who is alive: a person is alive from the day of birth to the day
before death — the day of death is not a day alive.

Enrollment (living on the enrollment day), reconciliation and the derived year frames read it
from here, as a Polars expression over ``birth_date`` / ``deceased_on`` columns or a
SQLAlchemy condition on :class:`~safetynet.store.models.Person`.

Services after death, stated once too (:func:`after_death`, :func:`after_death_expr`): a
visit or stay that starts on or after the day of death (not a day alive); a stay discharged
after the day of death (a death in hospital is its discharge: the stay may end on that day);
an item line dated after the day of death. The window refuses such a claim
(:func:`safetynet.settlement.facts.check_person`), the year batch refuses it with the same
code, and fund supervision's impersonation rule flags it in a year's claims.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

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


AfterDeath = Literal["date", "discharge_date", "service_date"]
# what each answer of :func:`after_death` is called in supervision's hits
AFTER_DEATH_REASONS: dict[AfterDeath, str] = {
    "date": "claim after death",
    "discharge_date": "discharge after death",
    "service_date": "service after death",
}


def after_death(
    start: date, end: date | None, deceased_on: date | None, last_service: date | None = None
) -> AfterDeath | None:
    """Which date of a visit or stay falls after its person's life, or None: ``date`` when
    it starts on or after the day of death, ``discharge_date`` when it ends after that day,
    ``service_date`` when an item line is dated after it (``last_service``: the latest)."""
    if deceased_on is None:
        return None
    if start >= deceased_on:
        return "date"
    if end is not None and end > deceased_on:
        return "discharge_date"
    if last_service is not None and last_service > deceased_on:
        return "service_date"
    return None


def after_death_expr(
    start: pl.Expr, end: pl.Expr, deceased_on: pl.Expr, last_service: pl.Expr | None = None
) -> pl.Expr:
    """:func:`after_death` over columns: the field's name, or null (a null date passes)."""
    service = pl.lit(None, pl.Date) if last_service is None else last_service
    return (
        pl.when(start >= deceased_on).then(pl.lit("date"))
        .when(end > deceased_on).then(pl.lit("discharge_date"))
        .when(service > deceased_on).then(pl.lit("service_date"))
        .otherwise(pl.lit(None, pl.String))
    )  # fmt: skip
