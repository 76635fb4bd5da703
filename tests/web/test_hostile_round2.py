"""Hostile and odd input, round two: a blank ``Idempotency-Key`` is refused on ``/api`` and
``/fhir`` alike (never read as no key), the accumulators' ``year`` filter and its bounds."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from safetynet.codes import FIRST_YEAR, LAST_YEAR
from safetynet.store.db import session_scope
from safetynet.store.models import Settlement
from tests.web.conftest import basic_auth, inpatient_claim
from tests.web.test_fhir_http import _claim as fhir_claim


@pytest.fixture
def api(app) -> TestClient:
    client = TestClient(app)
    client.headers.update(basic_auth("bureau"))
    return client


def _settlements(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Settlement)) or 0


@pytest.mark.parametrize("key", ["", " ", "   ", "\t", "a\u200bb", "key\u202e1"])
def test_a_blank_or_hidden_idempotency_key_is_refused_on_the_api(
    api, web_engine, sample_person, hospital, key: str
) -> None:
    before = _settlements(web_engine)
    claim = inpatient_claim(sample_person.resident_id, hospital, day="2017-11-20")
    r = api.post("/api/claims", json=claim, headers={"idempotency-key": key.encode()})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]["field"].endswith("idempotency-key")
    assert _settlements(web_engine) == before


@pytest.mark.parametrize("key", ["", "  "])
def test_a_blank_idempotency_key_is_refused_on_fhir(
    api, web_engine, sample_person, hospital, key: str
) -> None:
    before = _settlements(web_engine)
    body = fhir_claim(sample_person.resident_id, hospital)
    r = api.post("/fhir/Claim", json=body, headers={"idempotency-key": key})
    assert r.status_code == 400, r.text
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "idempotency-key" in outcome["issue"][0]["diagnostics"]
    assert _settlements(web_engine) == before


def test_a_blank_idempotency_key_reads_in_chinese() -> None:
    from safetynet.web.i18n import translations
    from safetynet.web.messages import validation_text

    zh = translations("zh_Hans").gettext
    text = validation_text(
        "header.idempotency-key: Value error, is blank: send a key", "header.idempotency-key", zh
    )
    assert "幂等键" in text and not any(c.isascii() and c.isalpha() for c in text), text


def test_a_key_of_visible_characters_still_settles_once(
    api, web_engine, sample_person, hospital
) -> None:
    claim = inpatient_claim(sample_person.resident_id, hospital, day="2017-11-21")
    first = api.post("/api/claims", json=claim, headers={"idempotency-key": " round2-key "})
    again = api.post("/api/claims", json=claim, headers={"idempotency-key": "round2-key"})
    assert first.status_code == 201, first.text
    assert again.status_code == 200 and again.json()["replayed"] is True


def test_accumulators_of_one_year(api, sample_person) -> None:
    rid = sample_person.resident_id
    every = api.get(f"/api/persons/{rid}/accumulators").json()["years"]
    assert {y["year"] for y in every} == {2017}
    one = api.get(f"/api/persons/{rid}/accumulators", params={"year": 2017}).json()["years"]
    assert one == every
    none = api.get(f"/api/persons/{rid}/accumulators", params={"year": 2018}).json()
    assert none["years"] == []
    assert api.get(f"/api/persons/{rid}/accumulators?year={FIRST_YEAR}").status_code == 200
    assert api.get(f"/api/persons/{rid}/accumulators?year={LAST_YEAR}").status_code == 200


@pytest.mark.parametrize(
    "year", [str(FIRST_YEAR - 1), str(LAST_YEAR + 1), "-1", "99999999999999999999", "2017.5",
             "abc", ""],
)  # fmt: skip
def test_accumulators_year_out_of_bounds_is_422_naming_it(api, sample_person, year) -> None:
    r = api.get(f"/api/persons/{sample_person.resident_id}/accumulators?year={year}")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "year"


@pytest.mark.parametrize("typed", [" j18.9", "j18.9 ", "J18.9", " J18.9\t"])
def test_a_diagnosis_is_stored_in_one_spelling(
    api, web_engine, sample_person, hospital, typed: str
) -> None:
    from safetynet.store.models import Claim

    claim = {**inpatient_claim(sample_person.resident_id, hospital, day="2017-11-22"),
             "diagnosis": typed, "claim_no": f"DX-{typed.encode().hex()}"}  # fmt: skip
    preview = api.post("/api/claims/preview", json=claim)
    assert preview.status_code == 200, preview.text
    r = api.post("/api/claims", json=claim)
    assert r.status_code == 201, r.text
    sid = r.json()["settlement_id"]
    with session_scope(web_engine) as s:
        stored = s.scalar(
            select(Claim.diagnosis_code).join(Settlement, Settlement.claim_id == Claim.id)
            .where(Settlement.id == sid)
        )  # fmt: skip
    assert stored == "J18.9"
    api.post(f"/api/settlements/{sid}/refund", json={"reason": "test of the spelling"})


def test_a_diagnosis_of_spaces_is_none_and_one_with_a_space_inside_is_refused(
    api, sample_person, hospital
) -> None:
    claim = inpatient_claim(sample_person.resident_id, hospital, day="2017-11-22")
    assert api.post("/api/claims/preview", json={**claim, "diagnosis": "  "}).status_code == 200
    r = api.post("/api/claims/preview", json={**claim, "diagnosis": "J18 .9"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "diagnosis_unknown"


def _zero(claim: dict) -> dict:  # type: ignore[type-arg]
    return {**claim, "items": [{**i, "amount": "0.00"} for i in claim["items"]]}


@pytest.mark.parametrize("path", ["/api/claims/preview", "/api/claims"])
def test_a_bill_of_nothing_is_refused_naming_the_items(
    api, web_engine, sample_person, hospital, path: str
) -> None:
    before = _settlements(web_engine)
    claim = inpatient_claim(sample_person.resident_id, hospital, day="2017-11-23")
    for body in (_zero(claim), {**claim, "items": []}):
        r = api.post(path, json=body, headers={"idempotency-key": f"zero-{len(body['items'])}"})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == "items"
    assert _settlements(web_engine) == before
    one_free = {**claim, "items": [{**claim["items"][0], "amount": "0"}, *claim["items"][1:]]}
    assert api.post("/api/claims/preview", json=one_free).status_code == 200


def test_a_fhir_claim_of_nothing_is_refused(api, web_engine, sample_person, hospital) -> None:
    before = _settlements(web_engine)
    for use in ("claim", "preauthorization"):
        body = fhir_claim(sample_person.resident_id, hospital, use=use)
        for item in body["item"]:
            item["net"]["value"] = 0
        r = api.post("/fhir/Claim", json=body)
        assert r.status_code == 422, r.text
        issue = r.json()["issue"][0]
        assert issue["expression"] == ["Claim.item"] and "nothing to settle" in issue["diagnostics"]
    assert _settlements(web_engine) == before


def test_nothing_to_settle_reads_in_chinese() -> None:
    from safetynet.web.i18n import translations
    from safetynet.web.messages import error_text

    zh = translations("zh_Hans").gettext
    text = error_text("invalid", "items: Value error, are all 0.00 yuan: there is nothing to "
                      "settle", "items", zh)  # fmt: skip
    assert "没有可结算" in text, text


HIDDEN = ["\u202e", "\u200d", "\u200b", "\x85", "\x07", "\t", "\ufeff"]  # a finding may
# hold line breaks (a note of lines), nothing else of these


@pytest.mark.parametrize("character", HIDDEN)
def test_a_sanctions_finding_with_a_hidden_character_is_refused_naming_it(
    login, web_engine, character: str
) -> None:
    from safetynet.store.models import SanctionCase
    from tests.web.test_review_hostile import _count, _party, _post

    bureau = login("bureau", "en")
    institution, _ = _party(web_engine)
    before = _count(web_engine, SanctionCase)
    r = _post(bureau, "/review/sanctions", "/review/sanctions", {
        "article": "38", "finding": f"duplicate{character} charges", "loss": "100.00",
        "multiple": "2", "institution": institution})  # fmt: skip
    assert r.status_code == 422, r.text[:300]
    assert "control or invisible character" in r.text
    assert _count(web_engine, SanctionCase) == before


def test_a_hidden_character_in_a_form_reads_in_chinese(login, web_engine) -> None:
    from tests.web.test_review_hostile import _party, _post

    bureau = login("bureau")  # Chinese
    institution, _ = _party(web_engine)
    r = _post(bureau, "/review/sanctions", "/review/sanctions", {
        "article": "38", "finding": "重复\u202e收费", "loss": "100.00", "multiple": "2",
        "institution": institution})  # fmt: skip
    assert r.status_code == 422
    assert "含有控制字符或不可见字符" in r.text and "invisible" not in r.text
