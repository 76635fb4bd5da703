"""A batch settled at the window gives each claim the hits and the refusal it gets settled
alone, one by one in the batch's order: a claim is screened against the ledger's look-back of
its own date plus the claims of the batch before it that are written (a claim other checks
refuse, or screening blocks, is in no later claim's history)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from safetynet.codes import SuspensionScope
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import Order, submit_many
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import Person, Suspension
from safetynet.supervision.output import facts_text
from safetynet.supervision.window import ScreeningRefusal, previewed_hits, shown
from tests.conftest import fresh_engine
from tests.settlement.conftest import County, build_county
from tests.settlement.helpers import inpatient

RULES = "anhui-langxi-2021"
# the spouse's long stay in the ledger: admitted more than the look-back before March 15th
LONG_STAY = (date(2017, 1, 5), date(2017, 4, 10))
# the poor person's stay in the ledger: a readmission after it is a split admission
STAY = (date(2017, 2, 20), date(2017, 2, 25))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def county(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, County]]:
    """The settlement tests' county with two stays settled; screening on."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAFETYNET_SCREENING_RULES", RULES)
        engine = fresh_engine(request, tmp_path_factory, "window_batch")
        with session_scope(engine) as s:
            c = build_county(s)
        with session_scope(engine, write_lock=True) as s:
            seeded = submit_many(s, [
                Order(inpatient(c.spouse_id, LONG_STAY[0], discharge_date=LONG_STAY[1],
                                claim_no="LEDGER-LONG"), "his"),
                Order(inpatient(c.poor_id, STAY[0], discharge_date=STAY[1],
                                claim_no="LEDGER-STAY"), "his"),
            ])  # fmt: skip
        assert not any(isinstance(o, SettlementError) for o in seeded), seeded
        yield engine, c


@pytest.fixture(autouse=True)
def _screening(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", RULES)


_NUMBER = re.compile(r"W-\d{8}-[0-9A-Z]{4}-[0-9A-Z]{4}|~new \d+")


def _norm(facts: str) -> str:
    """A hit's facts with the numbers a batch or the window generates for a claim left out."""
    return _NUMBER.sub("<claim>", facts)


Seen = tuple[str, tuple[tuple[str, str, str], ...] | None]


def _seen(session: Session, order: Order, outcome: Any, first: bool) -> Seen:
    """A claim's outcome and its hits: a refusal's blocks, else (the first time a batch holds
    the submission) every hit the gate found for it."""
    if isinstance(outcome, ScreeningRefusal):
        hits = outcome.hits
    elif first:
        hits = previewed_hits(session, order.sub)
    else:
        return (outcome.code if isinstance(outcome, SettlementError) else "ok", None)
    code = outcome.code if isinstance(outcome, SettlementError) else "ok"
    return code, tuple((h.rule_id, h.severity, _norm(h.facts)) for h in hits)


def _run(
    engine: Engine, orders: list[Order], batch: bool, suspend: str | None = None
) -> list[Seen]:
    """The orders' outcomes settled as one batch or one by one; nothing is kept.
    ``suspend``: a person whose direct settlement is suspended June 9th-11th."""
    firsts, hashes = [], set()
    for o in orders:
        digest = o.sub.model_dump_json()
        firsts.append(digest not in hashes)
        hashes.add(digest)
    with Session(engine) as s:
        try:
            if suspend:
                person = s.scalars(select(Person).where(Person.resident_id == suspend)).one()
                s.add(Suspension(scope=SuspensionScope.PERSON, person_id=person.id, article=40,
                                 reason="test", valid_from=date(2017, 6, 9),
                                 valid_to=date(2017, 6, 12), created_by="test"))  # fmt: skip
                s.flush()
            if batch:
                out = submit_many(s, orders)
                return [_seen(s, o, r, f) for o, r, f in zip(orders, out, firsts, strict=True)]
            seen = []
            for o, f in zip(orders, firsts, strict=True):
                seen.append(_seen(s, o, submit_many(s, [o])[0], f))
            return seen
        finally:
            s.rollback()


def _stay(resident: str, start: date, days: int, **extra: Any) -> ClaimSubmission:
    return inpatient(resident, start, discharge_date=start + timedelta(days=days), **extra)


OVERPRICED = [{"code": "S0004", "quantity": 1, "amount": "99.00"}]  # over its ceiling: block
UNKNOWN = [{"code": "NOPE", "amount": "10.00"}]


@st.composite
def _orders(draw: st.DrawFn, c: County) -> list[Order]:
    residents = [c.poor_id, c.spouse_id, c.ordinary_id, c.unenrolled_id]
    orders: list[Order] = []
    for _ in range(draw(st.integers(1, 7))):
        if orders and draw(st.integers(0, 6)) == 0:  # a retry of an earlier claim
            orders.append(draw(st.sampled_from(orders)))
            continue
        extra: dict[str, Any] = {}
        items = draw(st.sampled_from([None, None, None, OVERPRICED, UNKNOWN]))
        if items is not None:
            extra["items"] = items
        number = draw(st.sampled_from([None, None, "N1", "N2", "LEDGER-STAY"]))
        if number:
            extra["claim_no"] = number
        sub = _stay(
            draw(st.sampled_from(residents)),
            date(2017, 1, 20) + timedelta(days=draw(st.integers(0, 90))),
            draw(st.integers(0, 12)),
            **extra,
        )
        orders.append(Order(sub, "his", draw(st.sampled_from([None, None, "k1", "k2"]))))
    return orders


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_batch_screens_each_claim_as_one_by_one(
    county: tuple[Engine, County], data: st.DataObject
) -> None:
    engine, c = county
    orders = data.draw(_orders(c))
    assert _run(engine, orders, batch=True) == _run(engine, orders, batch=False)


def _codes(seen: list[Seen]) -> list[str]:
    return [code for code, _ in seen]


def _rules(seen: Seen) -> list[str]:
    return [h[0] for h in seen[1] or ()]


@pytest.mark.parametrize(
    "first",
    [
        {"items": UNKNOWN},  # refused: an unknown item
        {"items": OVERPRICED},  # refused: blocked by screening itself
        {"claim_no": "LEDGER-STAY"},  # refused: its number is taken
        {},  # refused by another gate: the person is suspended on its discharge day
    ],
)
def test_a_claim_refused_in_the_batch_is_in_no_later_claims_history(
    county: tuple[Engine, County], first: dict[str, Any]
) -> None:
    """(a) A stay the batch refuses is not the stay a later one overlaps."""
    engine, c = county
    orders = [Order(_stay(c.spouse_id, date(2017, 6, 1), 9, **first), "his"),
              Order(_stay(c.spouse_id, date(2017, 6, 5), 3), "his")]  # fmt: skip
    suspend = None if first else c.spouse_id
    seen = _run(engine, orders, batch=True, suspend=suspend)
    assert _codes(seen)[0] != "ok"
    assert _codes(seen)[1] == "ok" and "overlapping-stay" not in _rules(seen[1])
    assert seen == _run(engine, orders, batch=False, suspend=suspend)
    # a stay the batch writes is: the second stay overlaps it and is refused
    written = [Order(_stay(c.spouse_id, date(2017, 6, 1), 9), "his"), orders[1]]
    assert _codes(_run(engine, written, batch=True)) == ["ok", "screening_blocked"]


def test_a_retry_later_in_the_batch_is_screened_like_the_first(
    county: tuple[Engine, County],
) -> None:
    """A claim sent twice under one client key is one claim: the retry is not its duplicate."""
    engine, c = county
    first = Order(_stay(c.spouse_id, date(2017, 6, 1), 9), "his", "k")
    seen = _run(engine, [first, first], batch=True)
    assert _codes(seen) == ["ok", "ok"]
    assert seen == _run(engine, [first, first], batch=False)


@pytest.mark.parametrize("number", [None, "HIS-A"])
def test_a_block_names_the_other_claim_as_a_clerk_knows_it(
    county: tuple[Engine, County], number: str | None
) -> None:
    """(b) The refusal names the claim it overlaps by its number — the number the earlier
    claim of the submission was settled under when it carried none (the batch is settled in
    runs of distinct persons, so the earlier stay is in the ledger) — never by the placeholder
    it was screened under."""
    engine, c = county
    extra = {"claim_no": number} if number else {}
    orders = [Order(_stay(c.spouse_id, date(2017, 6, 1), 9, **extra), "his"),
              Order(_stay(c.spouse_id, date(2017, 6, 5), 3), "his")]  # fmt: skip
    with Session(engine) as s:
        try:
            settled, refused = submit_many(s, orders)
        finally:
            s.rollback()
    assert isinstance(refused, ScreeningRefusal)
    assert not isinstance(settled, SettlementError)
    assert [h.rule_id for h in refused.hits] == ["overlapping-stay"]
    assert "~new" not in refused.message
    en = facts_text(refused.hits[0].facts)
    zh = shown(refused.hits, "zh_Hans")[0]["facts"]
    if number:
        assert number in refused.message and number in en and number in zh
    else:
        assert settled.claim_no and settled.claim_no in refused.message
        assert settled.claim_no in en and settled.claim_no in zh
        assert "~new" not in zh and "another" not in zh


def test_each_claims_look_back_starts_from_its_own_date(county: tuple[Engine, County]) -> None:
    """(c) Each claim reads the ledger from its own look-back, whatever the dates of the
    batch's other claims; a stay still running then is read however early it was admitted
    (an overlapping stay counts from the discharge, not from the admission)."""
    engine, c = county
    late = Order(_stay(c.spouse_id, date(2017, 3, 15), 3), "his")
    early = Order(_stay(c.ordinary_id, date(2017, 1, 20), 3), "his")
    alone = _run(engine, [late], batch=False)
    # the long stay began 69 days before (beyond the 62-day look-back) and is still running
    assert _codes(alone) == ["screening_blocked"]
    assert _run(engine, [early, late], batch=True)[1] == alone[0]
    # a stay that ended before the look-back is not read: nothing to compare with
    after = Order(_stay(c.spouse_id, LONG_STAY[1] + timedelta(days=63), 3), "his")
    assert _run(engine, [after], batch=False) == [("ok", ())]
    assert _run(engine, [early, after], batch=True)[1] == ("ok", ())
    # within its look-back the long stay is found (the rule and the data do hit)
    inside = Order(_stay(c.spouse_id, date(2017, 3, 1), 3), "his")
    assert _codes(_run(engine, [early, inside], batch=True)) == ["ok", "screening_blocked"]
