"""What a batch of submissions reads before it is settled, with one statement per table.

The persons (by resident ID), then — under the households' locks — the idempotency keys
and claim numbers already used, the institutions, the year's enrollments, the catalog items
of the bills, the poverty-status periods and the accumulator rows of every claim of the
batch, each read with one ``IN (...)`` statement on SQLite; on PostgreSQL those after the
lock are one statement (``= ANY(...)`` each, their rows as JSON). A batch of one is a single
settlement; a batch of thirty costs the same few statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, or_, select, union_all
from sqlalchemy.orm import Session

from safetynet.catalogs.in_force import ENTRY_COLUMNS, by_code, pick
from safetynet.codes import InstitutionLevel, ItemClass, PovertyStatus
from safetynet.policy.in_force import PolicyChoiceError, candidate_policies
from safetynet.policy.schema import Policy
from safetynet.registry.status import resolve as resolve_statuses
from safetynet.settlement.facts import INSTITUTION_COLUMNS, PERSON_COLUMNS, PersonFacts
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store import lists
from safetynet.store.models import CatalogItem, Claim, Enrollment, Household, Institution, Person
from safetynet.store.models.ledger import Accumulator, AccumulatorScope, Settlement
from safetynet.store.models.registry import PovertyStatusPeriod

_P = PovertyStatusPeriod
_A = Accumulator.__table__


@dataclass(frozen=True)
class _Queries:
    persons: Any
    persons_locked: Any
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
        return lists.one_of(column, name, pg)

    return _Queries(
        persons=select(*PERSON_COLUMNS).where(one_of(Person.resident_id, "rids")),
        # the persons, their households locked in id order (as ``lock``) by the same statement
        persons_locked=select(*PERSON_COLUMNS)
        .join(Household, Household.id == Person.household_id)
        .where(one_of(Person.resident_id, "rids"))
        .order_by(Household.id)
        .with_for_update(of=Household),
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
        # every entry of the codes: each line takes the one of its day
        items=select(*ENTRY_COLUMNS).where(one_of(CatalogItem.code, "codes")),
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
    items: dict[str, list[Any]] = field(default_factory=dict)  # code -> its entries
    periods: list[Any] = field(default_factory=list)
    accumulators: dict[AccKey, AccRow] = field(default_factory=dict)
    earlier: dict[str, tuple[int, str | None]] = field(default_factory=dict)  # key -> id, hash
    claim_nos: set[str] = field(default_factory=set)
    _candidates: list[tuple[Policy, ...] | None] = field(default_factory=list)

    def candidates(self) -> tuple[Policy, ...] | None:
        """The deployment's candidate policies, found once per batch (None when the
        settings name unknown ones: each claim then gets that refusal)."""
        if not self._candidates:
            try:
                self._candidates.append(candidate_policies())
            except PolicyChoiceError:
                self._candidates.append(None)
        return self._candidates[0]

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

    def item(self, code: str, on: date) -> Any:
        """The catalog entry of ``code`` in force on ``on`` (None: out of catalog)."""
        return pick(self.items.get(code, ()), on)


def persons_by_resident_id(
    session: Session, numbers: Iterable[str], *, lock: bool = False
) -> dict[str, PersonFacts]:
    """The persons with these (canonical) resident IDs; unknown ones are left out.
    ``lock``: their households are locked too, in the same statement (as
    :func:`lock_households`, which then skips them): a batch about to settle them saves
    the lock's statement."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    conn = session.connection()
    rows = conn.execute(_q(conn).persons_locked if lock else _q(conn).persons, {"rids": wanted})
    found = {row.resident_id: row for row in rows}
    if lock:
        _locked(session).update(p.household_id for p in found.values())
    return found  # type: ignore[return-value]


_LOCKED = "settlement.locked_households"  # session.info: (transaction, household ids)


def _locked(session: Session) -> set[int]:
    """The households locked in the session's current transaction."""
    transaction = session.get_transaction()
    held = session.info.get(_LOCKED)
    if held is None or held[0] is not transaction:
        held = (transaction, set())
        session.info[_LOCKED] = held
    ids: set[int] = held[1]
    return ids


def lock_households(session: Session, household_ids: Iterable[int]) -> None:
    """Lock the households' rows in id order (PostgreSQL; SQLite's write lock is the
    whole database's), so claims of one household are settled one batch after another;
    those this transaction has locked already are skipped."""
    held = _locked(session)
    ids = sorted(set(household_ids) - held)
    if ids:
        conn = session.connection()
        conn.execute(_q(conn).lock, {"ids": ids}).all()
        held.update(ids)


# PostgreSQL: the seven reads after the lock as one statement of one row, each table's rows
# as a JSON array of arrays (one round trip and one statement's overhead instead of seven)
_PG_READ = f"""SELECT
 (SELECT json_agg(json_build_array(client_key, id, request_hash)) FROM settlement
  WHERE client_key = ANY(%(keys)s::varchar[])),
 (SELECT json_agg(claim_no) FROM claim WHERE claim_no = ANY(%(nos)s::varchar[])),
 (SELECT json_agg(json_build_array(code, name, level, in_county, designated_from,
  designated_to, inpatient, outpatient)) FROM institution WHERE code = ANY(%(codes)s::varchar[])),
 (SELECT json_agg(json_build_array(person_id, year)) FROM enrollment
  WHERE person_id = ANY(%(persons)s::integer[]) AND year = ANY(%(years)s::integer[])),
 (SELECT json_agg(json_build_array(code, item_class, self_pay_bp, essential, valid_from,
  valid_to)) FROM catalog_item WHERE code = ANY(%(items)s::varchar[])),
 (SELECT json_agg(json_build_array(person_id, household_id, status, valid_from, valid_to))
  FROM poverty_status WHERE person_id = ANY(%(persons)s::integer[])
  OR (person_id IS NULL AND household_id = ANY(%(households)s::integer[]))),
 (SELECT json_agg(json_build_array(scope, owner_id, year, policy_id, id, slots, version))
  FROM accumulator WHERE year = ANY(%(years)s::integer[]) AND (
  (scope = '{AccumulatorScope.PERSON.value}' AND owner_id = ANY(%(persons)s::integer[]))
  OR (scope = '{AccumulatorScope.HOUSEHOLD.value}'
      AND owner_id = ANY(%(households)s::integer[]))))"""


class InstitutionRow(NamedTuple):
    """An institution as :data:`INSTITUTION_COLUMNS` reads it."""

    code: str
    name: str
    level: InstitutionLevel
    in_county: bool
    designated_from: date | None
    designated_to: date | None
    inpatient: bool
    outpatient: bool


class ItemRow(NamedTuple):
    code: str
    item_class: ItemClass
    self_pay_bp: int
    essential: bool
    valid_from: date
    valid_to: date | None


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _read_pg(conn: Connection, params: dict[str, Any]) -> Snapshot:
    """:func:`read` on PostgreSQL: one statement, the same rows and types."""
    row = conn.exec_driver_sql(_PG_READ, params).one()
    earlier, nos, institutions, enrolled, items, periods, accumulators = (r or [] for r in row)
    return Snapshot(
        institutions={
            r[0]: InstitutionRow(r[0], r[1], InstitutionLevel(r[2]), r[3], _day(r[4]),
                                 _day(r[5]), r[6], r[7])
            for r in institutions
        },
        enrolled={(pid, year) for pid, year in enrolled},
        items=by_code(ItemRow(r[0], ItemClass(r[1]), r[2], r[3], _day(r[4]), _day(r[5]))
                      for r in items),
        periods=[(pid, hid, PovertyStatus(status), _day(start), _day(end))
                 for pid, hid, status, start, end in periods],
        accumulators={
            (AccumulatorScope(scope), owner, year, policy): (rid, list(slots), version)
            for scope, owner, year, policy, rid, slots, version in accumulators
        },
        earlier={k: (i, h) for k, i, h in earlier},
        claim_nos=set(nos),
    )  # fmt: skip


def read(
    session: Session, subs: Sequence[tuple[ClaimSubmission, PersonFacts, str | None]]
) -> Snapshot:
    """The batch's rows; ``subs`` are (submission, person, client key) triples."""
    conn: Connection = session.connection()
    lists = {
        "keys": sorted({k for _, _, k in subs if k}),
        "nos": sorted({s.claim_no for s, _, _ in subs if s.claim_no}),
        "codes": sorted({s.institution_code for s, _, _ in subs}),
        "persons": sorted({p.id for _, p, _ in subs}),
        "households": sorted({p.household_id for _, p, _ in subs}),
        "years": sorted({s.date.year for s, _, _ in subs}),
        "items": sorted({line.code for s, _, _ in subs for line in s.items}),
    }
    if conn.dialect.name == "postgresql":
        return _read_pg(conn, lists)
    return read_each(conn, lists)


@cache
def _earlier_each(n: int) -> Any:
    """SQLite: the settlements under ``n`` client keys (``k0`` ...), one equality per key.
    Most entries have no client key (the year batch's), so the statistics make a key look
    like thousands of rows: an ``IN`` list scanned the whole ledger (1.4 ms at 20,000
    entries, growing with it), where each equality takes the unique index (0.03 ms for 13)."""
    S = Settlement
    each = [select(S.client_key, S.id, S.request_hash).where(S.client_key == bindparam(f"k{i}"))
            for i in range(n)]  # fmt: skip
    return each[0] if n == 1 else union_all(*each)


def read_each(conn: Connection, lists: dict[str, list[Any]]) -> Snapshot:
    """:func:`read` with one statement per table (SQLite; on PostgreSQL the same rows as
    its one statement, tested so)."""
    q = _q(conn)
    snap = Snapshot()
    persons, households, years = lists["persons"], lists["households"], lists["years"]
    if lists["keys"]:
        keys = lists["keys"]
        if conn.dialect.name == "sqlite":
            found = conn.execute(_earlier_each(len(keys)), {f"k{i}": k for i, k in enumerate(keys)})
        else:
            found = conn.execute(q.earlier, {"keys": keys})
        snap.earlier = {k: (i, h) for k, i, h in found}
    if lists["nos"]:
        snap.claim_nos = set(conn.execute(q.claim_nos, {"nos": lists["nos"]}).scalars())
    snap.institutions = {r.code: r for r in conn.execute(q.institutions, {"codes": lists["codes"]})}
    snap.enrolled = {
        (pid, year) for pid, year in conn.execute(q.enrolled, {"ids": persons, "years": years})
    }
    snap.items = by_code(conn.execute(q.items, {"codes": lists["items"]}))
    snap.periods = list(conn.execute(q.periods, {"persons": persons, "households": households}))
    params = {"years": years, "persons": persons, "households": households}
    snap.accumulators = {
        (AccumulatorScope(scope), owner, year, policy): (rid, list(slots), version)
        for scope, owner, year, policy, rid, slots, version in conn.execute(q.accumulators, params)
    }
    return snap
