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

The rules are stated once, on bit masks (:data:`STATUS_BITS`, the engine's bits), by
:func:`held`: it takes the masks of the person's own periods in force and of the household's,
as integers, NumPy arrays or Polars columns. :func:`resolve` (one person's periods, at the
window and in :func:`statuses_on`) calls it on integers; :func:`status_masks_at` (millions of
(person, date) pairs at once) on columns; a property test checks the two against each other.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import numpy as np
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
from safetynet.engine.facts import status_mask, statuses_of
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
# The bit of each status (by value, so a column of status texts maps with it too), as the
# engine's masks have it: every frame's status mask is built from this mapping.
STATUS_BITS: dict[str, int] = {s.value: status_mask({s}) for s in PovertyStatus}
ORDINARY_MASK = STATUS_BITS[S.ORDINARY]
# each family's statuses as one mask
FAMILY_MASKS: tuple[int, ...] = tuple(
    sum(STATUS_BITS[s] for s in FAMILY if FAMILY[s] == family)
    for family in dict.fromkeys(FAMILY.values())
)
N = TypeVar("N", int, np.ndarray, pl.Expr)
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


def _unless_zero(a: N, b: N) -> N:
    """``a`` where it is not 0, else ``b`` (integers, NumPy arrays or Polars columns)."""
    if isinstance(a, pl.Expr):
        return pl.when(a != 0).then(a).otherwise(b)  # type: ignore[return-value]
    if isinstance(a, np.ndarray):
        return np.where(a != 0, a, b)  # type: ignore[return-value]
    return a or b  # type: ignore[return-value]


def held(own: N, household: N) -> N:
    """The mask of the statuses held, from the masks of the periods in force of the person's
    own (``own``) and of the household's (``household``): within each family the person's own
    statuses if any, else the household's; the families' union; ``ordinary`` when none.

    The one statement of the rules: integers for one person, NumPy arrays or Polars columns
    for millions.
    """
    if isinstance(household, int) and household == 0:  # no household period: own or ordinary
        return _unless_zero(own, ORDINARY_MASK)  # type: ignore[arg-type]  # what the loop gives
    mask = own & 0
    for family in FAMILY_MASKS:
        mask = mask | _unless_zero(own & family, household & family)
    return _unless_zero(mask, ORDINARY_MASK)  # type: ignore[arg-type]


def resolve(active: list[tuple[bool, PovertyStatus]]) -> set[PovertyStatus]:
    """Statuses held, from the periods in force as (person-level?, status) pairs
    (:func:`held` on their masks)."""
    own = household = 0
    for personal, s in active:
        if personal:
            own |= STATUS_BITS[s]
        else:
            household |= STATUS_BITS[s]
    return set(statuses_of(held(own, household)))


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
    """Periods of the same scope (this person, or the household as a whole) and family.

    A person's own periods are theirs whatever household they were recorded with: a person
    who moved household keeps them (they apply by person), so a new one must end them."""
    family = [s for s in PovertyStatus if FAMILY[s] == FAMILY[status]]
    if person_id is not None:
        return select(P).where(P.person_id == person_id, P.status.in_(family))
    return select(P).where(
        P.household_id == household_id, P.person_id.is_(None), P.status.in_(family)
    )


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
    """Each claim's status bit mask on its date (:func:`held` on columns).

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
        pl.col("status").cast(pl.String).replace_strict(STATUS_BITS, return_dtype=pl.Int64),
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

    def or_of(personal: bool) -> pl.Expr:
        bits = pl.col("status").filter(pl.col("personal") == personal)
        return bits.bitwise_or().fill_null(0)

    masks = (
        pl.concat([own, household])
        .filter(
            (pl.col("valid_from") <= day)
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") > day))
        )
        .group_by(_KEYS)
        .agg(or_of(True).alias("own"), or_of(False).alias("household"))
        .select(*_KEYS, held(pl.col("own"), pl.col("household")).alias("status_mask"))
    )
    joined = keys.join(masks, on=_KEYS, how="left", maintain_order="left")
    return joined.get_column("status_mask").fill_null(ORDINARY_MASK)
