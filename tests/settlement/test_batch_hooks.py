"""A batch of good and bad claims through the real hooks (screening gate, suspensions,
screening hits stored, the early-warning check, review's refunds, fund posting — each after
step working from the batch's rows in memory) stores what settling the same claims one by
one stores: the same settlements, screening hits, fund journal sums and warnings, and each
bad claim refused alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from safetynet.codes import ItemClass, ItemKind
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import Order, SettlementView, refund, submit_many
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import (
    CatalogItem,
    Claim,
    EarlyWarning,
    FundLine,
    ReviewCase,
    Settlement,
)
from safetynet.store.models.supervision import ScreeningHit
from tests.conftest import fresh_engine
from tests.settlement.conftest import County, build_county
from tests.settlement.helpers import inpatient


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def twins(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Engine, Engine, County]:
    """Two databases with the same county; screening and the early-warning check on."""
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", "anhui-langxi-2021")
    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "true")
    engines = [fresh_engine(request, tmp_path_factory, f"hooks_{n}") for n in ("batch", "one")]
    counties = []
    for engine in engines:
        with session_scope(engine) as s:
            counties.append(build_county(s))
            # the county's catalog has a blood test with a price ceiling (screening reads it)
            s.add(CatalogItem(code="S0004", name="血常规检查", kind=ItemKind.SERVICE,
                              item_class=ItemClass.A, price_ceiling_fen=2500))  # fmt: skip
    assert counties[0] == counties[1]
    return engines[0], engines[1], counties[0]


def _orders(c: County) -> list[Order]:
    subs: list[ClaimSubmission] = [
        inpatient(c.poor_id, date(2017, 3, 1), discharge_date=date(2017, 3, 4)),
        inpatient(c.spouse_id, items=[{"code": "NOPE", "amount": "10.00"}]),  # unknown item
        inpatient(c.unenrolled_id),  # not enrolled
        # a readmission 6 days after the discharge: split admission (warn), stored
        inpatient(c.poor_id, date(2017, 3, 10), discharge_date=date(2017, 3, 12)),
        # a blood test over its price ceiling: over-standard charge (block), refused
        inpatient(c.ordinary_id, items=[{"code": "S0004", "quantity": 1, "amount": "99.00"}]),
        inpatient(c.ordinary_id, date(2017, 5, 2), claim_no="HIS-1"),
        inpatient(c.ordinary_id, date(2017, 7, 1), claim_no="HIS-1"),  # number taken
        inpatient(c.spouse_id, date(2017, 9, 1)),
        inpatient("not-an-id"),
    ]  # fmt: skip
    return [Order(s, "his", f"k{i}") for i, s in enumerate(subs)]


Codes = list[str]


def _codes(out: list[SettlementView | SettlementError]) -> Codes:
    return [o.code if isinstance(o, SettlementError) else "ok" for o in out]


def _stored(engine: Engine) -> dict[str, Any]:
    """What the hooks stored, without the ids and dates a batch assigns differently."""
    with session_scope(engine) as s:
        entries = s.execute(
            select(Settlement.id, Settlement.paid_fen, Settlement.out_of_pocket_fen)
            .order_by(Settlement.id)
        ).all()  # fmt: skip
        position = {sid: i for i, (sid, _, _) in enumerate(entries)}
        hits = s.execute(
            select(ScreeningHit.settlement_id, ScreeningHit.rule_id, ScreeningHit.severity,
                   ScreeningHit.amount_fen, ScreeningHit.facts).order_by(ScreeningHit.id)
        ).all()  # fmt: skip
        funds = s.execute(
            select(FundLine.fund, FundLine.account, FundLine.institution_code,
                   FundLine.claim_kind, FundLine.month, func.sum(FundLine.amount_fen))
            .group_by(FundLine.fund, FundLine.account, FundLine.institution_code,
                      FundLine.claim_kind, FundLine.month)
        ).all()  # fmt: skip
        warnings = s.execute(
            select(EarlyWarning.rule_id, EarlyWarning.household_id, EarlyWarning.person_id)
        ).all()
        voided = s.scalar(select(func.count()).select_from(ReviewCase)) or 0
    return {
        "entries": [(paid, oop) for _, paid, oop in entries],
        "hits": [(position[sid], *rest) for sid, *rest in hits],
        "funds": sorted(tuple(r) for r in funds if r[-1]),
        "warnings": sorted(tuple(r) for r in warnings),
        "cases": voided,
    }


def _run(engine: Engine, orders: list[Order], batch: bool) -> Codes:
    if batch:
        with session_scope(engine, write_lock=True) as s:
            return _codes(submit_many(s, orders))
    codes: Codes = []
    for order in orders:
        with session_scope(engine, write_lock=True) as s:
            codes += _codes(submit_many(s, [order]))
    return codes


def test_a_batch_through_the_hooks_stores_what_one_by_one_stores(
    twins: tuple[Engine, Engine, County],
) -> None:
    together, alone, county = twins
    orders = _orders(county)
    codes = _run(together, orders, batch=True)
    assert codes == _run(alone, orders, batch=False)
    assert codes == ["ok", "item_unknown", "not_enrolled", "ok", "screening_blocked", "ok",
                     "claim_exists", "ok", "resident_id_invalid"]  # fmt: skip
    stored = _stored(together)
    assert {**stored, "hits": [h[:-1] for h in stored["hits"]]} == {
        **_stored(alone),
        "hits": [h[:-1] for h in _stored(alone)["hits"]],
    }  # the facts differ only by the generated claim numbers they name
    # the readmission's hit names the stay before it by the number it was settled under,
    # in the batch as one by one (not the name the batch's claims are screened under)
    assert [h[1] for h in stored["hits"]] == ["split-admission"]
    with session_scope(together) as s:
        first = s.scalar(select(Claim.claim_no).order_by(Claim.id))
    assert f'"previous_claim":"{first}"' in stored["hits"][0][-1]
    assert stored["funds"] and sum(r[-1] for r in stored["funds"]) == 0
    # a replay of the batch pays nothing again and stores nothing more
    again: Callable[[Engine], Codes] = lambda e: _run(e, orders, batch=True)  # noqa: E731
    assert again(together) == codes
    assert _stored(together) == stored


def test_a_refund_after_a_batch_posts_and_voids_from_its_reversal(
    twins: tuple[Engine, Engine, County],
) -> None:
    engine, _, county = twins
    with session_scope(engine, write_lock=True) as s:
        first = submit_many(s, _orders(county))[0]
    assert isinstance(first, SettlementView) and first.settlement_id is not None
    with session_scope(engine, write_lock=True) as s:
        refund(s, first.settlement_id, user="clerk", reason="wrong patient")
    with session_scope(engine) as s:
        lines = s.execute(
            select(FundLine.account, func.sum(FundLine.amount_fen)).group_by(FundLine.account)
        ).all()
        assert dict(lines)["spending"] == sum(
            s.scalars(select(Settlement.paid_fen)).all()
        )  # the reversal's negated layers posted: spending is what the ledger still pays
