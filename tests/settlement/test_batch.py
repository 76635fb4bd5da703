"""A batch of submissions settled together (``submit_many``) gives what settling them one by
one gives: the same payments and accumulators in the same order, idempotency inside a batch
and across batches, and a bad claim refused alone while the others are recorded."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, func, select

from safetynet.engine.online import Accumulators, settle_one
from safetynet.settlement.accumulators import facts_of
from safetynet.settlement.compiled import compiled_in_force
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import Order, SettlementView, submit, submit_many
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import Accumulator, Claim, Person, Settlement
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient


def _subs(county: County) -> list[ClaimSubmission]:
    """Claims of a household of two and another person, interleaved, twice each."""
    people = [county.poor_id, county.spouse_id, county.ordinary_id, county.poor_id]
    return [inpatient(rid, date(2017, 2, 1) + timedelta(days=9 * i)) for i, rid in
            enumerate(people * 2)]  # fmt: skip


def _replay_matches(engine: Engine) -> list[int]:
    """Replay the ledger in its order from empty accumulators (settling one by one): every
    entry must pay what it paid and the stored accumulators must be where the replay ends.
    The entries' person ids, in ledger order."""
    cp = compiled_in_force("340421100201", date(2017, 1, 2))
    with session_scope(engine) as s:
        entries = s.scalars(select(Settlement).order_by(Settlement.id)).all()
        stored = {(a.scope.value, a.owner_id): a.slots for a in s.scalars(select(Accumulator))}
    empty = Accumulators.empty(cp)
    persons: dict[int, object] = {}
    households: dict[int, object] = {}
    for e in entries:
        acc = Accumulators(persons.get(e.person_id, empty.person),  # type: ignore[arg-type]
                           households.get(e.household_id, empty.household))  # type: ignore[arg-type]  # fmt: skip
        r = settle_one(cp, facts_of(e), acc)
        assert r.paid_fen == e.paid_fen, f"entry {e.id} was not settled on the earlier ones"
        persons[e.person_id] = r.accumulators.person
        households[e.household_id] = r.accumulators.household
    for pid, slots in persons.items():
        assert stored[("person", pid)] == [int(v) for v in slots]  # type: ignore[attr-defined]
    for hid, slots in households.items():
        assert stored[("household", hid)] == [int(v) for v in slots]  # type: ignore[attr-defined]
    return [e.person_id for e in entries]


def test_a_batch_settles_in_its_order_as_one_by_one(db_engine: Engine, county: County) -> None:
    subs = _subs(county)
    with session_scope(db_engine, write_lock=True) as s:  # one settled before, one by one
        submit(s, inpatient(county.poor_id, date(2017, 1, 5)), user="his")
    with session_scope(db_engine, write_lock=True) as s:
        views = submit_many(s, [Order(sub, "his", f"k{i}") for i, sub in enumerate(subs)])
    later = [sub.model_copy(update={"date": sub.date + timedelta(days=4)}) for sub in subs[:3]]
    with session_scope(db_engine, write_lock=True) as s:  # and a batch after the batch
        after = submit_many(s, [Order(sub, "his") for sub in later])  # other bills: other days
    assert all(isinstance(v, SettlementView) and not v.replayed for v in [*views, *after])
    ids = [v.settlement_id for v in [*views, *after]]  # type: ignore[union-attr]
    assert ids == sorted(ids)  # the ledger keeps the batch's order
    with session_scope(db_engine) as s:
        rid = dict(s.execute(select(Person.id, Person.resident_id)).all())
    order = [rid[p] for p in _replay_matches(db_engine)]
    assert order == [county.poor_id] + [sub.resident_id for sub in [*subs, *later]]


def test_a_duplicate_key_inside_a_batch_replays_and_pays_once(
    db_engine: Engine, county: County
) -> None:
    sub = inpatient(county.poor_id)
    other = inpatient(county.poor_id, date(2017, 4, 1))
    with session_scope(db_engine, write_lock=True) as s:
        first, again, clash = submit_many(
            s, [Order(sub, "his", "dup"), Order(sub, "his", "dup"), Order(other, "his", "dup")]
        )
    assert isinstance(first, SettlementView) and isinstance(again, SettlementView)
    assert again.replayed and again.settlement_id == first.settlement_id
    assert again.paid_fen == first.paid_fen
    assert isinstance(clash, SettlementError) and clash.code == "client_key_reused"
    with session_scope(db_engine, write_lock=True) as s:  # and in a later batch
        (later,) = submit_many(s, [Order(sub, "his", "dup")])
    assert isinstance(later, SettlementView) and later.replayed
    assert later.settlement_id == first.settlement_id
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(Settlement)) == 1


def test_a_bad_claim_fails_alone_and_the_others_are_recorded(
    db_engine: Engine, county: County
) -> None:
    good = inpatient(county.poor_id)
    unknown_item = inpatient(county.spouse_id, items=[{"code": "NOPE", "amount": "10.00"}])
    unenrolled = inpatient(county.unenrolled_id)
    numbered = inpatient(county.ordinary_id, claim_no="HIS-1")
    same_number = inpatient(county.ordinary_id, date(2017, 5, 1), claim_no="HIS-1")
    later = inpatient(county.poor_id, date(2017, 6, 1))
    with session_scope(db_engine, write_lock=True) as s:
        out = submit_many(
            s,
            [Order(sub, "his") for sub in
             (good, unknown_item, unenrolled, numbered, same_number, later)]
            + [Order(inpatient("not-an-id"), "his")],
        )  # fmt: skip
    codes = [o.code if isinstance(o, SettlementError) else "ok" for o in out]
    assert codes == [
        "ok", "item_unknown", "not_enrolled", "ok", "claim_exists", "ok", "resident_id_invalid",
    ]  # fmt: skip
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(Settlement)) == 3
        assert s.scalar(select(func.count()).select_from(Claim)) == 3
    _replay_matches(db_engine)  # the later claim was settled on the first one's accumulators
