"""Refund, like settle, is the institution's own: a clerk bound to one institution cannot
refund another institution's settlement (JSON API and window), and nothing is written; the
clerk still refunds the own institution's. On both databases."""

from __future__ import annotations

import base64
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Settlement
from safetynet.store.models.ledger import EntryKind
from safetynet.store.models.security import AuditEvent, User
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import csrf_of

Login = Callable[..., TestClient]


def _basic(username: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{DEMO_PASSWORD}".encode()).decode()
    return {"authorization": f"Basic {token}"}


def _settlements(engine: Engine, *, own: bool, count: int) -> list[int]:
    """Unreversed settlements of the clerk's institution (``own``) or of others."""
    with session_scope(engine) as s:
        mine = s.scalar(select(User.institution_code).where(User.username == "clerk"))
        assert mine
        at = Claim.institution_code == mine if own else Claim.institution_code != mine
        reversed_ = select(Settlement.reverses_id).where(Settlement.reverses_id.is_not(None))
        return list(
            s.scalars(
                select(Settlement.id)
                .join(Claim, Claim.id == Settlement.claim_id)
                .where(at, Settlement.entry_kind == EntryKind.SETTLEMENT,
                       Settlement.id.not_in(reversed_))
                .order_by(Settlement.id)
                .limit(count)
            )
        )  # fmt: skip


def _written(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        refunds = s.scalar(select(func.count()).where(AuditEvent.action == "refund"))
        return s.scalar(select(func.count(Settlement.id))) or 0, refunds or 0


def test_a_clerk_cannot_refund_another_institutions_settlement_by_api(
    app, web_engine: Engine
) -> None:
    other = _settlements(web_engine, own=False, count=1)[0]
    before = _written(web_engine)
    client = TestClient(app)
    r = client.post(f"/api/settlements/{other}/refund", json={"reason": "x"},
                    headers=_basic("clerk"))  # fmt: skip
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "institution_not_yours"
    assert _written(web_engine) == before


def test_a_clerk_cannot_refund_another_institutions_settlement_at_the_window(
    login: Login, web_engine: Engine
) -> None:
    other = _settlements(web_engine, own=False, count=1)[0]
    before = _written(web_engine)
    client = login("clerk", "en")
    slip = client.get(f"/settlements/{other}").text
    assert 'id="refund-form"' not in slip  # not offered
    token = csrf_of(slip)
    r = client.post(f"/settlements/{other}/refund", data={"reason": "x", "csrf_token": token})
    assert r.status_code == 403, r.text
    assert _written(web_engine) == before


def test_a_clerk_refunds_the_own_institutions_settlements(
    app, login: Login, web_engine: Engine
) -> None:
    first, second = _settlements(web_engine, own=True, count=2)
    r = TestClient(app).post(f"/api/settlements/{first}/refund", json={"reason": "x"},
                             headers=_basic("clerk"))  # fmt: skip
    assert r.status_code == 200, r.text
    client = login("clerk", "en")
    slip = client.get(f"/settlements/{second}").text
    assert 'id="refund-form"' in slip
    token = csrf_of(slip)
    r = client.post(f"/settlements/{second}/refund", data={"reason": "x", "csrf_token": token})
    assert r.status_code == 303, r.text
    with session_scope(web_engine) as s:
        reversed_ = set(s.scalars(select(Settlement.reverses_id).where(
            Settlement.reverses_id.in_([first, second]))))  # fmt: skip
    assert reversed_ == {first, second}


def test_a_bureau_user_refunds_any_institutions_settlement(app, web_engine: Engine) -> None:
    other = _settlements(web_engine, own=False, count=1)[0]
    r = TestClient(app).post(f"/api/settlements/{other}/refund", json={"reason": "x"},
                             headers=_basic("reviewer"))  # fmt: skip
    assert r.status_code == 200, r.text
