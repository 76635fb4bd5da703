"""What a batch of submissions reads before it is settled, with one statement per table.

The persons (by resident ID), then — under the households' locks — the idempotency keys
and claim numbers already used, the institutions, the year's enrollments, the catalog items
of the bills, the poverty-status periods and the accumulator rows of every claim of the
batch, each read with one ``= ANY(...)`` (PostgreSQL) or ``IN (...)`` (SQLite) statement. A
batch of one is a single settlement; a batch of thirty costs the same dozen statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, any_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from safetynet.codes import PovertyStatus
from safetynet.registry.status import resolve as resolve_statuses
from safetynet.settlement.facts import INSTITUTION_COLUMNS, PERSON_COLUMNS, PersonFacts
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.models import CatalogItem, Claim, Enrollment, Household, Institution, Person
from safetynet.store.models.ledger import Accumulator, AccumulatorScope, Settlement
from safetynet.store.models.registry import PovertyStatusPeriod

_P = PovertyStatusPeriod
_A = Accumulator.__table__


@dataclass(frozen=True)
class _Queries:
    persons: Any
    lock: Any
    earlier: Any
    claim_nos: Any
    institutions: Any
    enrolled: Any
    items: Any
    periods: Any
    accumulators: Any


def _queries(pg: bool) -> _Queries:
    """The batch's statements. On PostgreSQL a list is one array parameter (``= ANY(:x)``):
    one statement text whatever the batch's size, which psycopg prepares once on the server;
    on SQLite an ``IN`` list expanded at execution."""

    def one_of(column: Any, name: str) -> Any:
        if pg:
            return column == any_(bindparam(name, type_=ARRAY(column.type)))
        return column.in_(bindparam(name, expanding=True))

    return _Queries(
        persons=select(*PERSON_COLUMNS).where(one_of(Person.resident_id, "rids")),
        lock=select(Household.id)
        .where(one_of(Household.id, "ids"))
        .order_by(Household.id)  # one order for every writer: no deadlock between batches
        .with_for_update(),
        earlier=select(Settlement.client_key, Settlement.id, Settlement.request_hash).where(
            one_of(Settlement.client_key, "keys")
        ),
        claim_nos=select(Claim.claim_no).where(one_of(Claim.claim_no, "nos")),
        institutions=select(*INSTITUTION_COLUMNS).where(one_of(Institution.code, "codes")),
        enrolled=select(Enrollment.person_id, Enrollment.year).where(
            one_of(Enrollment.person_id, "ids"), one_of(Enrollment.year, "years")
        ),
        items=select(
            CatalogItem.code,
            CatalogItem.item_class,
            CatalogItem.self_pay_bp,
            CatalogItem.essential,
        ).where(one_of(CatalogItem.code, "codes")),
        periods=select(_P.person_id, _P.household_id, _P.status, _P.valid_from, _P.valid_to).where(
            or_(
                one_of(_P.person_id, "persons"),
                and_(_P.person_id.is_(None), one_of(_P.household_id, "households")),
            )
        ),
        accumulators=select(
            _A.c.scope,
            _A.c.owner_id,
            _A.c.year,
            _A.c.policy_id,
            _A.c.id,
            _A.c.slots,
            _A.c.version,
        ).where(
            one_of(_A.c.year, "years"),
            or_(
                and_(_A.c.scope == AccumulatorScope.PERSON, one_of(_A.c.owner_id, "persons")),
                and_(_A.c.scope == AccumulatorScope.HOUSEHOLD, one_of(_A.c.owner_id, "households")),
            ),
        ),
    )


_BY_DIALECT = {False: _queries(pg=False), True: _queries(pg=True)}  # built once


def _q(conn: Connection) -> _Queries:
    return _BY_DIALECT[conn.dialect.name == "postgresql"]


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
        """The statuses the person holds on ``on`` (``registry.status.resolve``, as
        ``statuses_on``)."""
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
    conn = session.connection()
    rows = conn.execute(_q(conn).persons, {"rids": wanted})
    return {row.resident_id: row for row in rows}  # type: ignore[misc]


def lock_households(session: Session, household_ids: Iterable[int]) -> None:
    """Lock the households' rows in id order (PostgreSQL; SQLite's write lock is the
    whole database's), so claims of one household are settled one batch after another."""
    ids = sorted(set(household_ids))
    if ids:
        conn = session.connection()
        conn.execute(_q(conn).lock, {"ids": ids}).all()


def read(
    session: Session, subs: Sequence[tuple[ClaimSubmission, PersonFacts, str | None]]
) -> Snapshot:
    """The batch's rows; ``subs`` are (submission, person, client key) triples."""
    conn: Connection = session.connection()
    q = _q(conn)
    snap = Snapshot()
    persons = sorted({p.id for _, p, _ in subs})
    households = sorted({p.household_id for _, p, _ in subs})
    years = sorted({s.date.year for s, _, _ in subs})
    keys = sorted({k for _, _, k in subs if k})
    if keys:
        snap.earlier = {k: (i, h) for k, i, h in conn.execute(q.earlier, {"keys": keys})}
    nos = sorted({s.claim_no for s, _, _ in subs if s.claim_no})
    if nos:
        snap.claim_nos = set(conn.execute(q.claim_nos, {"nos": nos}).scalars())
    codes = sorted({s.institution_code for s, _, _ in subs})
    snap.institutions = {r.code: r for r in conn.execute(q.institutions, {"codes": codes})}
    snap.enrolled = {
        (pid, year) for pid, year in conn.execute(q.enrolled, {"ids": persons, "years": years})
    }
    items = sorted({line.code for s, _, _ in subs for line in s.items})
    snap.items = {r.code: r for r in conn.execute(q.items, {"codes": items})}
    snap.periods = list(conn.execute(q.periods, {"persons": persons, "households": households}))
    params = {"years": years, "persons": persons, "households": households}
    snap.accumulators = {
        (AccumulatorScope(scope), owner, year, policy): (rid, list(slots), version)
        for scope, owner, year, policy, rid, slots, version in conn.execute(q.accumulators, params)
    }
    return snap
