"""Refund, like settle, is the institution's own: a clerk bound to one institution cannot
refund another institution's settlement (JSON API and window), and nothing is written; the
clerk still refunds the own institution's. On both databases."""

from __future__ import annotations

import base64
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, Integer, func, select

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
    slip = client.get(f"/settlements/{other}")
    assert slip.status_code == 403 and 'id="refund-form"' not in slip.text  # not even read
    token = csrf_of(client.get("/window").text)
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
    # the reversal's slip says where the freed room goes (docs/routes.md), in either language
    with session_scope(web_engine) as s:
        reversal = s.scalar(select(Settlement.id).where(Settlement.reverses_id == second))
    page = client.get(f"/settlements/{reversal}").text
    assert 'id="refund-room"' in page and "year-end re-settlement" in page
    assert 'id="refund-room"' not in client.get(f"/settlements/{second}").text
    assert "年终重新结算" in login("clerk", "zh_Hans").get(f"/settlements/{reversal}").text


def test_a_bureau_user_refunds_any_institutions_settlement(app, web_engine: Engine) -> None:
    other = _settlements(web_engine, own=False, count=1)[0]
    r = TestClient(app).post(f"/api/settlements/{other}/refund", json={"reason": "x"},
                             headers=_basic("reviewer"))  # fmt: skip
    assert r.status_code == 200, r.text


def test_a_hospital_user_reads_no_other_institutions_settlement(
    app, login: Login, web_engine: Engine
) -> None:
    """A user bound to an institution (the window clerk, the hospital's office) reads the
    settlements of that institution only: another's slip page, slip PDF, API record and PDF,
    FHIR ClaimResponse and ExplanationOfBenefit answer 403 ``institution_not_yours``; its
    own answer 200; the bureau reads both."""
    other = _settlements(web_engine, own=False, count=1)[0]
    own = _settlements(web_engine, own=True, count=1)[0]
    pages = ["/settlements/{}", "/settlements/{}/pdf"]
    systems = ["/api/settlements/{}", "/api/settlements/{}/pdf", "/fhir/ClaimResponse/{}",
               "/fhir/ExplanationOfBenefit/{}"]  # fmt: skip
    from tests.web.test_route_table_access import ROUTES

    reading = {path for (method, path) in ROUTES if method == "GET" and "{settlement_id}" in path}
    assert reading == {u.replace("{}", "{settlement_id}") for u in pages + systems}  # all of them
    api = TestClient(app)
    for username in ("clerk", "office"):
        client = login(username, "en")
        for url in pages:
            assert client.get(url.format(other)).status_code == 403, (username, url)
            assert client.get(url.format(own)).status_code == 200, (username, url)
        for url in systems:
            r = api.get(url.format(other), headers=_basic(username))
            assert r.status_code == 403, (username, url, r.text[:200])
            if url.startswith("/fhir"):
                assert r.json()["resourceType"] == "OperationOutcome"
            else:
                assert r.json()["error"]["code"] == "institution_not_yours"
            assert api.get(url.format(own), headers=_basic(username)).status_code == 200
    for url in pages + systems:  # not bound to an institution: every one of the region
        r = api.get(url.format(other), headers=_basic("reviewer"))
        assert r.status_code == 200, (url, r.status_code)
    refused = login("clerk").get(f"/settlements/{other}")
    assert refused.status_code == 403 and "本机构" in refused.text


def test_a_hospital_user_lists_its_own_institutions_claims_of_a_person(
    login: Login, web_engine: Engine
) -> None:
    """The person's page and its claims workbook list, for a user bound to an institution,
    that institution's claims only (links to no other institution's slip)."""
    import io

    from openpyxl import load_workbook

    from safetynet.store.models import Institution, Person

    with session_scope(web_engine) as s:
        mine = s.scalar(select(User.institution_code).where(User.username == "clerk"))
        both = (
            select(Claim.person_id)
            .group_by(Claim.person_id)
            .having(func.count(func.distinct(Claim.institution_code)) > 1,
                    func.max(func.cast(Claim.institution_code == mine, Integer)) == 1)
        )  # fmt: skip
        person = s.scalar(select(Person).where(Person.id.in_(both), Person.deceased_on.is_(None))
                          .order_by(Person.id).limit(1))  # fmt: skip
        assert person is not None and mine
        rid = person.resident_id
        rows = s.execute(
            select(Settlement.id, Claim.institution_code, Institution.name)
            .join(Claim, Claim.id == Settlement.claim_id)
            .join(Institution, Institution.code == Claim.institution_code)
            .where(Claim.person_id == person.id)
        ).all()
    others = [r for r in rows if r[1] != mine]
    owns = [r for r in rows if r[1] == mine]
    assert others and owns
    clerk, bureau = login("clerk", "en"), login("reviewer", "en")
    page = clerk.get(f"/persons/{rid}")
    assert page.status_code == 200
    assert all(f'href="/settlements/{sid}"' not in page.text for sid, _i, _n in others)
    assert any(f'href="/settlements/{sid}"' in page.text for sid, _i, _n in owns)
    full = bureau.get(f"/persons/{rid}").text
    assert all(f'href="/settlements/{sid}"' in full for sid, _i, _n in others)
    book = load_workbook(io.BytesIO(clerk.get(f"/persons/{rid}/claims.xlsx").content))
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert not {name for _s, _i, name in others} & cells  # no other institution's claim
    assert {name for _s, _i, name in owns} <= cells


def test_a_blank_refund_reason_is_refused_by_every_interface(
    app, login: Login, web_engine: Engine
) -> None:
    """A reason of spaces is no reason: the JSON API refunded with it (the form refused it);
    the one rule is the service's (``reason_missing``), and a reason is kept without its ends."""
    first, second = _settlements(web_engine, own=True, count=2)
    before = _written(web_engine)
    api = TestClient(app, headers=_basic("clerk"))
    for blank in (" ", "\t\n", "\u3000"):
        r = api.post(f"/api/settlements/{first}/refund", json={"reason": blank})
        assert r.status_code == 422, r.text
        assert r.json()["error"] == {"code": "reason_missing", "message": "a refund needs a reason",
                                     "field": "reason"}  # fmt: skip
    for hidden in ("\x1b[31m", "a\u202eb"):  # an escape, a right-to-left override
        r = api.post(f"/api/settlements/{first}/refund", json={"reason": hidden})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "invalid" and r.json()["error"]["field"] == "reason"
    client = login("clerk", "zh_Hans")
    token = csrf_of(client.get(f"/settlements/{second}").text)
    r = client.post(f"/settlements/{second}/refund", data={"reason": "  ", "csrf_token": token})
    assert r.status_code == 422 and "退费" in r.text and "a refund needs" not in r.text
    hidden = {"reason": "a\u202eb", "csrf_token": token}
    r = client.post(f"/settlements/{second}/refund", data=hidden)
    assert r.status_code == 422 and "不可见字符" in r.text and "invisible" not in r.text
    assert _written(web_engine) == before
    r = api.post(f"/api/settlements/{first}/refund", json={"reason": "  wrong bill  "})
    assert r.status_code == 200, r.text
    with session_scope(web_engine) as s:
        kept = s.scalar(select(Settlement.reason).where(Settlement.reverses_id == first))
    assert kept == "wrong bill"
