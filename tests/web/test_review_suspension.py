"""A suspension refused at the window and through the API (the real app over HTTP): the
clerk reads the reason and the end date in their language; the API answers 403 with it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from safetynet.review import sanctions
from safetynet.store.db import session_scope
from safetynet.store.models import Person
from tests.web.conftest import basic_auth, csrf_of, inpatient_claim
from tests.web.test_window import _form


def test_a_suspended_person_is_refused_at_the_window_and_the_api(
    login, app, sample_person: Person, hospital: str, web_engine: Engine
) -> None:
    from fastapi.testclient import TestClient

    with session_scope(web_engine) as s:
        sanctions.suspend_person(
            s, person_id=sample_person.id, article=41, months=3, valid_from=date(2017, 12, 1),
            reason="出借医保卡", by="inspector",
        )  # fmt: skip
    rid = sample_person.resident_id
    for locale, says in (
        ("en", "suspended until 2018-02-28 (Decree No. 735, article 41): 出借医保卡"),
        ("zh_Hans", "2018-02-28"),
    ):
        client = login("clerk", locale)
        page = client.get(f"/window?resident_id={rid}")
        refused = client.post("/window/preview", data=_form(rid, hospital, csrf_of(page.text)))
        assert refused.status_code == 403
        assert says in refused.text and "出借医保卡" in refused.text
        if locale == "zh_Hans":
            assert "暂停" in refused.text and "第41条" in refused.text
            assert "suspended" not in refused.text
    api = TestClient(app)
    api.headers.update(basic_auth("bureau"))
    claim = inpatient_claim(rid, hospital)
    for url in ("/api/claims/preview", "/api/claims"):
        r = api.post(url, json=claim)
        assert r.status_code == 403, r.text
        body = r.json()
        assert "person_suspended" in r.text and "through 2018-02-28" in r.text, body
