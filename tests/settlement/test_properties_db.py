"""Property tests (hypothesis) of DESIGN §4's invariants through the settlement service on a
real database, SQLite and PostgreSQL: random claim streams of a household of two (a poor
person and an ordinary one) are settled by ``submit_many`` and some of them refunded; then

- each settlement's layers, the institution's share and the patient's add up to the bill;
  no layer pays below zero nor more than what is left, the patient pays >= 0;
- no layer pays more than its rule's per-claim cap, nor its pool more than the annual cap
  over the year (the payments read back from the ledger, summed per owner and pool);
- the service's settlements are the pure engine's batch settlement of the same claims in
  the same order, to the fen (online = batch);
- after the refunds the stored accumulators are those of settling only the claims that
  stand, from empty (a refund restores the accumulators), and the reversals net to zero.

Examples are few (a database per backend, each example its own household)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from safetynet.codes import PovertyStatus, Sex
from safetynet.engine import layout as L
from safetynet.engine.batch import settle_batch
from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.facts import statuses_of
from safetynet.engine.online import Accumulators, settle_one
from safetynet.registry.resident_id import append_check_digits
from safetynet.settlement.accumulators import facts_of
from safetynet.settlement.compiled import compiled_in_force
from safetynet.settlement.service import Order, SettlementView, refund, submit_many
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import (
    Accumulator,
    Enrollment,
    Household,
    Person,
    PovertyStatusPeriod,
    Settlement,
)
from safetynet.store.models.ledger import EntryKind
from tests.settlement.conftest import County

VILLAGE = "340421100201"
_serial = itertools.count(1)

item = st.tuples(
    st.sampled_from(["BED", "DRUG-A", "DRUG-B", "DRUG-C"]),
    st.integers(1, 3),  # quantity
    st.integers(0, 4_000_000),  # amount in fen (up to 40,000 yuan a line)
)
claim = st.fixed_dictionaries(
    {
        "person": st.integers(0, 1),
        "day": st.integers(0, 364),
        "inpatient": st.booleans(),
        # a bill of 0.00 yuan on every line is refused (nothing to settle): some line is paid
        "items": st.lists(item, min_size=1, max_size=3).filter(lambda xs: any(x[2] for x in xs)),
    }
)
streams = st.lists(claim, min_size=1, max_size=6)


def _household(engine: Engine) -> tuple[str, str]:
    """A new household of two enrolled for 2017: a registered poor person and an ordinary
    one; their resident ids."""
    n = next(_serial)
    ids = [str(x) for x in append_check_digits([34042119700101000 + 2 * n + i for i in (0, 1)])]
    with session_scope(engine) as s:
        home = Household(number=f"PROP{n}", region_code=VILLAGE)
        s.add(home)
        s.flush()
        people = [
            Person(resident_id=rid, name=f"测{n}{i}", sex=Sex.FEMALE, birth_date=date(1970, 1, 1),
                   household_id=home.id, region_code=VILLAGE)
            for i, rid in enumerate(ids)
        ]  # fmt: skip
        s.add_all(people)
        s.flush()
        s.add(PovertyStatusPeriod(household_id=home.id, person_id=people[0].id,
                                  status=PovertyStatus.REGISTERED_POOR,
                                  valid_from=date(2016, 1, 1), department="扶贫办"))  # fmt: skip
        s.add_all(Enrollment(person_id=p.id, year=2017, category=PovertyStatus.ORDINARY,
                             enrolled_on=date(2016, 12, 1)) for p in people)  # fmt: skip
    return ids[0], ids[1]


def _submission(rid: str, c: dict[str, Any], n: int) -> ClaimSubmission:
    day = date(2017, 1, 1) + timedelta(days=c["day"])
    data: dict[str, Any] = {
        "resident_id": rid, "claim_no": f"PROP-{n}",
        "institution_code": "H-COUNTY" if c["inpatient"] else "V-CLINIC",
        "kind": "inpatient" if c["inpatient"] else "outpatient", "date": day,
        "diagnosis": "J18.9",
        "items": [{"code": code, "quantity": q, "amount": f"{fen // 100}.{fen % 100:02d}"}
                  for code, q, fen in c["items"]],
    }  # fmt: skip
    if c["inpatient"]:
        data["discharge_date"] = day + timedelta(days=2)
    return ClaimSubmission.model_validate(data)


def _rule_index(cp: CompiledPolicy, layer_id: str, rule_id: str) -> int:
    return next(i for i, r in enumerate(cp.rules) if (r.layer_id, r.rule_id) == (layer_id, rule_id))


def _check_view(v: SettlementView, cp: CompiledPolicy) -> None:
    """One settlement's invariants: the sum, the signs, what is left, the caps."""
    assert v.paid_fen + v.institution_borne_fen + v.out_of_pocket_fen == v.total_fen
    assert v.out_of_pocket_fen >= 0 and v.institution_borne_fen >= 0
    assert v.out_of_pocket_fen <= v.total_fen
    left = v.total_fen - v.institution_borne_fen
    for layer in v.layers:
        assert 0 <= layer.paid_fen <= left
        left -= layer.paid_fen
        if layer.rule_id is None or layer.mechanism != "ratio":
            continue
        r = _rule_index(cp, layer.layer_id, layer.rule_id)
        per_claim, annual = cp.params[r, L.P_PER_CLAIM_CAP], cp.params[r, L.P_ANNUAL_CAP]
        if per_claim >= 0:
            assert layer.paid_fen <= per_claim
        if annual >= 0:
            assert layer.facts["paid_before"] + layer.paid_fen <= annual
    assert left == v.out_of_pocket_fen
    assert v.paid_fen == sum(x.paid_fen for x in v.layers)


def _engine_rows(entries: list[Settlement]) -> list[dict[str, Any]]:
    """The entries' facts as the engine's batch takes them, in ledger order."""
    rows = []
    for seq, e in enumerate(entries):
        f = facts_of(e)
        rows.append({
            "person_id": e.person_id, "household_id": e.household_id, "year": e.year,
            "date": e.claim_date, "seq": seq, "kind": f.kind.value, "level": f.level.value,
            "in_county": f.in_county, "referral": f.referral,
            "status_mask": e.status_mask, "disease_mask": f.disease_mask, "age": f.age,
            "total_fen": f.total_fen, "compliant_fen": f.compliant_fen,
            "essential_fen": f.essential_fen, "deducted_fen": f.deducted_fen,
        })  # fmt: skip
    assert all(statuses_of(r["status_mask"]) is not None for r in rows)
    return rows


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=streams, refunded=st.sets(st.integers(0, 5), max_size=3))
def test_invariants_hold_through_the_service(
    db_engine: Engine, county: County, stream: list[dict[str, Any]], refunded: set[int]
) -> None:
    cp = compiled_in_force(VILLAGE, date(2017, 1, 2))
    people = _household(db_engine)
    # in time order (the engine's batch order: date, then the order submitted)
    stream = sorted(stream, key=lambda c: c["day"])
    subs = [_submission(people[c["person"]], c, next(_serial)) for c in stream]
    with session_scope(db_engine, write_lock=True) as s:
        views = submit_many(s, [Order(sub, "prop") for sub in subs])
    assert all(isinstance(v, SettlementView) for v in views), views
    settled = [v for v in views if isinstance(v, SettlementView)]
    for v in settled:
        _check_view(v, cp)

    ids = [v.settlement_id for v in settled]
    with session_scope(db_engine) as s:
        entries = list(s.scalars(select(Settlement).where(Settlement.id.in_(ids))
                                 .order_by(Settlement.id)))  # fmt: skip
        home = entries[0].household_id
        persons = sorted({e.person_id for e in entries})
    # online = batch: the pure engine's batch over the same claims, to the fen
    batch = settle_batch(cp, pl.DataFrame(_engine_rows(entries)))
    for i, v in enumerate(settled):
        assert [x.paid_fen for x in v.layers] == [batch[f"pay_{lid}"][i] for lid in cp.layer_ids]
        assert v.out_of_pocket_fen == batch["out_of_pocket_fen"][i]
    # the year's payments of each pool per owner within the annual cap (read back)
    paid: dict[tuple[int, str, str], int] = {}
    for v, e in zip(settled, entries, strict=True):
        for layer in v.layers:
            if layer.rule_id is None or layer.mechanism != "ratio":
                continue
            r = _rule_index(cp, layer.layer_id, layer.rule_id)
            key = (e.person_id, layer.layer_id, layer.rule_id)
            paid[key] = paid.get(key, 0) + layer.paid_fen
            annual = cp.params[r, L.P_ANNUAL_CAP]
            assert annual < 0 or paid[key] <= annual

    # refunds: the accumulators are those of the claims that stand, from empty
    gone = {ids[i] for i in refunded if i < len(ids)}
    for sid in sorted(gone):
        with session_scope(db_engine, write_lock=True) as s:
            back = refund(s, sid, user="prop", reason="property test")
        assert back.total_fen == -next(v.total_fen for v in settled if v.settlement_id == sid)
    empty = Accumulators.empty(cp)
    person_acc = {p: empty.person for p in persons}
    home_acc = empty.household
    for e in entries:
        if e.id in gone:
            continue
        r = settle_one(cp, facts_of(e), Accumulators(person_acc[e.person_id], home_acc))
        person_acc[e.person_id], home_acc = r.accumulators.person, r.accumulators.household
    with session_scope(db_engine) as s:
        rows = s.scalars(select(Accumulator).where(Accumulator.year == 2017))
        stored = {(a.scope.value, a.owner_id): [int(x) for x in a.slots] for a in rows}
        net = s.execute(
            select(Settlement.id, Settlement.reverses_id, Settlement.total_fen,
                   Settlement.paid_fen, Settlement.entry_kind)
            .where(Settlement.household_id == home)
        ).all()  # fmt: skip
    for p in persons:
        expected = [int(x) for x in person_acc[p]]
        assert stored.get(("person", p), [0] * len(expected)) == expected
    assert stored.get(("household", home), [0] * len(home_acc)) == [int(x) for x in home_acc]
    reversals = [n for n in net if n.entry_kind == EntryKind.REVERSAL]
    assert sorted(n.reverses_id for n in reversals) == sorted(gone)
    for n in reversals:
        original = next(o for o in net if o.id == n.reverses_id)
        assert (n.total_fen, n.paid_fen) == (-original.total_fen, -original.paid_fen)
