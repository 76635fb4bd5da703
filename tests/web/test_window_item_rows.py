"""A claim's item lines are bounded once (``settlement.submission.MAX_ITEMS``): the window's
form takes at most that many item rows and the JSON API at most that many ``items``. One
row more: the window answers 422 with a sentence naming the field in the user's language
(a hostile form of thousands of rows too, never a 400 in English), the API a 422 naming
``items``; nothing is written. At the bound, the claim is taken."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.settlement.submission import MAX_ITEMS
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Settlement
from tests.web.conftest import basic_auth, csrf_of, inpatient_claim


def _ledger(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Settlement)) or 0,
            s.scalar(select(func.count()).select_from(Claim)) or 0,
        )


def _message(html: str) -> str:
    found = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)</', html, re.S)
    return " ".join(re.sub(r"\s+", " ", x).strip() for x in found)


def _form(rid: str, inst: str, csrf: str, rows: int, filled: int | None = None) -> dict:  # type: ignore[type-arg]
    """The window's form with ``rows`` item rows, the first ``filled`` of them filled."""
    filled = rows if filled is None else filled
    return {
        "csrf_token": csrf, "resident_id": rid, "institution_code": inst,
        "kind": "outpatient", "date": "2017-12-18", "discharge_date": "", "diagnosis": "J18.9",
        "item_code": ["S0004"] * filled + [""] * (rows - filled),
        "item_quantity": ["1"] * rows,
        "item_amount": ["1.00"] * filled + [""] * (rows - filled),
        "client_key": "rows-key-0001",
    }  # fmt: skip


def test_the_window_refuses_more_item_rows_than_a_claim_has_lines(
    login, sample_person, hospital: str, web_engine: Engine
) -> None:
    rid = sample_person.resident_id
    english, chinese = login("clerk", "en"), login("clerk")
    csrf_en = csrf_of(english.get(f"/window?resident_id={rid}").text)
    csrf_zh = csrf_of(chinese.get(f"/window?resident_id={rid}").text)
    before = _ledger(web_engine)
    for rows, filled in ((MAX_ITEMS + 1, None), (MAX_ITEMS + 1, 1), (5_000, None)):
        for path in ("/window/preview", "/window/settle"):
            r = english.post(path, data=_form(rid, hospital, csrf_en, rows, filled))
            assert r.status_code == 422, (path, rows, r.status_code, _message(r.text))
            assert f"Items: a claim has at most {MAX_ITEMS} item lines" in _message(r.text)
            r = chinese.post(path, data=_form(rid, hospital, csrf_zh, rows, filled))
            text = _message(r.text)
            assert r.status_code == 422 and f"项目：一笔结算最多 {MAX_ITEMS} 行明细" in text
            assert not re.search(r"[A-Za-z]{2,}", text), text
    assert _ledger(web_engine) == before


def test_the_window_takes_a_claim_of_as_many_rows_as_a_claim_has_lines(
    login, sample_person, hospital: str
) -> None:
    client = login("clerk", "en")
    rid = sample_person.resident_id
    csrf = csrf_of(client.get(f"/window?resident_id={rid}").text)
    for filled in (MAX_ITEMS, 1):
        r = client.post("/window/preview", data=_form(rid, hospital, csrf, MAX_ITEMS, filled))
        assert r.status_code == 200, _message(r.text)
        assert 'name="client_key"' in r.text and "item lines" not in r.text
    page = client.get(f"/window?resident_id={rid}").text
    assert f'data-max-rows="{MAX_ITEMS}"' in page  # the page adds no row beyond it


@pytest.fixture
def api(app) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    client.headers.update(basic_auth("bureau"))
    return client


def test_the_api_refuses_more_items_than_a_claim_has_lines(
    api: TestClient, sample_person, hospital: str, web_engine: Engine
) -> None:
    claim = inpatient_claim(sample_person.resident_id, hospital)
    line = {"code": "S0004", "quantity": 1, "amount": "1.00"}
    before = _ledger(web_engine)
    for path in ("/api/claims/preview", "/api/claims"):
        r = api.post(path, json={**claim, "items": [line] * (MAX_ITEMS + 1)},
                     headers={"idempotency-key": "too-many-lines"})  # fmt: skip
        assert r.status_code == 422 and r.json()["error"]["field"] == "items", r.text
    assert _ledger(web_engine) == before
    r = api.post("/api/claims/preview", json={**claim, "items": [line] * MAX_ITEMS})
    assert r.status_code == 200, r.text
