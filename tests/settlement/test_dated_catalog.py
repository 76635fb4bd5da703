"""Claims on either side of a catalog change are priced by the entry in force on their date,
at the window and in the year batch alike (the same numbers to the fen); a line of a recorded
stay is priced on its own service date; a code with no entry in force on the claim's date is
refused at the window as an unknown code."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from sqlalchemy import Engine, select, update

from safetynet.codes import ItemClass, ItemKind
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.recorded import recorded_lines
from safetynet.settlement.service import preview, submit
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import session_scope
from safetynet.store.models import Accumulator, CatalogItem, Claim, ClaimItem, Person, Settlement
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

CHANGE = date(2017, 4, 1)  # DRUG-B: class B (10 % self-pay) before, class A from here
BEFORE, AFTER = date(2017, 3, 1), date(2017, 5, 2)


def _change_drug_b(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.execute(update(CatalogItem).where(CatalogItem.code == "DRUG-B").values(valid_to=CHANGE))
        s.add(CatalogItem(code="DRUG-B", valid_from=CHANGE, name="头孢克肟",
                          kind=ItemKind.DRUG, item_class=ItemClass.A))  # fmt: skip
        # DRUG-C leaves the catalog on the change date
        s.execute(update(CatalogItem).where(CatalogItem.code == "DRUG-C").values(valid_to=CHANGE))


def _record(
    engine: Engine, rid: str, day: date, no: str, lines: list[tuple[str, int, date | None]]
) -> None:
    with session_scope(engine) as s:
        person = s.scalar(select(Person).where(Person.resident_id == rid))
        assert person is not None
        claim = Claim(claim_no=no, person_id=person.id, institution_code="H-COUNTY",
                      kind="inpatient", start_date=day, end_date=day + timedelta(days=5),
                      diagnosis_code="J18.9", referral=False,
                      total_fen=sum(f for _, f, _ in lines))  # fmt: skip
        s.add(claim)
        s.flush()
        for code, fen, served in lines:
            s.add(ClaimItem(claim_id=claim.id, item_code=code, amount_fen=fen, service_date=served))


WINDOW_LINES = [("BED", 600_000, None), ("DRUG-A", 200_000, None), ("DRUG-B", 200_000, None)]


def _window_claim(rid: str, day: date):  # type: ignore[no-untyped-def]
    return inpatient(rid, day, items=[
        {"code": "BED", "amount": "6000.00"}, {"code": "DRUG-A", "amount": "2000.00"},
        {"code": "DRUG-B", "amount": "2000.00"},
    ])  # fmt: skip


def test_either_side_of_a_change_window_and_year_batch_price_alike(
    db_engine: Engine, county: County
) -> None:
    _change_drug_b(db_engine)
    plan = [(county.ordinary_id, BEFORE, "OLD-1"), (county.ordinary_id, AFTER, "OLD-2")]
    for rid, day, no in plan:
        _record(db_engine, rid, day, no, WINDOW_LINES)
    assert settle_year(db_engine, 2017).settled == 2
    with session_scope(db_engine) as s:
        batch = sorted(
            (e.claim_date, e.compliant_fen, e.paid_fen) for e in s.scalars(select(Settlement))
        )
        s.execute(Accumulator.__table__.delete())
    # before the change DRUG-B's 10 % is the patient's; after it, all of it is compliant
    assert [c for _, c, _ in batch] == [980_000, 1_000_000]
    online = []
    for rid, day, _ in plan:
        with session_scope(db_engine) as s:
            shown = preview(s, _window_claim(rid, day))
        with session_scope(db_engine, write_lock=True) as s:
            done = submit(s, _window_claim(rid, day), user="test")
        assert (shown.compliant_fen, shown.paid_fen) == (done.compliant_fen, done.paid_fen)
        online.append((day, done.compliant_fen, done.paid_fen))
    assert online == batch
    assert batch[0][2] != batch[1][2]


def test_a_stay_over_the_change_prices_each_line_on_its_day(
    db_engine: Engine, county: County
) -> None:
    _change_drug_b(db_engine)
    admitted = CHANGE - timedelta(days=2)
    _record(db_engine, county.ordinary_id, admitted, "STAY", [
        ("DRUG-B", 100_000, admitted),  # class B on its day
        ("DRUG-B", 100_000, CHANGE),  # class A
        ("DRUG-B", 100_000, None),  # undated: the admission day, class B
        ("DRUG-C", 50_000, CHANGE),  # out of catalog on its day: class C
    ])  # fmt: skip
    with session_scope(db_engine) as s:
        ids = pl.Series(s.scalars(select(Claim.id)).all())
        lines = recorded_lines(s, ids)
    assert lines.select("item_class", "self_pay_bp").rows() == [
        ("B", 1000),
        ("A", 0),
        ("B", 1000),
        ("C", 0),
    ]


def test_the_window_refuses_a_code_out_of_catalog_on_the_claims_date(
    db_engine: Engine, county: County
) -> None:
    _change_drug_b(db_engine)
    sub = inpatient(county.ordinary_id, AFTER)  # bills DRUG-C, gone since CHANGE
    with session_scope(db_engine) as s, pytest.raises(SettlementError) as caught:
        preview(s, sub)
    assert caught.value.code == "item_unknown" and caught.value.field == "items[3].code"
    with session_scope(db_engine) as s:
        assert preview(s, inpatient(county.ordinary_id, BEFORE)).paid_fen > 0
