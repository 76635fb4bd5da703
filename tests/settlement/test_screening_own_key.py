"""Fund supervision at settlement knows a claim's own earlier settlement by its client key:
a retry under the key (re-sent with a reason added) is a replay, not refused as overlapping
itself; an identical bill confirmed genuine under another key is another claim and sees the
earlier one, whose fingerprint it shares; two such copies in one batch each keep their own
hits."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import Order, SettlementView, submit, submit_many
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import ScreeningHit
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

REASON = "two identical visits on one day, checked with the doctor"


@pytest.fixture(autouse=True)
def screening_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", "anhui-langxi-2021")


def _visit(resident_id: str, **extra: object) -> ClaimSubmission:
    data = {
        "resident_id": resident_id, "institution_code": "H-COUNTY", "kind": "outpatient",
        "date": date(2017, 4, 3), "diagnosis": "J06.9",
        "items": [{"code": "DRUG-A", "quantity": 2, "amount": "30.00"}], **extra,
    }  # fmt: skip
    return ClaimSubmission.model_validate(data)


def _hits(engine: Engine, settlement_id: int) -> list[tuple[str, str]]:
    with session_scope(engine) as s:
        rows = s.execute(
            select(ScreeningHit.rule_id, ScreeningHit.facts)
            .where(ScreeningHit.settlement_id == settlement_id)
            .order_by(ScreeningHit.id)
        ).all()
    return [(r, f) for r, f in rows]


def test_a_retry_with_a_reason_added_replays_its_stay(db_engine: Engine, county: County) -> None:
    stay = inpatient(county.poor_id, discharge_date=date(2017, 3, 6))
    with session_scope(db_engine, write_lock=True) as s:
        first = submit(s, stay, user="his", client_key="stay-1")
    retry = stay.model_copy(update={"duplicate_reason": REASON})
    with session_scope(db_engine, write_lock=True) as s:
        (again,) = submit_many(s, [Order(retry, "his", "stay-1")])
    assert isinstance(again, SettlementView), again  # not "overlapping stay" with itself
    assert again.replayed and again.settlement_id == first.settlement_id
    # the same stay under another key, confirmed: another claim, overlapping the first
    with session_scope(db_engine, write_lock=True) as s:
        (other,) = submit_many(s, [Order(retry, "his", "stay-2")])
    assert isinstance(other, SettlementError) and other.code == "screening_blocked"
    assert "overlapping-stay" in other.message


def test_a_confirmed_copy_under_another_key_sees_the_earlier_confirmed_copy(
    db_engine: Engine, county: County
) -> None:
    confirmed = _visit(county.poor_id, duplicate_reason=REASON)
    with session_scope(db_engine, write_lock=True) as s:
        first = submit(s, confirmed, user="his", client_key="visit-1")
    with session_scope(db_engine, write_lock=True) as s:
        second = submit(s, confirmed, user="his", client_key="visit-2")
    assert _hits(db_engine, first.settlement_id) == []
    hits = _hits(db_engine, second.settlement_id)
    assert [r for r, _ in hits] == ["outpatient-abuse"]  # two prescriptions on one day
    # its retry under its key (without the reason) replays it, hits unchanged
    with session_scope(db_engine, write_lock=True) as s:
        (replay,) = submit_many(s, [Order(_visit(county.poor_id), "his", "visit-2")])
    assert isinstance(replay, SettlementView) and replay.replayed
    assert replay.settlement_id == second.settlement_id
    assert _hits(db_engine, second.settlement_id) == hits


def test_two_confirmed_copies_in_one_batch_keep_their_own_hits(
    db_engine: Engine, county: County
) -> None:
    confirmed = _visit(county.poor_id, duplicate_reason=REASON)
    with session_scope(db_engine, write_lock=True) as s:
        first, second = submit_many(
            s, [Order(confirmed, "his", "batch-1"), Order(confirmed, "his", "batch-2")]
        )
    assert isinstance(first, SettlementView) and isinstance(second, SettlementView)
    assert _hits(db_engine, first.settlement_id) == []
    hits = _hits(db_engine, second.settlement_id)
    assert [r for r, _ in hits] == ["outpatient-abuse"]
