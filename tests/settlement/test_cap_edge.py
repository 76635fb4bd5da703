"""An annual cap hit exactly, through the service on SQLite and PostgreSQL: the general
outpatient rule (30 yuan a visit, 400 a year) pays 30 on each of 13 visits (390), exactly
the 10 left on the 14th (400), nothing on the 15th (``annual_cap_reached``); refunding the
14th gives the 10 back to the next visit (the cap stands after it); an earlier visit
refunded gives its room to the later visits replayed after it, not to the next one; a refund
is not refunded again, nor is a refund's own entry (refunds of refunds)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import SettlementView, refund, submit
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from tests.settlement.conftest import County


def _visit(resident_id: str, n: int) -> ClaimSubmission:
    return ClaimSubmission.model_validate({
        "resident_id": resident_id, "institution_code": "V-CLINIC", "kind": "outpatient",
        "date": date(2017, 1, 2) + timedelta(days=n), "diagnosis": "J06.9",
        "items": [{"code": "DRUG-A", "amount": "100.00"}],
    })  # fmt: skip


def _basic(view: SettlementView) -> tuple[int, str | None]:
    layer = next(x for x in view.layers if x.layer_id == "basic")
    return layer.paid_fen, layer.nothing_paid.reason if layer.nothing_paid else None


def paid_visit(engine: Engine, county: County) -> int:
    """The first visit of the ordinary person (30 yuan paid)."""
    from sqlalchemy import select

    from safetynet.store.models import Person, Settlement

    with session_scope(engine) as s:
        pid = s.scalar(select(Person.id).where(Person.resident_id == county.ordinary_id))
        sid = s.scalar(select(Settlement.id).where(Settlement.person_id == pid)
                       .order_by(Settlement.id))  # fmt: skip
    assert sid is not None
    return sid


def _settle(engine: Engine, resident_id: str, n: int) -> SettlementView:
    with session_scope(engine, write_lock=True) as s:
        return submit(s, _visit(resident_id, n), user="his")


def test_the_annual_cap_is_reached_exactly_then_refunded(db_engine: Engine, county: County) -> None:
    paid = [_basic(_settle(db_engine, county.ordinary_id, n)) for n in range(13)]
    assert paid == [(3000, None)] * 13  # 30 yuan a visit: 390 of 400
    at_cap = _settle(db_engine, county.ordinary_id, 13)
    assert _basic(at_cap) == (1000, None)  # exactly the 10 yuan left
    assert at_cap.paid_fen + at_cap.out_of_pocket_fen == at_cap.total_fen
    with session_scope(db_engine, write_lock=True) as s:
        back = refund(s, at_cap.settlement_id, user="clerk", reason="wrong visit")  # type: ignore[arg-type]
    assert _basic(back)[0] == -1000
    assert _basic(_settle(db_engine, county.ordinary_id, 15)) == (1000, None)  # the 10 again
    assert _basic(_settle(db_engine, county.ordinary_id, 16)) == (0, "annual_cap_reached")
    # a visit refunded before a later one: its room goes to the later one in the accumulators
    # (replayed in order), paid at the year-end re-settlement, not to the next visit
    with session_scope(db_engine, write_lock=True) as s:
        refund(s, paid_visit(db_engine, county), user="clerk", reason="wrong visit")
    assert _basic(_settle(db_engine, county.ordinary_id, 17)) == (0, "annual_cap_reached")
    for sid, code in ((at_cap.settlement_id, "already_refunded"),
                      (back.settlement_id, "settlement_unknown")):  # fmt: skip
        with session_scope(db_engine, write_lock=True) as s, pytest.raises(SettlementError) as e:
            refund(s, sid, user="clerk", reason="again")  # type: ignore[arg-type]
        assert e.value.code == code
