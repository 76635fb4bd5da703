"""Identical bills without a client key settle in one batch as they do one at a time: each
copy confirmed genuine keeps the screening hits it is screened with (the second's against the
first), stored and answered; an unconfirmed copy of a standing bill is refused, never paid
twice; the same stay twice is refused by screening either way — in either order."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import Order, SettlementView, submit_many
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import ScreeningHit, Settlement
from safetynet.supervision.window import stored_of
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

REASON = "two identical visits on one day, checked with the doctor"


@pytest.fixture(autouse=True)
def screening_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", "anhui-langxi-2021")


def _visit(resident_id: str, confirmed: bool) -> ClaimSubmission:
    data = {
        "resident_id": resident_id, "institution_code": "H-COUNTY", "kind": "outpatient",
        "date": date(2017, 4, 3), "diagnosis": "J06.9",
        "items": [{"code": "DRUG-A", "quantity": 2, "amount": "30.00"}],
    }  # fmt: skip
    if confirmed:
        data["duplicate_reason"] = REASON
    return ClaimSubmission.model_validate(data)


def _stay(resident_id: str, confirmed: bool) -> ClaimSubmission:
    sub = inpatient(resident_id, date(2017, 4, 3), discharge_date=date(2017, 4, 8))
    return sub.model_copy(update={"duplicate_reason": REASON}) if confirmed else sub


# what each copy is (confirmed?) in the order sent, and what one at a time gives each: its
# stored hits when settled, else the refusal's code
CASES = {
    "two confirmed visits": (_visit, (True, True), [[], ["outpatient-abuse"]]),
    "a visit, then a confirmed copy": (_visit, (False, True), [[], ["outpatient-abuse"]]),
    "a confirmed visit, then a copy": (_visit, (True, False), [[], "duplicate_bill"]),
    "two confirmed stays": (_stay, (True, True), [[], "screening_blocked"]),
    "a stay, then a confirmed copy": (_stay, (False, True), [[], "screening_blocked"]),
}


def _outcome(engine: Engine, out: object, sub: ClaimSubmission, answered: list[str]) -> object:
    if isinstance(out, SettlementError):
        return out.code
    assert isinstance(out, SettlementView)
    with session_scope(engine) as s:
        stored = s.scalars(
            select(ScreeningHit.rule_id)
            .where(ScreeningHit.settlement_id == out.settlement_id)
            .order_by(ScreeningHit.id)
        ).all()
    assert answered == list(stored)  # the API's answer is what was stored with it
    return list(stored)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("together", [True, False], ids=["one batch", "one at a time"])
def test_a_batch_settles_copies_as_one_at_a_time(
    db_engine: Engine, county: County, case: str, together: bool
) -> None:
    make, confirmed, expected = CASES[case]
    subs = [make(county.poor_id, c) for c in confirmed]
    outs: list[object] = []
    answers: list[list[str]] = []
    batches = [subs] if together else [[s] for s in subs]
    for batch in batches:
        with session_scope(db_engine, write_lock=True) as s:
            done = submit_many(s, [Order(sub, "his") for sub in batch])
            for sub, out in zip(batch, done, strict=True):
                sid = out.settlement_id if isinstance(out, SettlementView) else None
                answers.append([h.rule_id for h in stored_of(s, sub, None, sid)])
            outs += done
    got = [_outcome(db_engine, o, sub, a) for o, sub, a in zip(outs, subs, answers, strict=True)]
    assert got == expected
    with session_scope(db_engine) as s:
        paid = s.scalar(select(func.count()).select_from(Settlement))
    assert paid == sum(isinstance(e, list) for e in expected)  # never paid twice


def test_three_confirmed_copies_in_one_batch_each_see_the_earlier(
    db_engine: Engine, county: County
) -> None:
    """The third copy sees the two before it (three prescriptions of one drug on a day)."""
    subs = [_visit(county.poor_id, True) for _ in range(3)]
    with session_scope(db_engine, write_lock=True) as s:
        outs = submit_many(s, [Order(sub, "his") for sub in subs])
    assert all(isinstance(o, SettlementView) for o in outs)
    with session_scope(db_engine) as s:
        facts = [
            s.scalars(
                select(ScreeningHit.facts).where(ScreeningHit.settlement_id == o.settlement_id)  # type: ignore[union-attr]
            ).all()
            for o in outs
        ]
    assert [len(f) for f in facts] == [0, 1, 1]
    assert '"prescriptions": 2' in facts[1][0].replace(":2", ": 2")
    assert '"prescriptions": 3' in facts[2][0].replace(":3", ": 3")
