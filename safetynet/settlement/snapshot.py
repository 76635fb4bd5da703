"""What a batch of submissions reads before it is settled, with one statement per table.

The persons (by resident ID), then — under the households' locks — the idempotency keys
and claim numbers already used, the institutions, the year's enrollments, the catalog items
of the bills, the poverty-status periods and the accumulator rows of every claim of the
batch, each read with one ``IN (...)`` statement. A batch of one is a single settlement;
a batch of thirty costs the same dozen statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from safetynet.codes import PovertyStatus
from safetynet.registry.status import resolve as resolve_statuses
from safetynet.settlement.facts import INSTITUTION_COLUMNS, PERSON_COLUMNS, PersonFacts
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.models import CatalogItem, Claim, Enrollment, Household, Institution, Person
from safetynet.store.models.ledger import Accumulator, AccumulatorScope, Settlement
from safetynet.store.models.registry import PovertyStatusPeriod


def _many(name: str) -> Any:
    return bindparam(name, expanding=True)


# built once; ``IN`` lists expand at execution
_PERSONS = select(*PERSON_COLUMNS).where(Person.resident_id.in_(_many("rids")))
_LOCK = (
    select(Household.id)
    .where(Household.id.in_(_many("ids")))
    .order_by(Household.id)  # one order for every writer: no deadlock between batches
    .with_for_update()
)
_EARLIER = select(Settlement.client_key, Settlement.id, Settlement.request_hash).where(
    Settlement.client_key.in_(_many("keys"))
)
_CLAIM_NOS = select(Claim.claim_no).where(Claim.claim_no.in_(_many("nos")))
_INSTITUTIONS = select(*INSTITUTION_COLUMNS).where(Institution.code.in_(_many("codes")))
_ENROLLED = select(Enrollment.person_id, Enrollment.year).where(
    Enrollment.person_id.in_(_many("ids")), Enrollment.year.in_(_many("years"))
)
_ITEMS = select(
    CatalogItem.code, CatalogItem.item_class, CatalogItem.self_pay_bp, CatalogItem.essential
).where(CatalogItem.code.in_(_many("codes")))
_P = PovertyStatusPeriod
_PERIODS = select(_P.person_id, _P.household_id, _P.status, _P.valid_from, _P.valid_to).where(
    or_(
        _P.person_id.in_(_many("persons")),
        and_(_P.person_id.is_(None), _P.household_id.in_(_many("households"))),
    )
)
_A = Accumulator.__table__
_ACCUMULATORS = select(
    _A.c.scope, _A.c.owner_id, _A.c.year, _A.c.policy_id, _A.c.id, _A.c.slots, _A.c.version
).where(
    _A.c.year.in_(_many("years")),
    or_(
        and_(_A.c.scope == AccumulatorScope.PERSON, _A.c.owner_id.in_(_many("persons"))),
        and_(_A.c.scope == AccumulatorScope.HOUSEHOLD, _A.c.owner_id.in_(_many("households"))),
    ),
)

AccKey = tuple[AccumulatorScope, int, int, str]  # scope, owner, year, policy id
AccRow = tuple[int, list[int], int]  # row id, slots, version


@dataclass
class Snapshot:
    """Everything the batch's claims are settled on, read in the batch's transaction."""

    institutions: dict[str, Any] = field(default_factory=dict)
    enrolled: set[tuple[int, int]] = field(default_factory=set)  # (person id, year)
    items: dict[str, Any] = field(default_factory=dict)
    periods: list[Any] = field(default_factory=list)
    accumulators: dict[AccKey, AccRow] = field(default_factory=dict)
    earlier: dict[str, tuple[int, str | None]] = field(default_factory=dict)  # key -> id, hash
    claim_nos: set[str] = field(default_factory=set)

    def statuses(self, person: PersonFacts, on: date) -> set[PovertyStatus]:
        """The statuses the person holds on ``on`` (the rules of ``statuses_on``)."""
        active = [
            (pid is not None, PovertyStatus(status))
            for pid, hid, status, start, end in self.periods
            if (pid == person.id or (pid is None and hid == person.household_id))
            and start <= on
            and (end is None or end > on)
        ]
        return resolve_statuses(active)


def persons_by_resident_id(session: Session, numbers: Iterable[str]) -> dict[str, PersonFacts]:
    """The persons with these (canonical) resident IDs; unknown ones are left out."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    rows = session.connection().execute(_PERSONS, {"rids": wanted})
    return {row.resident_id: row for row in rows}  # type: ignore[misc]


def lock_households(session: Session, household_ids: Iterable[int]) -> None:
    """Lock the households' rows in id order (PostgreSQL; SQLite's write lock is the
    whole database's), so claims of one household are settled one batch after another."""
    ids = sorted(set(household_ids))
    if ids:
        session.connection().execute(_LOCK, {"ids": ids}).all()


def read(
    session: Session, subs: Sequence[tuple[ClaimSubmission, PersonFacts, str | None]]
) -> Snapshot:
    """The batch's rows; ``subs`` are (submission, person, client key) triples."""
    conn: Connection = session.connection()
    snap = Snapshot()
    persons = sorted({p.id for _, p, _ in subs})
    households = sorted({p.household_id for _, p, _ in subs})
    years = sorted({s.date.year for s, _, _ in subs})
    keys = sorted({k for _, _, k in subs if k})
    if keys:
        snap.earlier = {k: (i, h) for k, i, h in conn.execute(_EARLIER, {"keys": keys})}
    nos = sorted({s.claim_no for s, _, _ in subs if s.claim_no})
    if nos:
        snap.claim_nos = set(conn.execute(_CLAIM_NOS, {"nos": nos}).scalars())
    codes = sorted({s.institution_code for s, _, _ in subs})
    snap.institutions = {r.code: r for r in conn.execute(_INSTITUTIONS, {"codes": codes})}
    snap.enrolled = {
        (pid, year) for pid, year in conn.execute(_ENROLLED, {"ids": persons, "years": years})
    }
    items = sorted({line.code for s, _, _ in subs for line in s.items})
    snap.items = {r.code: r for r in conn.execute(_ITEMS, {"codes": items})}
    snap.periods = list(conn.execute(_PERIODS, {"persons": persons, "households": households}))
    params = {"years": years, "persons": persons, "households": households}
    snap.accumulators = {
        (AccumulatorScope(scope), owner, year, policy): (rid, list(slots), version)
        for scope, owner, year, policy, rid, slots, version in conn.execute(_ACCUMULATORS, params)
    }
    return snap
