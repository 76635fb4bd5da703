"""Annual accumulators in the database: lock, load, store, and rebuild from the ledger.

A settlement locks the household row first (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite every write transaction is already exclusive), so two claims of one household are
settled one after the other and no update is lost.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, InstitutionLevel
from safetynet.engine.facts import ClaimFacts, statuses_of
from safetynet.engine.online import Accumulators, settle_one
from safetynet.policy.compile import CompiledPolicy
from safetynet.store.models import Household, Person
from safetynet.store.models.ledger import Accumulator, AccumulatorScope, EntryKind, Settlement


def lock_household(session: Session, household_id: int) -> None:
    session.execute(select(Household.id).where(Household.id == household_id).with_for_update())


def _row(
    session: Session, scope: AccumulatorScope, owner: int, year: int, policy_id: str
) -> Accumulator | None:
    return session.scalar(
        select(Accumulator).where(
            Accumulator.scope == scope,
            Accumulator.owner_id == owner,
            Accumulator.year == year,
            Accumulator.policy_id == policy_id,
        )
    )


def load(
    session: Session, cp: CompiledPolicy, person_id: int, household_id: int, year: int
) -> Accumulators:
    acc = Accumulators.empty(cp)
    p = _row(session, AccumulatorScope.PERSON, person_id, year, cp.policy.id)
    h = _row(session, AccumulatorScope.HOUSEHOLD, household_id, year, cp.policy.id)
    return Accumulators(
        np.asarray(p.slots, np.int64) if p else acc.person,
        np.asarray(h.slots, np.int64) if h else acc.household,
    )


def _store_one(
    session: Session,
    scope: AccumulatorScope,
    owner: int,
    year: int,
    policy_id: str,
    slots: np.ndarray,
) -> None:
    row = _row(session, scope, owner, year, policy_id)
    values = [int(v) for v in slots]
    if row is None:
        session.add(
            Accumulator(
                scope=scope, owner_id=owner, year=year, policy_id=policy_id, slots=values, version=1
            )
        )
    else:
        row.slots = values
        row.version += 1


def store(
    session: Session,
    cp: CompiledPolicy,
    person_id: int,
    household_id: int,
    year: int,
    acc: Accumulators,
) -> None:
    _store_one(session, AccumulatorScope.PERSON, person_id, year, cp.policy.id, acc.person)
    _store_one(session, AccumulatorScope.HOUSEHOLD, household_id, year, cp.policy.id, acc.household)


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


def rebuild(session: Session, cp: CompiledPolicy, household_id: int, year: int) -> None:
    """Recompute the household's and its members' accumulators from the active entries.

    Active: settlements of the year under the policy that no reversal points at, replayed
    in ledger order (the order they were settled). Payments of the replay are not
    re-booked: changing what was paid is a year-end re-settlement.
    """
    reversed_ids = select(Settlement.reverses_id).where(Settlement.reverses_id.is_not(None))
    entries = session.scalars(
        select(Settlement)
        .where(
            Settlement.household_id == household_id,
            Settlement.year == year,
            Settlement.policy_id == cp.policy.id,
            Settlement.entry_kind == EntryKind.SETTLEMENT,
            Settlement.id.not_in(reversed_ids),
        )
        .order_by(Settlement.id)
    ).all()
    empty = Accumulators.empty(cp)
    persons: dict[int, np.ndarray] = {}
    household = empty.household
    for e in entries:
        s = settle_one(
            cp, facts_of(e), Accumulators(persons.get(e.person_id, empty.person), household)
        )
        persons[e.person_id] = s.accumulators.person
        household = s.accumulators.household
    members = session.scalars(select(Person.id).where(Person.household_id == household_id))
    for pid in members:
        _store_one(
            session,
            AccumulatorScope.PERSON,
            pid,
            year,
            cp.policy.id,
            persons.get(pid, empty.person),
        )
    _store_one(session, AccumulatorScope.HOUSEHOLD, household_id, year, cp.policy.id, household)
