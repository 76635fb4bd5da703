"""Annual accumulators in the database: lock, load, store, and rebuild from the ledger.

A settlement locks the household row first (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite every write transaction is already exclusive), so two claims of one household are
settled one after the other and no update is lost.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, InstitutionLevel
from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.facts import ClaimFacts, statuses_of
from safetynet.engine.online import Accumulators, settle_one
from safetynet.store.bulk import bulk_insert
from safetynet.store.models import Household, Person
from safetynet.store.models.ledger import Accumulator, AccumulatorScope, EntryKind, Settlement
from safetynet.store.unnest import UnnestInsert

_LOCK = select(Household.id).where(Household.id == bindparam("id")).with_for_update()
_A = Accumulator.__table__
_ROWS = select(_A.c.scope, _A.c.id, _A.c.slots, _A.c.version).where(
    _A.c.year == bindparam("year"),
    _A.c.policy_id == bindparam("policy_id"),
    or_(
        and_(_A.c.scope == AccumulatorScope.PERSON, _A.c.owner_id == bindparam("person_id")),
        and_(_A.c.scope == AccumulatorScope.HOUSEHOLD, _A.c.owner_id == bindparam("household_id")),
    ),
)
_INSERT = insert(_A)
_UPDATE = (
    update(_A)
    .where(_A.c.id == bindparam("row_id"))
    .values(slots=bindparam("slots"), version=bindparam("version"), updated_at=func.now())
)  # statements built once; run on the session's connection


def new_row(
    scope: Any, owner: Any, year: Any, policy_id: Any, slots: Any, version: Any
) -> dict[str, Any]:
    """The one definition of a new accumulator row: values for one row (online), or Polars
    expressions for a frame of rows (the year batch's :func:`insert_year`)."""
    return {"scope": scope, "owner_id": owner, "year": year, "policy_id": policy_id,
            "slots": slots, "version": version}  # fmt: skip


def insert_year(
    conn: Connection, policy_id: str, persons: pl.DataFrame, households: pl.DataFrame
) -> None:
    """A year batch's accumulators as new rows (version 1): ``persons`` and ``households``
    with their id, ``year`` and ``slots`` (the batch engine's final state)."""
    rows = [
        state.select(
            **new_row(
                pl.lit(scope.value),
                pl.col(owner),
                pl.col("year"),
                pl.lit(policy_id),
                pl.col("slots").arr.to_list(),
                pl.lit(1),
            )
        )
        for scope, owner, state in (
            (AccumulatorScope.PERSON, "person_id", persons),
            (AccumulatorScope.HOUSEHOLD, "household_id", households),
        )
    ]
    bulk_insert(conn, _A, pl.concat(rows))  # type: ignore[arg-type]


def lock_household(session: Session, household_id: int) -> None:
    session.connection().execute(_LOCK, {"id": household_id})


Found = dict[AccumulatorScope, tuple[int, list[int], int]]  # scope -> (row id, slots, version)
Change = tuple[AccumulatorScope, int, int, str, tuple[int, list[int], int] | None, np.ndarray, int]


def _rows(session: Session, policy_id: str, year: int, person_id: int, household_id: int) -> Found:
    """The person's and the household's rows (id, slots, version), in one query."""
    params = {"year": year, "policy_id": policy_id, "person_id": person_id,
              "household_id": household_id}  # fmt: skip
    rows = session.connection().execute(_ROWS, params).all()
    return {AccumulatorScope(scope): (rid, slots, version) for scope, rid, slots, version in rows}


def load_rows(
    session: Session, cp: CompiledPolicy, person_id: int, household_id: int, year: int
) -> tuple[Accumulators, Found]:
    """The state to settle on, and the rows it came from (to write back without a re-read)."""
    acc = Accumulators.empty(cp)
    rows = _rows(session, cp.policy.id, year, person_id, household_id)
    p = rows.get(AccumulatorScope.PERSON)
    h = rows.get(AccumulatorScope.HOUSEHOLD)
    state = Accumulators(
        np.asarray(p[1], np.int64) if p else acc.person,
        np.asarray(h[1], np.int64) if h else acc.household,
    )
    return state, rows


def load(
    session: Session, cp: CompiledPolicy, person_id: int, household_id: int, year: int
) -> Accumulators:
    return load_rows(session, cp, person_id, household_id, year)[0]


def _write(
    session: Session,
    found: Found,
    scope: AccumulatorScope,
    owner: int,
    year: int,
    policy_id: str,
    slots: np.ndarray,
) -> None:
    values = [int(v) for v in slots]
    row = found.get(scope)
    conn = session.connection()
    if row is None:
        conn.execute(_INSERT, new_row(scope, owner, year, policy_id, values, 1))
    else:
        conn.execute(_UPDATE, {"row_id": row[0], "slots": values, "version": row[2] + 1})


def store(
    session: Session,
    cp: CompiledPolicy,
    person_id: int,
    household_id: int,
    year: int,
    acc: Accumulators,
    found: Found | None = None,
) -> None:
    """Write both rows (Core statements; the caller holds the household lock). ``found``:
    the rows :func:`load_rows` read in the same transaction, to save reading them again."""
    pid = cp.policy.id
    if found is None:
        found = _rows(session, pid, year, person_id, household_id)
    _write(session, found, AccumulatorScope.PERSON, person_id, year, pid, acc.person)
    _write(session, found, AccumulatorScope.HOUSEHOLD, household_id, year, pid, acc.household)


# PostgreSQL: a batch's new rows and its updates, of arrays: two parts of the statement that
# writes the batch's ledger rows (:func:`chain_parts`), or each one statement
_PG_INSERT = UnnestInsert(
    _A, ("scope", "owner_id", "year", "policy_id", "slots", "version"), prefix="acc_new"
)
_PG_UPDATE = (
    "UPDATE accumulator SET slots = u.slots, version = u.version, updated_at = now() "
    "FROM unnest(%(acc_ids)s::INTEGER[], %(acc_slots)s::json[], %(acc_versions)s::INTEGER[]) "
    "AS u(id, slots, version) WHERE accumulator.id = u.id"
)


def _split(changed: list[Change]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The new rows and the updates (row id, slots, version) of a batch's changes."""
    inserts, updates = [], []
    for scope, owner, year, policy_id, row, slots, count in changed:
        values = [int(v) for v in slots]
        if row is None:
            inserts.append(new_row(scope, owner, year, policy_id, values, count))
        else:
            updates.append({"row_id": row[0], "slots": values, "version": row[2] + count})
    return inserts, updates


def _pg_update_params(updates: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {
        "acc_ids": [u["row_id"] for u in updates],
        "acc_slots": [json.dumps(u["slots"]) for u in updates],
        "acc_versions": [u["version"] for u in updates],
    }


def chain_parts(conn: Connection, changed: list[Change]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """PostgreSQL: :func:`write_rows` as two parts of a ``WITH`` statement (the ledger's
    chained insert, :func:`safetynet.settlement.ledger.write`) and their parameters: the
    updates and the new rows, each of arrays (none: no rows)."""
    inserts, updates = _split(changed)
    parts = (f"acc_up AS ({_PG_UPDATE})", f"acc_new AS ({_PG_INSERT.insert_sql(conn)})")
    return parts, {**_pg_update_params(updates), **_PG_INSERT.params(conn, inserts)}


def write_rows(session: Session, changed: list[Change]) -> None:
    """Write a batch's changed accumulators: new rows with one multi-row ``INSERT``, the
    others with one ``UPDATE`` (on PostgreSQL of arrays; on SQLite run for every row; the
    caller holds the households' locks). Each ``Change`` is (scope, owner, year, policy id,
    the row read or None, new slots, settlements that changed it): the version goes up by
    one per settlement."""
    inserts, updates = _split(changed)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        _PG_INSERT(conn, inserts)
        if updates:
            conn.exec_driver_sql(_PG_UPDATE, _pg_update_params(updates))
        return
    if inserts:
        conn.execute(_INSERT, inserts)
    if updates:
        conn.execute(_UPDATE, updates)


def facts_of(entry: Settlement) -> ClaimFacts:
    return ClaimFacts(
        kind=ClaimKind(entry.kind),
        level=InstitutionLevel(entry.level),
        in_county=entry.in_county,
        referral=entry.referral,
        statuses=statuses_of(entry.status_mask),
        disease_mask=entry.disease_mask,
        age=entry.age,
        total_fen=entry.total_fen,
        compliant_fen=entry.compliant_fen,
        essential_fen=entry.essential_fen,
        deducted_fen=entry.deducted_fen,
    )


def _closure(
    session: Session, policy_id: str, household_id: int, year: int
) -> tuple[list[int], list[int]]:
    """The households and persons whose accumulators a household's year feeds: its members,
    the persons of its entries (a member who moved out since), the other households those
    persons were settled in (before or after a move), their persons, and so on (usually the
    household alone). Sorted ids."""
    households = {household_id}
    persons = set(session.scalars(select(Person.id).where(Person.household_id == household_id)))
    while True:
        pairs = session.execute(
            select(Settlement.person_id, Settlement.household_id)
            .where(
                Settlement.year == year,
                Settlement.policy_id == policy_id,
                or_(Settlement.household_id.in_(sorted(households)),
                    Settlement.person_id.in_(sorted(persons))),
            )
            .distinct()
        ).all()  # fmt: skip
        more_p = persons | {p for p, _ in pairs}
        more_h = households | {h for _, h in pairs}
        if more_p == persons and more_h == households:
            return sorted(households), sorted(persons)
        persons, households = more_p, more_h


def rebuild(session: Session, cp: CompiledPolicy, household_id: int, year: int) -> None:
    """Recompute the household's and its members' accumulators from the active entries.

    Active: settlements of the year under the policy that no reversal points at, replayed
    in ledger order (the order they were settled). Payments of the replay are not
    re-booked: changing what was paid is a year-end re-settlement. A person who moved in the
    year is replayed with all their entries, in every household they were settled in, and
    those households with theirs (:func:`_closure`): a refund of a claim settled before a
    move restores the person's year too.
    """
    households, members = _closure(session, cp.policy.id, household_id, year)
    for other in households:
        if other != household_id:  # the caller locked its own
            lock_household(session, other)
    reversed_ids = select(Settlement.reverses_id).where(Settlement.reverses_id.is_not(None))
    entries = session.scalars(
        select(Settlement)
        .where(
            Settlement.household_id.in_(households),
            Settlement.year == year,
            Settlement.policy_id == cp.policy.id,
            Settlement.entry_kind == EntryKind.SETTLEMENT,
            Settlement.id.not_in(reversed_ids),
        )
        .order_by(Settlement.id)
    ).all()
    empty = Accumulators.empty(cp)
    persons: dict[int, np.ndarray] = {}
    homes: dict[int, np.ndarray] = {}
    for e in entries:
        s = settle_one(
            cp,
            facts_of(e),
            Accumulators(
                persons.get(e.person_id, empty.person), homes.get(e.household_id, empty.household)
            ),
        )
        persons[e.person_id] = s.accumulators.person
        homes[e.household_id] = s.accumulators.household
    for pid in members:
        found = _rows(session, cp.policy.id, year, pid, -1)
        _write(session, found, AccumulatorScope.PERSON, pid, year, cp.policy.id,
               persons.get(pid, empty.person))  # fmt: skip
    for hid in households:
        found = _rows(session, cp.policy.id, year, -1, hid)
        _write(session, found, AccumulatorScope.HOUSEHOLD, hid, year, cp.policy.id,
               homes.get(hid, empty.household))  # fmt: skip
