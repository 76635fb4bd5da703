"""Finding persons (by resident ID or name, within a region) and a person's whole record.

The window's search box takes any of: the first digits of a resident ID (4 or more), a
household number or its beginning (``341821-0000``), a name or its beginning. What a clerk
types is read as :func:`typed_query` says: full-width characters of a Chinese input method as
ASCII, an ID written in groups (``341821 19831211 0016``) as one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from safetynet.regions import region_path
from safetynet.registry.status import history, statuses_on
from safetynet.security.scope import within
from safetynet.store.models import (
    Accumulator,
    Claim,
    Enrollment,
    Household,
    Institution,
    Person,
    PovertyStatusPeriod,
    Region,
    Settlement,
)
from safetynet.store.models.ledger import AccumulatorScope

_ID_LIKE = re.compile(r"^[0-9]{4,17}[0-9Xx]?$")
HOUSEHOLD_LIKE = re.compile(r"^[\dA-Za-z]+-[\dA-Za-z-]*$")


def typed_query(query: str) -> str:
    """A search as typed, normalised: an ID or household number in full-width forms (３４１８,
    Ｘ) as ASCII (NFKC), the spaces inside an ID written in groups dropped; a name exactly as
    typed (NFKC would change compatibility ideographs), without the spaces around it."""
    q = unicodedata.normalize("NFKC", query).strip()
    compact = re.sub(r"\s+", "", q)
    if _ID_LIKE.match(compact):
        return compact
    return q if HOUSEHOLD_LIKE.match(q) else query.strip()


def find_persons(session: Session, query: str, region_code: str, limit: int = 50) -> list[Person]:
    """Persons in the region whose resident ID starts with ``query`` (4 digits or more; their
    household number too), whose household number does (``341821-00001``), or whose name
    does. ``%`` and ``_`` in the query are plain characters, not LIKE wildcards."""
    q = typed_query(query)
    if not q:
        return []
    base = select(Person).where(within(Person.region_code, region_code))
    households = select(Household.id).where(Household.number.startswith(q, autoescape=True))
    if _ID_LIKE.match(q):
        cond = or_(
            Person.resident_id.startswith(q.upper(), autoescape=True),
            Person.household_id.in_(households),
        )
    elif HOUSEHOLD_LIKE.match(q):
        cond = Person.household_id.in_(households)
    else:
        cond = or_(Person.name == q, Person.name.startswith(q, autoescape=True))
    query_ = base.where(cond).order_by(Person.name, Person.id).limit(limit)
    return list(session.scalars(query_))


@dataclass(frozen=True)
class Found:
    """A search result as the window lists it: who, where, how old, which status."""

    person: Person
    village: str  # the village's name
    age: int
    statuses: frozenset[str]


def describe(session: Session, persons: list[Person], on: date) -> list[Found]:
    """Village name, age and poverty statuses on ``on`` of each found person."""
    codes = {p.region_code for p in persons}
    rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    names = {code: name for code, name in rows}
    return [
        Found(
            p,
            names.get(p.region_code, p.region_code),
            on.year
            - p.birth_date.year
            - ((on.month, on.day) < (p.birth_date.month, p.birth_date.day)),
            frozenset(s.value for s in statuses_on(session, p.id, on, p.household_id)),
        )
        for p in persons
    ]


@dataclass
class ClaimRow:
    claim: Claim
    institution: Institution | None
    entries: list[Settlement]  # the claim's ledger entries (settlement, reversal)


@dataclass
class PersonRecord:
    person: Person
    region_names: list[str]
    members: list[Person]
    statuses_today: set[str]
    status_history: list[PovertyStatusPeriod]
    enrollments: list[Enrollment]
    claims: list[ClaimRow]
    accumulators: list[tuple[int, str, str]] = field(default_factory=list)  # year, policy, scope


def person_record(
    session: Session,
    person: Person,
    on: date,
    claims_limit: int = 200,
    institution_code: str | None = None,
) -> PersonRecord:
    """The person's page: household, enrollments, statuses, the latest claims (only those of
    ``institution_code`` when given: a user bound to an institution reads its own claims
    only) with their settlements, and the accumulators' keys."""
    members = list(
        session.scalars(
            select(Person).where(Person.household_id == person.household_id).order_by(Person.id)
        )
    )
    enrollments = list(
        session.scalars(
            select(Enrollment).where(Enrollment.person_id == person.id).order_by(Enrollment.year)
        )
    )
    claims = list(
        session.scalars(
            select(Claim)
            .where(
                Claim.person_id == person.id,
                *([Claim.institution_code == institution_code] if institution_code else []),
            )
            .order_by(Claim.start_date.desc(), Claim.id.desc())
            .limit(claims_limit)
        )
    )
    ids = [c.id for c in claims]
    entries: dict[int, list[Settlement]] = {}
    if ids:
        for e in session.scalars(
            select(Settlement).where(Settlement.claim_id.in_(ids)).order_by(Settlement.id)
        ):
            entries.setdefault(e.claim_id, []).append(e)
    codes = {c.institution_code for c in claims}
    insts = (
        {i.code: i for i in session.scalars(select(Institution).where(Institution.code.in_(codes)))}
        if codes
        else {}
    )
    acc_rows = session.execute(
        select(Accumulator.year, Accumulator.policy_id, Accumulator.scope)
        .where(
            or_(
                (Accumulator.scope == AccumulatorScope.PERSON)
                & (Accumulator.owner_id == person.id),
                (Accumulator.scope == AccumulatorScope.HOUSEHOLD)
                & (Accumulator.owner_id == person.household_id),
            )
        )
        .order_by(Accumulator.year.desc())
    ).all()
    return PersonRecord(
        person=person,
        region_names=region_path(session, person.region_code),
        members=members,
        statuses_today={s.value for s in statuses_on(session, person.id, on)},
        status_history=history(session, person.id),
        enrollments=enrollments,
        claims=[ClaimRow(c, insts.get(c.institution_code), entries.get(c.id, [])) for c in claims],
        accumulators=sorted({(y, p, str(s)) for y, p, s in acc_rows}, reverse=True),
    )
