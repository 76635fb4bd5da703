"""The same bill is not paid twice: a claim billing what a standing settlement billed (person,
institution, kind, dates, item lines in any order) is refused 409 ``duplicate_bill`` naming
the earlier settlement, whatever claim number or key it carries — unless confirmed with a
reason; after a refund it settles again; a retry under the same key is still a replay."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from safetynet.codes import ClaimKind
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import (
    Order,
    SettlementView,
    preview,
    refund,
    submit,
    submit_many,
)
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import Settlement
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient


def _count(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Settlement)) or 0)


def _refused(engine: Engine, sub: ClaimSubmission, key: str | None = None) -> SettlementError:
    with session_scope(engine, write_lock=True) as s:
        (out,) = submit_many(s, [Order(sub, "his", key)])
    assert isinstance(out, SettlementError), "the same bill was paid twice"
    return out


def _settled(engine: Engine, sub: ClaimSubmission, key: str | None = None) -> SettlementView:
    with session_scope(engine, write_lock=True) as s:
        return submit(s, sub, user="his", client_key=key)


def test_the_same_bill_resent_without_number_or_key_is_refused(
    db_engine: Engine, county: County
) -> None:
    first = _settled(db_engine, inpatient(county.poor_id, discharge_date=date(2017, 3, 6)))
    again = _refused(db_engine, inpatient(county.poor_id, discharge_date=date(2017, 3, 6)))
    assert (again.code, again.status) == ("duplicate_bill", 409)
    assert f"as settlement {first.settlement_id} (claim {first.claim_no})" in again.message
    with session_scope(db_engine) as s, pytest.raises(SettlementError) as exc:
        preview(s, inpatient(county.poor_id, discharge_date=date(2017, 3, 6)))  # the gate runs
    assert exc.value.code == "duplicate_bill"
    assert _count(db_engine) == 1


def test_same_bill_under_other_numbers_keys_line_order_or_diagnosis_is_refused(
    db_engine: Engine, county: County
) -> None:
    _settled(db_engine, inpatient(county.poor_id, claim_no="HIS-1"), key="a")
    base = inpatient(county.poor_id)
    shuffled = base.model_copy(update={"items": list(reversed(base.items)), "diagnosis": "J20.9",
                                       "claim_no": "HIS-2"})  # fmt: skip
    assert _refused(db_engine, shuffled, key="b").code == "duplicate_bill"
    assert _refused(db_engine, base, key="c").code == "duplicate_bill"
    assert _count(db_engine) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"date": date(2017, 3, 2)},  # another admission day
        {"discharge_date": date(2017, 3, 9)},  # another discharge
        {"kind": ClaimKind.OUTPATIENT},
    ],
)
def test_a_bill_differing_in_its_head_settles(
    db_engine: Engine, county: County, change: dict[str, object]
) -> None:
    _settled(db_engine, inpatient(county.poor_id, discharge_date=date(2017, 3, 6)))
    other = inpatient(county.poor_id, discharge_date=date(2017, 3, 6)).model_copy(update=change)
    assert isinstance(_settled(db_engine, other), SettlementView)
    assert _count(db_engine) == 2


def test_the_same_visit_at_another_institution_settles(db_engine: Engine, county: County) -> None:
    visit = inpatient(county.poor_id, kind="outpatient", institution_code="V-CLINIC",
                      items=[{"code": "DRUG-A", "amount": "35.50"}])  # fmt: skip
    _settled(db_engine, visit)
    elsewhere = visit.model_copy(update={"institution_code": "H-COUNTY"})
    assert isinstance(_settled(db_engine, elsewhere), SettlementView)
    assert _refused(db_engine, visit).code == "duplicate_bill"  # a visit ends on its day
    assert _count(db_engine) == 2


@pytest.mark.parametrize(
    "line",
    [
        {"code": "DRUG-C", "amount": "1000.01"},  # one fen more
        {"code": "DRUG-C", "amount": "1000.00", "quantity": 2},  # another quantity
        {"code": "DRUG-A", "amount": "1000.00"},  # another item
    ],
)
def test_a_bill_differing_in_one_line_settles(
    db_engine: Engine, county: County, line: dict[str, object]
) -> None:
    _settled(db_engine, inpatient(county.poor_id))
    items = [*[i.model_dump() for i in inpatient(county.poor_id).items[:3]], line]
    assert isinstance(_settled(db_engine, inpatient(county.poor_id, items=items)), SettlementView)
    assert _count(db_engine) == 2


def test_a_confirmed_second_bill_settles(db_engine: Engine, county: County) -> None:
    _settled(db_engine, inpatient(county.poor_id))
    reason = "two identical visits the same day"
    second = _settled(db_engine, inpatient(county.poor_id, duplicate_reason=reason))
    assert second.paid_fen >= 0 and _count(db_engine) == 2
    # a blank reason confirms nothing
    assert _refused(db_engine, inpatient(county.poor_id, duplicate_reason="  ")).code == (
        "duplicate_bill"
    )


def test_after_a_refund_the_bill_settles_again(db_engine: Engine, county: County) -> None:
    first = _settled(db_engine, inpatient(county.poor_id))
    with session_scope(db_engine, write_lock=True) as s:
        refund(s, first.settlement_id or 0, user="clerk", reason="wrong amounts")
    again = _settled(db_engine, inpatient(county.poor_id))  # re-settlement
    third = _refused(db_engine, inpatient(county.poor_id))
    assert f"as settlement {again.settlement_id} " in third.message  # the standing one


def test_a_retry_under_its_key_is_a_replay_never_a_duplicate(
    db_engine: Engine, county: County
) -> None:
    sub = inpatient(county.poor_id)
    first = _settled(db_engine, sub, key="k1")
    with session_scope(db_engine, write_lock=True) as s:  # in a later batch and in one batch
        out = submit_many(s, [Order(sub, "his", "k1"), Order(sub, "his", "k2"),
                              Order(sub, "his", "k2")])  # fmt: skip
    replay, other_key, _ = out
    assert isinstance(replay, SettlementView) and replay.replayed
    assert replay.settlement_id == first.settlement_id
    assert isinstance(other_key, SettlementError) and other_key.code == "duplicate_bill"
    with session_scope(db_engine, write_lock=True) as s:
        a, b = submit_many(s, [Order(sub.model_copy(update={"date": date(2017, 4, 1)}), "his",
                                     "k3")] * 2)  # fmt: skip
    assert isinstance(a, SettlementView) and isinstance(b, SettlementView)
    assert b.replayed and b.settlement_id == a.settlement_id
    assert _count(db_engine) == 2


def test_two_identical_bills_in_one_batch_pay_once(db_engine: Engine, county: County) -> None:
    sub = inpatient(county.poor_id)
    with session_scope(db_engine, write_lock=True) as s:
        first, second = submit_many(s, [Order(sub, "his"), Order(sub, "his")])
    assert isinstance(first, SettlementView)
    assert isinstance(second, SettlementError) and second.code == "duplicate_bill"
    assert _count(db_engine) == 1


def test_a_confirmed_second_bill_is_screened_against_the_first(
    db_engine: Engine, county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bill confirmed as a second, genuine one (no claim number) is a submission of its own:
    its fingerprint differs from the earlier bill's, so fund supervision screens it against
    that bill (the same stay twice overlaps: refused) — while a retry under a key still
    replays, with or without the reason."""
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", "anhui-langxi-2021")
    day, end = date(2017, 4, 3), date(2017, 4, 8)
    stay = inpatient(county.poor_id, day, discharge_date=end)
    first = _settled(db_engine, stay, key="stay-1")
    reason = "two identical stays, checked with the ward"
    confirmed = _refused(db_engine, stay.model_copy(update={"duplicate_reason": reason}))
    assert confirmed.code == "screening_blocked" and "overlapping-stay" in confirmed.message
    # two identical visits of a day, the second confirmed: settled, each its own fingerprint
    visit = inpatient(county.spouse_id, day, kind="outpatient",
                      items=[{"code": "DRUG-A", "amount": "80.00"}])  # fmt: skip
    one = _settled(db_engine, visit, key="visit-1")
    two = _settled(db_engine, visit.model_copy(update={"duplicate_reason": reason}),
                   key="visit-2")  # fmt: skip
    with session_scope(db_engine) as s:
        hashes = {
            k: h for k, h in s.execute(select(Settlement.client_key, Settlement.request_hash))
        }
    assert hashes["visit-1"] != hashes["visit-2"] and len(set(hashes.values())) == 3
    # retries under the keys: the first answers (a confirmed one's with or without the
    # reason); another claim under a key is refused as reused
    confirmed_visit = visit.model_copy(update={"duplicate_reason": reason})
    for key, view, sent in (("visit-2", two, (confirmed_visit, visit)),
                            ("visit-1", one, (visit,)), ("stay-1", first, (stay,))):  # fmt: skip
        for again in sent:
            with session_scope(db_engine, write_lock=True) as s:
                (out,) = submit_many(s, [Order(again, "his", key)])
            assert isinstance(out, SettlementView) and out.replayed
            assert out.settlement_id == view.settlement_id
    other = visit.model_copy(update={"diagnosis": "J06.9"})
    assert _refused(db_engine, other, key="visit-2").code == "client_key_reused"
