"""The JSON API's and FHIR's errors in the request's language: with ``Accept-Language: zh-CN``
(or a session whose language is Chinese) the message — an OperationOutcome issue's
``details.text`` and ``diagnostics`` — is the catalog's Chinese sentence, naming a field by
its Chinese name; the ``code``, ``field`` and FHIR ``expression``/``coding`` are the same in
both languages; a client that asks for no language reads English as before. Every code the
API can answer with has a sentence translated into Chinese."""

from __future__ import annotations

import pathlib
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from safetynet.api.fhir import systems as S
from safetynet.web.api_text import API_CODES, api_locale, api_text, fhir_name, sentence_of
from safetynet.web.i18n import translations
from safetynet.web.messages import VALIDATION_CODES
from tests.web.conftest import basic_auth, inpatient_claim

ZH = {"accept-language": "zh-CN,zh;q=0.9"}
EN = {"accept-language": "en-US"}
ROOT = pathlib.Path(__file__).resolve().parents[2]


def chinese(text: str, *typed: str) -> None:
    """A sentence in Chinese: no ASCII letter but in what the client typed (``typed``)."""
    rest = text
    for t in typed:
        rest = rest.replace(t, "")
    assert rest.strip() and not re.search(r"[A-Za-z]", rest), text
    assert re.search(r"[\u4e00-\u9fff]", rest), text


@pytest.fixture
def api(app) -> TestClient:
    client = TestClient(app)
    client.headers.update(basic_auth("bureau"))
    return client


def _both(send: Any) -> tuple[Any, Any]:
    """The same request answered in English (as before: no language asked) and Chinese."""
    en, zh = send({}), send(ZH)
    assert en.status_code == zh.status_code, (en.text, zh.text)
    return en, zh


def _same_but_message(en: Any, zh: Any, *typed: str) -> dict[str, Any]:
    e, z = en.json()["error"], zh.json()["error"]
    assert (e["code"], e["field"]) == (z["code"], z["field"])
    assert e["message"] != z["message"]
    assert not re.search(r"[\u4e00-\u9fff]", e["message"]), e["message"]
    chinese(z["message"], *typed)
    assert all(t in z["message"] for t in typed), z["message"]  # what the client sent, quoted
    return z


BAD = [
    ("negative amount", {"items": [{"code": "S0001", "amount": "-5"}]}, 422, "invalid", ()),
    (
        "unknown item",
        {"items": [{"code": "ZZ9999", "amount": "5"}]},
        422,
        "item_unknown",
        ("ZZ9999",),
    ),
    ("unknown institution", {"institution_code": "NOPE"}, 404, "institution_unknown", ()),
    ("bad check digit", {"resident_id": "34182119720421001X"}, 422, "resident_id_invalid", ()),
    ("unknown person", {"resident_id": "110101199003074514"}, 404, "person_unknown", ()),
    ("outside enrollment", {"date": "2019-03-01", "discharge_date": "2019-03-05"}, 422, None, ()),
    ("no items", {"items": []}, 422, "invalid", ()),
    ("discharge first", {"discharge_date": "2017-12-01"}, 422, "invalid", ()),
    ("unknown field", {"colour": "red"}, 422, "invalid", ("colour",)),
]


@pytest.mark.parametrize(
    ("what", "change", "status", "code", "typed"), BAD, ids=[b[0] for b in BAD]
)
def test_settlement_refusals_in_chinese(
    api, sample_person, hospital, what, change, status, code, typed
) -> None:
    claim = {**inpatient_claim(sample_person.resident_id, hospital), **change}
    en, zh = _both(lambda h: api.post("/api/claims", json=claim, headers=h))
    assert en.status_code == status, en.text
    error = _same_but_message(en, zh, *typed)
    if code:
        assert error["code"] == code


def test_a_validation_error_names_the_field_in_chinese(api, sample_person, hospital) -> None:
    claim = inpatient_claim(sample_person.resident_id, hospital)
    claim["items"][1]["amount"] = "-5"
    en, zh = _both(lambda h: api.post("/api/claims", json=claim, headers=h))
    error = _same_but_message(en, zh)
    assert error["code"] == "invalid" and error["field"] == "items.1.amount"
    assert "金额" in error["message"] and "2" in error["message"], error["message"]
    assert "amount" not in error["message"]


def test_a_body_that_does_not_parse_and_a_key_twice(api) -> None:
    for body, code, typed in (
        (b"{not json", "invalid", ()),
        (b'{"kind": "inpatient", "kind": "x"}', "duplicate_key", ("kind",)),
    ):
        en, zh = _both(
            lambda h, b=body: api.post(
                "/api/claims", content=b, headers={**h, "content-type": "application/json"}
            )
        )
        assert _same_but_message(en, zh, *typed)["code"] == code


def test_a_forbidden_role_login_and_unknown_routes(app, api, sample_person, hospital) -> None:
    claim = inpatient_claim(sample_person.resident_id, hospital)
    client = TestClient(app)
    en, zh = _both(
        lambda h: client.post(
            "/api/claims/preview", json=claim, headers={**basic_auth("analyst"), **h}
        )
    )
    assert en.status_code == 403
    assert _same_but_message(en, zh)["code"] == "forbidden"
    en, zh = _both(lambda h: client.get("/api/me", headers=h))
    assert en.status_code == 401 and _same_but_message(en, zh)["code"] == "login_required"
    en, zh = _both(lambda h: api.get("/api/no-such-thing", headers=h))
    assert en.status_code == 404 and _same_but_message(en, zh)["code"] == "not_found"
    en, zh = _both(lambda h: api.delete("/api/health", headers=h))
    assert en.status_code == 405 and _same_but_message(en, zh)["code"] == "method_not_allowed"
    en, zh = _both(lambda h: api.get("/api/settlements/999999999", headers=h))
    assert en.status_code == 404 and _same_but_message(en, zh)["code"] == "settlement_unknown"
    en, zh = _both(lambda h: api.get("/api/review/cases/999999999", headers=h))
    assert en.status_code == 404 and _same_but_message(en, zh)["code"] == "case_unknown"
    decision = {"decision": "approved", "version": 1}
    en, zh = _both(lambda h: api.post("/api/review/lines/999999999", json=decision, headers=h))
    assert en.status_code in (403, 404) and _same_but_message(en, zh)["code"] in (
        "line_unknown",
        "forbidden",
    )


def test_an_idempotency_conflict(api, sample_person, hospital) -> None:
    claim = inpatient_claim(sample_person.resident_id, hospital, day="2017-10-05")
    claim["discharge_date"] = "2017-10-09"
    first = api.post("/api/claims", json=claim, headers={"idempotency-key": "zh-key-0001"})
    assert first.status_code == 201, first.text
    other = {**claim, "date": "2017-10-06"}
    en, zh = _both(
        lambda h: api.post(
            "/api/claims", json=other, headers={**h, "idempotency-key": "zh-key-0001"}
        )
    )
    assert en.status_code == 409
    assert _same_but_message(en, zh)["code"] == "client_key_reused"


def test_the_language_is_the_sessions_else_accept_language_else_english(app, login) -> None:
    plain = TestClient(app).get("/api/me")
    assert plain.json()["error"]["message"] == "log in or send HTTP Basic credentials"
    assert TestClient(app).get("/api/me", headers=EN).json()["error"]["message"] == (
        "log in or send HTTP Basic credentials"
    )
    assert (
        TestClient(app).get("/api/me", headers={"accept-language": "fr"}).json()["error"]["message"]
        == "log in or send HTTP Basic credentials"
    )
    # a browser session: the language of the session (Chinese by default, English if picked)
    chinese(login("clerk").get("/api/no-such-thing", headers=EN).json()["error"]["message"])
    english = login("clerk", "en").get("/api/no-such-thing", headers=ZH).json()["error"]
    assert not re.search(r"[\u4e00-\u9fff]", english["message"])
    assert api_locale({"headers": [(b"accept-language", b"en;q=1, zh;q=0.5")]}) == "en"
    assert api_locale({"headers": []}) == "en"
    assert api_locale({"headers": [], "session": {"locale": "zh_Hans"}}) == "zh_Hans"


def _fhir_claim(resident_id: str, hospital: str) -> dict[str, Any]:
    return {
        "resourceType": "Claim",
        "status": "active",
        "use": "claim",
        "type": {"coding": [{"system": S.CLAIM_TYPE, "code": "institutional"}]},
        "patient": {"identifier": {"system": S.RESIDENT_ID, "value": resident_id}},
        "created": "2017-10-20",
        "priority": {"coding": [{"code": "normal"}]},
        "provider": {"identifier": {"system": S.INSTITUTION, "value": hospital}},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "NCMS"}}],
        "billablePeriod": {"start": "2017-10-12", "end": "2017-10-19"},
        "diagnosis": [
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {"coding": [{"system": S.ICD10, "code": "I63.9"}]},
            }
        ],
        "item": [
            {
                "sequence": 1,
                "productOrService": {"coding": [{"system": S.CATALOG_ITEM, "code": "S0002"}]},
                "quantity": {"value": 7},
                "net": {"value": 245.0, "currency": "CNY"},
            }
        ],
    }


def _fhir_bad(person: str, hospital: str) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
    good = _fhir_claim(person, hospital)
    item = good["item"][0]
    return [
        ("not a claim", {"resourceType": "Patient"}, ()),
        ("status", {**good, "status": "nonsense"}, ()),
        ("partial date", {**good, "billablePeriod": {"start": "2017-12", "end": "2017-12-19"}}, ()),
        ("unknown element", {**good, "colour": "red"}, ("colour",)),
        (
            "currency and quantity",
            {
                **good,
                "item": [
                    {**item, "quantity": {"value": 1.5}, "net": {"value": 5, "currency": "USD"}}
                ],
            },
            (),
        ),
        (
            "unknown item",
            {
                **good,
                "item": [
                    {
                        **item,
                        "productOrService": {
                            "coding": [{"system": S.CATALOG_ITEM, "code": "ZZ9999"}]
                        },
                    }
                ],
            },
            ("ZZ9999",),
        ),
        ("total", {**good, "total": {"value": 1, "currency": "CNY"}}, ()),
        (
            "unknown person",
            {
                **good,
                "patient": {"identifier": {"system": S.RESIDENT_ID, "value": "110101199003074514"}},
            },
            (),
        ),
    ]


def test_fhir_claim_refusals_are_chinese_operation_outcomes(api, sample_person, hospital) -> None:
    for what, body, typed in _fhir_bad(sample_person.resident_id, hospital):
        en, zh = _both(lambda h, b=body: api.post("/fhir/Claim", json=b, headers=h))
        assert en.status_code >= 400, (what, en.text)
        e, z = en.json()["issue"], zh.json()["issue"]
        assert len(e) == len(z), what
        for ie, iz in zip(e, z, strict=True):
            assert (ie["code"], ie["details"]["coding"], ie.get("expression")) == (
                iz["code"],
                iz["details"]["coding"],
                iz.get("expression"),
            ), what
            assert iz["details"]["text"] == iz["diagnostics"] != ie["diagnostics"], what
            chinese(iz["diagnostics"], *typed)
        assert all(any(t in i["diagnostics"] for i in z) for t in typed), (what, z)


def test_fhir_interaction_errors_in_chinese(api) -> None:
    for path in (
        "/fhir/Nothing",
        "/fhir/Patient/99999999",
        "/fhir/Coverage",
        "/fhir/Patient?_count=abc",
    ):
        en, zh = _both(lambda h, p=path: api.get(p, headers=h))
        assert en.status_code >= 400, en.text
        ie, iz = en.json()["issue"][0], zh.json()["issue"][0]
        assert ie["details"]["coding"] == iz["details"]["coding"]
        chinese(iz["diagnostics"])
    r = TestClient(api.app).get("/fhir/Patient", headers=ZH)
    assert r.status_code == 401
    chinese(r.json()["issue"][0]["diagnostics"])


# every module whose errors an API or FHIR route answers with
SOURCES = [
    "safetynet/web/*.py",
    "safetynet/web/routes/api.py",
    "safetynet/web/routes/fhir.py",
    "safetynet/web/routes/review_api.py",
    "safetynet/api/**/*.py",
    "safetynet/settlement/**/*.py",
    "safetynet/review/**/*.py",
    "safetynet/supervision/window.py",
]
_RAISED = re.compile(
    r"\b(?:\w*Error|Issue|_answer|json_error)\(\s*(?:request,\s*)?(?:\d+,\s*)?"
    r'"([a-z][a-z0-9_]*)"'
)


def _codes() -> set[str]:
    found: set[str] = set()
    for pattern in SOURCES:
        for path in ROOT.glob(pattern):
            found |= set(_RAISED.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_code_the_api_answers_with_has_a_chinese_sentence() -> None:
    codes = _codes()
    assert {
        "forbidden",
        "client_key_reused",
        "person_unknown",
        "required",
        "net_mismatch",
        "login_required",
        "appeal_late",
    } <= codes  # the walk sees them
    zh = translations("zh_Hans")
    for code in sorted(codes - VALIDATION_CODES):
        sentence = sentence_of(code)
        assert sentence, f"no sentence for the error code {code}"
        assert zh.gettext(sentence) != sentence, f"{code}: {sentence!r} is not translated"
        for fhir in (False, True):
            text = api_text(
                422,
                code,
                "a message 'X1' of 12345",
                "items.0.amount",
                "zh_Hans",
                role="bureau",
                fhir=fhir,
            )
            # an element the resource does not have is quoted as the client wrote it
            chinese(text, "X1", "'", *(["amount"] if code == "unknown_element" else []))


def test_api_sentences_are_whole_sentences_with_placeholders() -> None:
    zh = translations("zh_Hans")
    for code, sentence in API_CODES.items():
        ids = set(re.findall(r"%\((\w+)\)s", sentence))
        assert ids == set(re.findall(r"%\((\w+)\)s", zh.gettext(sentence))), code
    assert fhir_name(
        "Claim.item[1].productOrService", zh.gettext
    ) == "理赔申请：项目 第2行：项目编码" or (
        "第2行" in fhir_name("Claim.item[1].productOrService", zh.gettext)
    )
    # an unknown code still never answers in English
    chinese(api_text(409, "no_such_code", "some English", None, "zh_Hans"))
    assert api_text(409, "no_such_code", "some English", None, "en") == "some English"


def _fields(model: Any, seen: set[Any]) -> set[str]:
    """Every field name of a request model and of the models inside it."""
    from typing import get_args

    from pydantic import BaseModel

    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, f in model.model_fields.items():
        names.add(f.alias or name)
        for a in (f.annotation, *get_args(f.annotation)):
            for b in (a, *get_args(a)):
                if isinstance(b, type) and issubclass(b, BaseModel):
                    names |= _fields(b, seen)
    return names


def test_every_field_of_the_apis_requests_has_a_chinese_name() -> None:
    """A validation error names the field by its Chinese name: every field of the API's
    request bodies has one (a name without one would be left out of the sentence)."""
    from safetynet.settlement.submission import ClaimSubmission
    from safetynet.web.messages import FIELDS
    from safetynet.web.routes.api import RefundRequest
    from safetynet.web.routes.review_api import Decision

    zh = translations("zh_Hans")
    seen: set[Any] = set()
    names = set().union(*(_fields(m, seen) for m in (ClaimSubmission, RefundRequest, Decision)))
    assert {"resident_id", "items", "amount", "deduct_fen", "reason"} <= names
    for name in sorted(names):
        assert name in FIELDS, f"the API's field {name} has no name for people"
        chinese(zh.gettext(FIELDS[name]), "ICD-10")
