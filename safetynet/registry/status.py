"""Dated poverty status: what a person is on a date, its history, recording it, and in bulk.

Statuses live in :class:`PovertyStatusPeriod` rows, each a period ``[valid_from, valid_to)``
(``valid_to`` exclusive, NULL = open) of one status, either of a person (``person_id`` set) or
of a whole household (``person_id`` NULL: it applies to every member).

Statuses come in two *families*, kept by different offices: the poverty-alleviation register
(registered poor, exited, returned, marginal — a household is in at most one of these at a time)
and social assistance by civil affairs (low income, extremely poor). On a date a person holds
the union of both families, and within a family a period of the person's own overrides the
household's: a member recorded ``exited`` while the household stays registered poor is exited;
an extremely poor member of a low-income household is extremely poor, not also low income.
Somebody with no status at all is ``ordinary``.

:func:`statuses_on` answers for one person with one query; :func:`status_masks_at` answers for
millions of (person, date) pairs at once, as the engine's bit masks
(:func:`safetynet.engine.facts.status_mask`); both apply the same rules (tested against each
other).
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    String,
    and_,
    bindparam,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from safetynet.codes import PovertyStatus
from safetynet.engine.facts import status_mask
from safetynet.store.models import Person, PovertyStatusPeriod

S = PovertyStatus
FAMILY: dict[PovertyStatus, str] = {
    S.REGISTERED_POOR: "poverty_alleviation",
    S.EXITED: "poverty_alleviation",
    S.RETURNED: "poverty_alleviation",
    S.MARGINAL: "poverty_alleviation",
    S.LOW_INCOME: "social_assistance",
    S.EXTREMELY_POOR: "social_assistance",
    S.ORDINARY: "ordinary",
}
_FAMILY_OF = {s.value: f for s, f in FAMILY.items()}
_BIT_OF = {s.value: status_mask({s}) for s in PovertyStatus}
ORDINARY_MASK = status_mask({S.ORDINARY})
PERIOD_SCHEMA = {
    "id": pl.Int64,
    "household_id": pl.Int64,
    "person_id": pl.Int64,
    "status": pl.String,
    "valid_from": pl.Date,
    "valid_to": pl.Date,
}
P = PovertyStatusPeriod


class StatusError(ValueError):
    """A status change that cannot be recorded as asked; ``code`` names the problem."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def resolve(active: list[tuple[bool, PovertyStatus]]) -> set[PovertyStatus]:
    """Statuses held, from the periods in force as (person-level?, status) pairs."""
    own = {FAMILY[s] for personal, s in active if personal}
    held = {s for personal, s in active if personal or FAMILY[s] not in own}
    return held or {S.ORDINARY}


def _in_force(on: date) -> ColumnElement[bool]:
    return and_(P.valid_from <= on, or_(P.valid_to.is_(None), P.valid_to > on))


def _applying_to(person_id: int) -> ColumnElement[bool]:
    household = select(Person.household_id).where(Person.id == person_id).scalar_subquery()
    return or_(P.person_id == person_id, and_(P.person_id.is_(None), P.household_id == household))


_STATUSES_ON = select(P.person_id, P.status).where(
    or_(
        P.person_id == bindparam("person_id"),
        and_(P.person_id.is_(None), P.household_id == bindparam("household_id")),
    ),
    _in_force(bindparam("on", type_=Date)),  # type: ignore[arg-type]
)  # built once: settling a claim at the window runs it on the connection directly


def statuses_on(
    session: Session, person_id: int, on: date, household_id: int | None = None
) -> set[PovertyStatus]:
    """The statuses a person holds on a date (``{ORDINARY}`` when none)."""
    if household_id is None:
        household_id = session.scalar(select(Person.household_id).where(Person.id == person_id))
    rows = session.connection().execute(
        _STATUSES_ON, {"person_id": person_id, "household_id": household_id, "on": on}
    )
    return resolve([(pid is not None, PovertyStatus(status)) for pid, status in rows])


def history(session: Session, person_id: int) -> list[PovertyStatusPeriod]:
    """Every period applying to the person (own and household's), by start date."""
    query = select(P).where(_applying_to(person_id)).order_by(P.valid_from, P.id)
    return list(session.scalars(query))


def _scope(
    household_id: int, person_id: int | None, status: PovertyStatus
) -> Select[tuple[PovertyStatusPeriod]]:
    """Periods of the same scope (this person, or the household as a whole) and family."""
    family = [s for s in PovertyStatus if FAMILY[s] == FAMILY[status]]
    who = P.person_id.is_(None) if person_id is None else P.person_id == person_id
    return select(P).where(P.household_id == household_id, who, P.status.in_(family))


def record_status(
    session: Session,
    household_id: int,
    person_id: int | None,
    status: PovertyStatus,
    valid_from: date,
    department: str,
    reference: str | None = None,
    *,
    valid_to: date | None = None,
) -> PovertyStatusPeriod:
    """Record a status from ``valid_from`` for a person, or (``person_id`` None) a household.

    A period of the same scope (this person, or this household as a whole) and the same family
    in force on ``valid_from`` ends there: recording ``exited`` from 2017-07-01 closes the open
    ``registered_poor`` period with ``valid_to = 2017-07-01``. Recording a status that is
    already in force changes nothing and returns the period in force. A period of the family
    starting on or after ``valid_from`` is a conflict (correct the history instead).
    """
    if status is S.ORDINARY:
        raise StatusError("ordinary", "ordinary is the absence of a status; use close_status")
    if valid_to is not None and valid_to <= valid_from:
        raise StatusError("period", f"the period ends on {valid_to} but starts on {valid_from}")
    if person_id is not None:
        member_of = session.scalar(select(Person.household_id).where(Person.id == person_id))
        if member_of != household_id:
            raise StatusError(
                "household", f"person {person_id} is not a member of household {household_id}"
            )
    periods = list(session.scalars(_scope(household_id, person_id, status)))
    later = [p for p in periods if p.valid_from >= valid_from]
    if later:
        first = min(later, key=lambda p: p.valid_from)
        raise StatusError(
            "later_period",
            f"a {first.status.value} period already starts on {first.valid_from}, "
            f"not before {valid_from}; correct the history instead",
        )
    in_force = [p for p in periods if p.valid_to is None or p.valid_to > valid_from]
    for p in in_force:
        if p.status is status and p.valid_to is None and valid_to is None:
            return p
    for p in in_force:
        p.valid_to = valid_from
    period = P(
        household_id=household_id,
        person_id=person_id,
        status=status,
        valid_from=valid_from,
        valid_to=valid_to,
        department=department,
        reference=reference,
    )
    session.add(period)
    session.flush()
    return period


def close_status(
    session: Session, household_id: int, person_id: int | None, status: PovertyStatus, on: date
) -> PovertyStatusPeriod | None:
    """End the open period of ``status`` of this scope on ``on`` (exclusive); None if none."""
    periods = session.scalars(_scope(household_id, person_id, status))
    for p in periods:
        if p.status is status and p.valid_to is None:
            if on <= p.valid_from:
                raise StatusError(
                    "period", f"the period starts on {p.valid_from}; it cannot end on {on}"
                )
            p.valid_to = on
            session.flush()
            return p
    return None


def periods_frame(session: Session, on: date | None = None) -> pl.DataFrame:
    """Every status period (or those in force ``on`` a date) in one query, as a frame.

    Its columns are those of ``PERIOD_SCHEMA``; ``status`` holds the enum value.
    """
    cols = [
        type_coerce(getattr(P, name), String).label(name)
        if dtype == pl.String
        else getattr(P, name).label(name)
        for name, dtype in PERIOD_SCHEMA.items()
    ]
    query = select(*cols) if on is None else select(*cols).where(_in_force(on))
    rows = session.execute(query).all()
    return pl.DataFrame(rows, schema=PERIOD_SCHEMA, orient="row")


_KEYS = ["person_id", "household_id", "date"]


def status_masks_at(periods: pl.DataFrame, claims: pl.DataFrame) -> pl.Series:
    """Each claim's status bit mask on its date: Σ 1 << code(status) held (ORDINARY when none).

    ``claims`` has ``person_id``, ``household_id`` and ``date``; ``periods`` has
    ``household_id``, ``person_id`` (null for household periods), ``status``, ``valid_from``
    and ``valid_to`` (as :func:`periods_frame` returns). The result is aligned with ``claims``.
    """
    keys = claims.select(
        pl.col("person_id").cast(pl.Int64),
        pl.col("household_id").cast(pl.Int64),
        pl.col("date").cast(pl.Date),
    )
    unique = keys.unique()
    p = periods.select(
        pl.col("household_id").cast(pl.Int64),
        pl.col("person_id").cast(pl.Int64),
        pl.col("status").cast(pl.String),
        pl.col("valid_from").cast(pl.Date),
        pl.col("valid_to").cast(pl.Date),
    )
    period_cols = ["status", "valid_from", "valid_to"]
    own = unique.join(p.filter(pl.col("person_id").is_not_null()), on="person_id").select(
        *_KEYS, *period_cols, pl.lit(True).alias("personal")
    )
    household = unique.join(p.filter(pl.col("person_id").is_null()), on="household_id").select(
        *_KEYS, *period_cols, pl.lit(False).alias("personal")
    )
    day = pl.col("date")
    masks = (
        pl.concat([own, household])
        .filter(
            (pl.col("valid_from") <= day)
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") > day))
        )
        .with_columns(pl.col("status").replace_strict(_FAMILY_OF).alias("family"))
        .filter(pl.col("personal") | ~pl.col("personal").any().over([*_KEYS, "family"]))
        .select(*_KEYS, pl.col("status").replace_strict(_BIT_OF, return_dtype=pl.Int64))
        .unique()
        .group_by(_KEYS)
        .agg(pl.col("status").sum().alias("status_mask"))
    )
    joined = keys.join(masks, on=_KEYS, how="left", maintain_order="left")
    return joined.get_column("status_mask").fill_null(ORDINARY_MASK)
