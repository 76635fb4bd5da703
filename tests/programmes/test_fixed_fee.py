"""Fixed fees per disease as package prices: the arithmetic by hand; on random claims and
policies online settlement equals batch on the adjusted amounts and paid + out-of-pocket +
institution-borne = total; through the real settlement service and the year batch alike."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from safetynet.codes import InstitutionLevel
from safetynet.engine.batch import settle_batch
from safetynet.engine.compile import CompiledPolicy
from safetynet.programmes.fixed_fee import apply_fixed_fee, fee_of_claim, fees_of
from safetynet.settlement.service import submit
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import session_scope
from safetynet.store.models import Accumulator, Claim, ClaimItem, Institution, Person, Settlement
from tests.engine.test_properties import claim_rows, policies, settle_online
from tests.programmes.named import CASES, county_file, use_county_file
from tests.settlement.conftest import County, county
from tests.settlement.helpers import inpatient

__all__ = ["county"]


def test_the_arithmetic_by_hand() -> None:
    # overrun: a 6,000-yuan bill, 100 deducted by review, fee 4,500: the institution bears
    # 100 + (5,900 - 4,500) = 1,500; compliant 5,000 of 5,900 scaled to 4,500 = 3,813.56
    t, c, e, d = apply_fixed_fee(600_000, 500_000, 100_000, 10_000, 450_000)
    assert (int(t), int(c), int(e), int(d)) == (600_000, 381_356, 76_271, 150_000)
    # underrun: a 3,000-yuan bill, fee 4,500: the settled total is the fee, the institution
    # keeps 1,500; compliant 2,400 of 3,000 scaled to 3,600
    t, c, e, d = apply_fixed_fee(300_000, 240_000, 0, 0, 450_000)
    assert (int(t), int(c), int(e), int(d)) == (450_000, 360_000, 0, 0)
    # no fee, and a bill review deducted entirely: unchanged
    assert [int(x) for x in apply_fixed_fee(300_000, 240_000, 0, 0, 0)] == [300_000, 240_000, 0, 0]
    assert [int(x) for x in apply_fixed_fee(300_000, 0, 0, 300_000, 450_000)] == [
        300_000, 0, 0, 300_000,
    ]  # fmt: skip


def test_fees_are_found_by_code_level_kind_and_designation() -> None:
    # the last two: a county-level hospital outside the county is not designated (the
    # county's own hospitals are, seed 001): settled on the bill, no fee
    claims = pl.DataFrame({
        "kind": ["inpatient", "inpatient", "outpatient", "inpatient", "inpatient", "inpatient",
                 "inpatient"],
        "level": ["county", "township", "county", "city", "county", "county", "township"],
        "in_county": [True, True, True, False, True, False, False],
        "institution_code": ["H-C", "H-T", "H-C", "H-S", "H-C", "H-X", "H-Y"],
        "diagnosis": ["K35.8", "k35", "K35.8", "K35.8", None, "K35.8", "K35"],
        "date": [date(2017, 5, 1)] * 7, "region_code": ["340421"] * 7,
    })  # fmt: skip
    want = [450_000, 300_000, 0, 0, 0, 0, 0]
    assert fees_of(claims).to_list() == want
    assert [fee_of_claim(*r) for r in claims.iter_rows()] == want


FEES = st.sampled_from([0, 0, 120_000, 450_000, 800_000, 3_000_000])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cp=policies(), rows=claim_rows(), fees=st.lists(FEES, min_size=25, max_size=25))
def test_online_equals_batch_under_fixed_fees(cp: CompiledPolicy, rows: list[dict[str, Any]],
                                              fees: list[int]) -> None:  # fmt: skip
    cols = ("total_fen", "compliant_fen", "essential_fen", "deducted_fen")
    arrays = [np.array([r[c] for r in rows], np.int64) for c in cols]
    fee = np.array(fees[: len(rows)], np.int64)
    adjusted = apply_fixed_fee(*arrays, fee)
    for i, r in enumerate(rows):  # one claim at a time (online) = the arrays (batch)
        one = apply_fixed_fee(*(r[c] for c in cols), fee[i])
        assert [int(x) for x in one] == [int(a[i]) for a in adjusted]
        r.update({c: int(a[i]) for c, a in zip(cols, adjusted, strict=True)})
        if fee[i] and r["total_fen"] > r["deducted_fen"]:
            assert r["total_fen"] - r["deducted_fen"] == fee[i]  # the patient's share is on the fee
        assert 0 <= r["essential_fen"] <= r["compliant_fen"] <= r["total_fen"] - r["deducted_fen"]
    online, _, _ = settle_online(cp, rows)
    batch = settle_batch(cp, pl.DataFrame(rows))
    for i, r in enumerate(rows):
        s, b = online[i], batch.row(i, named=True)
        assert [x.paid_fen for x in s.layers] == [b[f"pay_{lid}"] for lid in cp.layer_ids]
        assert s.out_of_pocket_fen == b["out_of_pocket_fen"]
        assert s.paid_fen + s.out_of_pocket_fen + s.institution_borne_fen == r["total_fen"]


ITEMS = [
    {"code": "BED", "amount": "6000.00"},
    {"code": "DRUG-A", "amount": "2000.00"},
    {"code": "DRUG-B", "amount": "1000.00"},
    {"code": "DRUG-C", "amount": "1000.00"},
]
SMALL = [{"code": "BED", "amount": "3000.00"}]


def _record(engine: Engine, rid: str, n: int, day: date, items: list[dict[str, str]],
            institution: str = "H-COUNTY") -> None:  # fmt: skip
    with session_scope(engine) as s:
        person = s.scalar(select(Person).where(Person.resident_id == rid))
        assert person is not None
        claim = Claim(claim_no=f"FF-{n}", person_id=person.id, institution_code=institution,
                      kind="inpatient", start_date=day, end_date=day + timedelta(days=3),
                      diagnosis_code="K35.8", referral=False,
                      total_fen=sum(int(float(i["amount"]) * 100) for i in items))  # fmt: skip
        s.add(claim)
        s.flush()
        for i in items:
            s.add(ClaimItem(claim_id=claim.id, item_code=i["code"],
                            amount_fen=int(float(i["amount"]) * 100)))  # fmt: skip


def test_settlement_online(db_engine: Engine, county: County) -> None:
    day1, day2 = dt.date(2017, 4, 1), dt.date(2017, 8, 1)
    # the window: an appendectomy at the county hospital, fee 4,500 yuan
    with session_scope(db_engine, write_lock=True) as s:
        plain = submit(s, inpatient(county.ordinary_id, dt.date(2017, 2, 1), items=ITEMS),
                       user="t", client_key="plain")  # fmt: skip
        over = submit(s, inpatient(county.poor_id, day1, diagnosis="K35.8", items=ITEMS),
                      user="t", client_key="over")  # fmt: skip
        under = submit(s, inpatient(county.poor_id, day2, diagnosis="K35.8", items=SMALL),
                       user="t", client_key="under")  # fmt: skip
    # overrun: a 10,000-yuan bill; the institution bears 5,500, the rest is the fee's
    assert (over.total_fen, over.institution_borne_fen) == (1_000_000, 550_000)
    assert over.compliant_fen == (plain.compliant_fen * 450_000 + 500_000) // 1_000_000
    assert over.paid_fen + over.out_of_pocket_fen == 450_000
    # underrun: a 3,000-yuan bill settled as the 4,500-yuan package; the institution keeps 1,500
    assert (under.total_fen, under.institution_borne_fen) == (450_000, 0)
    assert under.paid_fen + under.out_of_pocket_fen == 450_000
    with session_scope(db_engine) as s:
        bills = {c.claim_no: c.total_fen for c in s.scalars(select(Claim))}
    assert sorted(bills.values()) == [300_000, 1_000_000, 1_000_000]  # the bills as submitted


def test_settlement_in_the_year_batch(db_engine: Engine, county: County) -> None:
    # the same claims recorded and settled by the year batch (a fresh ledger: the fund
    # journal of the online test's settlements is append-only)
    day1, day2 = dt.date(2017, 4, 1), dt.date(2017, 8, 1)
    _record(db_engine, county.ordinary_id, 0, dt.date(2017, 2, 1), ITEMS)
    _record(db_engine, county.poor_id, 1, day1, ITEMS)
    _record(db_engine, county.poor_id, 2, day2, SMALL)
    with session_scope(db_engine, write_lock=True) as s:
        s.execute(Claim.__table__.update().where(Claim.claim_no == "FF-0").values(
            diagnosis_code="J18.9"))  # fmt: skip
    assert settle_year(db_engine, 2017).settled == 3
    with session_scope(db_engine) as s:
        rows = s.execute(
            select(Claim.claim_no, Settlement.total_fen, Settlement.deducted_fen,
                   Settlement.paid_fen, Settlement.out_of_pocket_fen)
            .join(Claim, Claim.id == Settlement.claim_id).order_by(Claim.claim_no)
        ).all()  # fmt: skip
    by_no = {r[0]: r[1:] for r in rows}
    assert by_no["FF-1"][:2] == (1_000_000, 550_000) and by_no["FF-2"][:2] == (450_000, 0)
    assert sum(by_no["FF-1"][2:]) == sum(by_no["FF-2"][2:]) == 450_000  # the fee's, shared


def test_online_equals_the_year_batch_at_designated_and_other_hospitals(
    db_engine: Engine, county: County
) -> None:
    # appendicitis at the county's own hospital (designated: settled on the 4,500 fee) and at
    # a county-level hospital of another county (not designated: settled on the bill), the
    # same claims in the year batch and one by one online
    with session_scope(db_engine, write_lock=True) as s:
        s.add(Institution(code="H-OUT", name="邻县人民医院", level=InstitutionLevel.COUNTY,
                          in_county=False))  # fmt: skip
    plan = [
        (county.poor_id, dt.date(2017, 4, 1), "H-COUNTY"),
        (county.spouse_id, dt.date(2017, 5, 1), "H-OUT"),
        (county.ordinary_id, dt.date(2017, 6, 1), "H-OUT"),
        (county.poor_id, dt.date(2017, 8, 1), "H-OUT"),
        (county.ordinary_id, dt.date(2017, 9, 1), "H-COUNTY"),
    ]
    for n, (rid, day, inst) in enumerate(plan):
        _record(db_engine, rid, 10 + n, day, ITEMS, inst)
    assert settle_year(db_engine, 2017).settled == len(plan)
    with session_scope(db_engine) as s:
        people = {p.id: p.resident_id for p in s.scalars(select(Person))}
        batch = sorted(
            (people[e.person_id], e.claim_date, e.total_fen, e.deducted_fen, e.paid_fen,
             e.out_of_pocket_fen) for e in s.scalars(select(Settlement))
        )  # fmt: skip
        s.execute(Accumulator.__table__.delete())
    online = []
    for rid, day, inst in plan:
        sub = inpatient(rid, day, diagnosis="K35.8", items=ITEMS, institution_code=inst)
        with session_scope(db_engine, write_lock=True) as s:
            v = submit(s, sub, user="t", client_key=f"{rid}-{day}")
        online.append((rid, day, v.total_fen, v.institution_borne_fen, v.paid_fen,
                       v.out_of_pocket_fen))  # fmt: skip
    assert batch == sorted(online)
    # by hand: the designated admissions' institution bears 10,000 - 4,500; the others none
    assert [v[3] for v in online] == [550_000, 0, 0, 0, 550_000]
    assert [v[4] + v[5] for v in online] == [450_000, 1_000_000, 1_000_000, 1_000_000, 450_000]


def test_online_equals_the_year_batch_at_named_hospitals(
    db_engine: Engine, county: County, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the county names its hospitals for appendicitis from 1 July 2017 (tests/programmes/
    # named.py): the admissions of CASES settled by the year batch and one by one online
    use_county_file(monkeypatch, county_file(tmp_path, "340421"))
    with session_scope(db_engine, write_lock=True) as s:
        s.add_all(
            Institution(code=code, name=code, level=InstitutionLevel(level), in_county=inside)
            for code, (level, inside) in {c[1]: c[2:4] for c in CASES}.items()
            if code != "H-COUNTY"
        )  # fmt: skip
    people = [county.poor_id, county.spouse_id, county.ordinary_id]
    plan = [(people[n % 3], day, inst) for n, (day, inst, *_) in enumerate(CASES)]
    for n, (rid, day, inst) in enumerate(plan):
        _record(db_engine, rid, 20 + n, day, ITEMS, inst)
    assert settle_year(db_engine, 2017).settled == len(plan)
    with session_scope(db_engine) as s:
        ids = {p.id: p.resident_id for p in s.scalars(select(Person))}
        batch = sorted(
            (ids[e.person_id], e.claim_date, e.total_fen, e.deducted_fen, e.paid_fen,
             e.out_of_pocket_fen) for e in s.scalars(select(Settlement))
        )  # fmt: skip
        s.execute(Accumulator.__table__.delete())
    online = []
    for rid, day, inst in plan:
        sub = inpatient(rid, day, diagnosis="K35.8", items=ITEMS, institution_code=inst)
        with session_scope(db_engine, write_lock=True) as s:
            v = submit(s, sub, user="t", client_key=f"{rid}-{day}-{inst}")
        online.append((rid, day, v.total_fen, v.institution_borne_fen, v.paid_fen,
                       v.out_of_pocket_fen))  # fmt: skip
    assert batch == sorted(online)
    # by hand: a 10,000-yuan bill on a fee: the institution bears 10,000 - fee, the patient
    # and the layers share the fee; elsewhere the bill
    fees = [c[4] for c in CASES]
    assert [v[3] for v in online] == [1_000_000 - f if f else 0 for f in fees]
    assert [v[4] + v[5] for v in online] == [f or 1_000_000 for f in fees]
