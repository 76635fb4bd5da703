"""FHIR R4 conformance, as a hospital system meets it: the real server over HTTP, driven by the
third-party ``fhirpy`` client, every answer checked against the official R4 JSON schema and
``fhirclient``'s strict models (``fhir_conformance.checking_hook``), on SQLite and PostgreSQL.

One test per point of issue 22: what settles and what only previews, what is refused and how
the refusal reads, what the answers carry, and that the CapabilityStatement lists exactly
what is served.
"""

from __future__ import annotations

import base64
import contextlib
import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import BaseFHIRError
from sqlalchemy import Engine, func, select

from safetynet.api.fhir import systems as S
from safetynet.api.fhir.outcome import HL7_OUTCOME, SAFETYNET_ERROR
from safetynet.store.db import session_scope
from safetynet.store.models import Person, Settlement
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.fhir_conformance import checked, checking_hook
from tests.web.server import running_server

HOOKS = {"hooks": {"response": [checking_hook]}}


@pytest.fixture(scope="module")
def base(app) -> Iterator[str]:
    with running_server(app) as url:
        yield url + "/fhir"


def _basic(user: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{DEMO_PASSWORD}".encode()).decode()


@pytest.fixture
def client(base: str) -> Callable[[str], SyncFHIRClient]:
    def make(user: str = "bureau") -> SyncFHIRClient:
        return SyncFHIRClient(base, authorization=_basic(user), requests_config=HOOKS)

    return make


@pytest.fixture
def his(client) -> SyncFHIRClient:
    return client("bureau")


def call(fc: SyncFHIRClient, method: str, path: str, data: Any = None, **params: Any):
    """The raw response of a fhirpy call (refusals included; the hook checked it)."""
    before = len(checked)
    with contextlib.suppress(BaseFHIRError):  # a refusal: its response is what is tested
        fc.execute(path, method=method, data=data, params=params or None)
    assert len(checked) == before + 1, "no response was checked"
    return checked[-1]


def raw(method: str, url: str, **kwargs: Any) -> requests.Response:
    """A request fhirpy would not send (other media types), checked by the same hook."""
    headers = {"authorization": _basic("bureau"), **kwargs.pop("headers", {})}
    return requests.request(method, url, headers=headers, hooks=HOOKS["hooks"], timeout=30,
                            **kwargs)  # fmt: skip


ITEMS = [("S0002", 10, "35.00"), ("D0003", 10, "18.00"), ("S0027", 2, "80.00"),
         ("M0005", 1, "2000.00")]  # fmt: skip


def claim(resident_id: str, hospital: str, use: str = "claim", **extra: Any) -> dict[str, Any]:
    """An inpatient stay with class-A, class-B and class-C (the third) items, priced per
    unit."""
    items = [
        {
            "sequence": i + 1,
            "productOrService": {"coding": [{"system": S.CATALOG_ITEM, "code": code}]},
            "quantity": {"value": qty},
            "unitPrice": {"value": float(unit), "currency": "CNY"},
            "net": {"value": round(float(unit) * qty, 2), "currency": "CNY"},
        }
        for i, (code, qty, unit) in enumerate(ITEMS)
    ]
    body = {
        "resourceType": "Claim",
        "status": "active",
        "type": {"coding": [{"system": S.CLAIM_TYPE, "code": "institutional"}]},
        "subType": {"coding": [{"system": S.CLAIM_KIND, "code": "inpatient"}]},
        "use": use,
        "patient": {"identifier": {"system": S.RESIDENT_ID, "value": resident_id}},
        "created": "2017-12-27",
        "provider": {"identifier": {"system": S.INSTITUTION, "value": hospital}},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "county scheme"}}],
        "billablePeriod": {"start": "2017-12-20", "end": "2017-12-27"},
        "diagnosis": [
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {"coding": [{"system": S.ICD10, "code": "J18.9"}]},
            }
        ],
        "item": items,
        "total": {"value": round(sum(x["net"]["value"] for x in items), 2), "currency": "CNY"},
    }
    body.update(extra)
    return body


def settlements(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count(Settlement.id))) or 0)


def issues(response: requests.Response) -> list[dict[str, Any]]:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    for issue in body["issue"]:  # every issue names its kind in a published code system
        coding = issue["details"]["coding"][0]
        assert coding["system"] in (HL7_OUTCOME, SAFETYNET_ERROR)
        assert "Value error" not in issue["diagnostics"]
        assert not issue["diagnostics"].split(":")[0].strip().isdigit()
    return body["issue"]


def expressions(response: requests.Response) -> list[str]:
    return [e for i in issues(response) for e in i.get("expression", [])]


# 1. only use: claim records and pays; the others preview, and say so


@pytest.mark.parametrize("use", ["preauthorization", "predetermination"])
def test_preauthorization_and_predetermination_record_nothing(
    his, web_engine, sample_person, hospital, use
) -> None:
    before = settlements(web_engine)
    r = call(his, "post", "Claim", claim(sample_person.resident_id, hospital, use))
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["resourceType"] == "ClaimResponse" and answer["use"] == use
    assert "id" not in answer and "nothing recorded" in answer["disposition"]
    assert settlements(web_engine) == before


def test_a_claim_is_recorded_and_says_so(his, web_engine, sample_person, hospital) -> None:
    before = settlements(web_engine)
    r = call(his, "post", "Claim", claim(sample_person.resident_id, hospital))
    assert r.status_code == 201, r.text
    assert r.json()["use"] == "claim" and r.json()["id"]
    assert settlements(web_engine) == before + 1


# 2. only active claims are settled


@pytest.mark.parametrize("status", ["cancelled", "draft", "entered-in-error"])
def test_claims_not_active_are_refused(his, web_engine, sample_person, hospital, status) -> None:
    before = settlements(web_engine)
    body = claim(sample_person.resident_id, hospital, status=status)
    r = call(his, "post", "Claim", body)
    assert r.status_code == 422
    assert expressions(r) == ["Claim.status"]
    assert settlements(web_engine) == before


# 3. CNY only; 4. totals and quantities that add up


def _usd_net(c: dict[str, Any]) -> None:
    c["item"][0]["net"]["currency"] = "USD"


def _usd_unit(c: dict[str, Any]) -> None:
    c["item"][1]["unitPrice"]["currency"] = "USD"


def _usd_total(c: dict[str, Any]) -> None:
    c["total"]["currency"] = "USD"


def _wrong_total(c: dict[str, Any]) -> None:
    c["total"]["value"] = 1.00


def _half_unit(c: dict[str, Any]) -> None:
    c["item"][0]["quantity"]["value"] = 2.5


def _net_not_price(c: dict[str, Any]) -> None:
    c["item"][3]["net"]["value"] = 1999.0
    c["total"]["value"] -= 1


@pytest.mark.parametrize(
    ("change", "where", "kind"),
    [
        (_usd_net, "Claim.item[0].net.currency", "value"),
        (_usd_unit, "Claim.item[1].unitPrice.currency", "value"),
        (_usd_total, "Claim.total.currency", "value"),
        (_wrong_total, "Claim.total", "invariant"),
        (_half_unit, "Claim.item[0].quantity.value", "value"),
        (_net_not_price, "Claim.item[3].net", "invariant"),
    ],
)
def test_money_and_quantities_that_do_not_hold_are_refused(
    his, web_engine, sample_person, hospital, change, where, kind
) -> None:
    body = claim(sample_person.resident_id, hospital)
    change(body)
    before = settlements(web_engine)
    r = call(his, "post", "Claim", body)
    assert r.status_code == 422, r.text
    assert expressions(r) == [where]
    assert issues(r)[0]["code"] == kind
    assert settlements(web_engine) == before


# 5. ICD-10 codes the diagnosis catalog does not hold, on FHIR and on the JSON API


def test_unknown_diagnosis_is_refused_on_fhir_and_json(
    his, base, web_engine, sample_person, hospital
) -> None:
    body = claim(sample_person.resident_id, hospital)
    body["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] = "Q99.99X"
    before = settlements(web_engine)
    r = call(his, "post", "Claim", body)
    assert r.status_code == 422
    assert expressions(r) == ["Claim.diagnosis[0].diagnosisCodeableConcept"]
    assert issues(r)[0]["code"] == "code-invalid"
    api = base.removesuffix("/fhir") + "/api/claims"
    json_claim = {
        "resident_id": sample_person.resident_id, "institution_code": hospital,
        "kind": "inpatient", "date": "2017-12-20", "discharge_date": "2017-12-27",
        "diagnosis": "Q99.99X", "items": [{"code": "S0002", "quantity": 1, "amount": "35.00"}],
    }  # fmt: skip
    answer = requests.post(api, json=json_claim, headers={"authorization": _basic("bureau")},
                           timeout=30)  # fmt: skip
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "diagnosis"
    assert settlements(web_engine) == before


# 6. eligibility for the period asked, purpose echoed, the request referenced


def _eligibility(patient: dict[str, Any], **when: Any) -> dict[str, Any]:
    return {
        "resourceType": "CoverageEligibilityRequest",
        "status": "active",
        "purpose": ["benefits", "validation"],
        "patient": patient,
        "created": "2017-06-01",
        "insurer": {"display": "county"},
        "identifier": [{"system": "urn:his:request", "value": "E-1"}],
        **when,
    }


def test_eligibility_answers_for_the_period_asked(his, sample_person) -> None:
    patient = {"reference": f"Patient/{sample_person.id}"}
    period = {"start": "2017-03-01", "end": "2017-04-30"}
    r = call(his, "post", "CoverageEligibilityRequest",
             _eligibility(patient, servicedPeriod=period))  # fmt: skip
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["servicedPeriod"] == period
    assert answer["purpose"] == ["benefits", "validation"]
    assert answer["insurance"][0]["benefitPeriod"] == period
    assert answer["request"]["reference"] == "#request"
    assert answer["contained"][0]["id"] == "request"
    assert answer["request"]["identifier"]["value"] == "E-1"
    later_request = _eligibility(patient, servicedDate="2030-01-01", purpose=["validation"])
    later = call(his, "post", "CoverageEligibilityRequest", later_request)
    assert later.json()["servicedDate"] == "2030-01-01"
    assert later.json()["purpose"] == ["validation"]
    assert "insurance" not in later.json()  # not enrolled in 2030: no (empty) insurance


# 8. every reference resolves (or is an identifier)


def _references(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        by_identifier = "identifier" in value and set(value) <= {"identifier", "display", "type"}
        if "reference" in value or by_identifier:
            yield value
        for v in value.values():
            yield from _references(v)
    elif isinstance(value, list):
        for v in value:
            yield from _references(v)


def _resolve_all(fc: SyncFHIRClient, resource: dict[str, Any]) -> int:
    contained = {c["id"] for c in resource.get("contained", [])}
    n = 0
    for ref in _references(resource):
        target = ref.get("reference")
        if target is None:
            assert ref["identifier"]["system"] and ref["identifier"]["value"]
        elif target.startswith("#"):
            assert target[1:] in contained
        else:
            kind, _, ident = target.partition("/")
            got = fc.reference(kind, ident).to_resource()
            assert got["resourceType"] == kind and got["id"] == ident
        n += 1
    return n


def _period(start: str, end: str) -> dict[str, Any]:
    """A billablePeriod of its own: each test that settles sends a bill of its own (the same
    bill sent again is refused as a duplicate, ``duplicate_bill``)."""
    return {"billablePeriod": {"start": start, "end": end}}


def test_every_reference_resolves(his, sample_person, hospital) -> None:
    r = call(
        his,
        "post",
        "Claim",
        claim(sample_person.resident_id, hospital, **_period("2017-12-01", "2017-12-08")),
    )
    settled = r.json()
    assert _resolve_all(his, settled) >= 4
    eob = his.reference("ExplanationOfBenefit", settled["id"]).to_resource()
    assert _resolve_all(his, eob.serialize()) >= 5
    assert eob["insurance"][0]["coverage"]["reference"].startswith("Coverage/")
    patient = {"reference": f"Patient/{sample_person.id}"}
    answer = call(his, "post", "CoverageEligibilityRequest",
                  _eligibility(patient, servicedDate="2017-05-01")).json()  # fmt: skip
    assert _resolve_all(his, answer) >= 3
    for coverage in his.resources("Coverage").search(patient=f"Patient/{sample_person.id}"):
        assert _resolve_all(his, coverage.serialize()) >= 1


# 9. the lines: itemSequence, adjudication per line, reasons, period, claim, kind


def test_claim_response_and_eob_give_every_line(his, sample_person, hospital) -> None:
    body = claim(sample_person.resident_id, hospital,
                 identifier=[{"system": S.CLAIM_NO, "value": "HIS-CONF-9"}],
                 **_period("2017-12-10", "2017-12-17"))  # fmt: skip
    cr = call(his, "post", "Claim", body).json()
    eob = his.reference("ExplanationOfBenefit", cr["id"]).to_resource().serialize()
    for answer, seq in ((cr, "itemSequence"), (eob, "sequence")):
        assert [x[seq] for x in answer["item"]] == [1, 2, 3, 4]
        benefit = 0.0
        for line in answer["item"]:
            cats = {a["category"]["coding"][0]["code"]: a for a in line["adjudication"]}
            assert {"submitted", "eligible", "benefit", "basic"} <= set(cats)
            benefit += cats["benefit"]["amount"]["value"]
            if cats["eligible"]["amount"]["value"] < cats["submitted"]["amount"]["value"]:
                assert cats["eligible"]["reason"]["coding"][0]["system"] == S.REDUCTION
        assert round(benefit, 2) == answer["payment"]["amount"]["value"]
        third = {a["category"]["coding"][0]["code"]: a for a in answer["item"][2]["adjudication"]}
        assert third["eligible"]["reason"]["coding"][0]["code"] == "not_covered"  # class C
        assert third["eligible"]["amount"]["value"] == 0
        assert answer["subType"]["coding"][0]["code"] == "inpatient"
    assert eob["billablePeriod"] == {"start": "2017-12-10", "end": "2017-12-17"}
    assert eob["claim"]["identifier"]["value"] == "HIS-CONF-9"
    assert cr["request"]["identifier"]["value"] == "HIS-CONF-9"
    again = his.reference("ClaimResponse", cr["id"]).to_resource().serialize()
    assert again["item"] == cr["item"]


# 10. search bundles


def test_search_bundles(his, base, sample_person) -> None:
    by_id = f"{S.RESIDENT_ID}|{sample_person.resident_id}"
    found = call(his, "get", "Patient", identifier=by_id).json()
    assert found["link"][0]["relation"] == "self"
    assert sample_person.resident_id in requests.utils.unquote(found["link"][0]["url"])
    entry = found["entry"][0]
    assert entry["search"]["mode"] == "match"
    assert entry["fullUrl"] == f"{base}/Patient/{sample_person.id}"
    absolute = f"{base}/Patient/{sample_person.id}"
    coverages = his.resources("Coverage").search(patient=absolute).fetch_all()
    assert coverages and all(c["beneficiary"]["reference"] == f"Patient/{sample_person.id}"
                             for c in coverages)  # fmt: skip
    none = call(his, "get", "Coverage", patient="Patient/999999")
    assert none.status_code == 200
    assert none.json()["total"] == 0 and "entry" not in none.json()
    assert "Patient%2F999999" in none.json()["link"][0]["url"]


# 11. formats


def test_formats_other_than_json_are_refused(base, sample_person) -> None:
    url = f"{base}/Patient/{sample_person.id}"
    assert raw("get", url, params={"_format": "xml"}).status_code == 406
    assert raw("get", url, headers={"accept": "application/fhir+xml"}).status_code == 406
    assert raw("get", url, params={"_format": "json"}).status_code == 200
    for media in ("application/fhir+xml", "text/plain"):
        r = raw("post", f"{base}/Claim", data=b"<Claim/>", headers={"content-type": media})
        assert r.status_code == 415
        assert issues(r)[0]["code"] == "not-supported"


# 12. OperationOutcomes that tell the hospital what to fix


def test_every_problem_at_once_with_fhirpath(his, sample_person, hospital) -> None:
    body = claim(sample_person.resident_id, hospital)
    body["item"][0]["productOrService"]["coding"][0]["code"] = "NOPE-1"
    body["item"][2]["productOrService"]["coding"][0]["code"] = "NOPE-2"
    r = call(his, "post", "Claim", body)
    assert r.status_code == 422
    assert expressions(r) == ["Claim.item[0].productOrService", "Claim.item[2].productOrService"]
    assert [i["code"] for i in issues(r)] == ["code-invalid", "code-invalid"]


@pytest.mark.parametrize(
    ("body", "status", "kind", "where"),
    [
        ({"resourceType": "Claim", "status": "active"}, 422, "required", "Claim.type"),
        ({"resourceType": "Patient"}, 422, "structure", None),
        ({"resourceType": "Claim", "bogus": 1}, 422, "structure", "Claim.bogus"),
    ],
)
def test_issue_kinds(his, body, status, kind, where) -> None:
    r = call(his, "post", "Claim", body)
    assert r.status_code == status
    found = issues(r)
    assert kind in [i["code"] for i in found]
    if where:
        assert where in expressions(r)


def test_bad_json_and_unknown_reads(his, base) -> None:
    r = raw("post", f"{base}/Claim", data=b'{"resourceType": "Claim",',
            headers={"content-type": "application/fhir+json"})  # fmt: skip
    assert r.status_code == 400
    assert issues(r)[0]["code"] == "structure"
    json_object = {"system": HL7_OUTCOME, "code": "MSG_JSON_OBJECT"}
    assert issues(r)[0]["details"]["coding"][0] == json_object
    missing = call(his, "get", "Patient/99999999")
    assert missing.status_code == 404 and issues(missing)[0]["code"] == "not-found"
    assert issues(missing)[0]["details"]["coding"][0]["code"] == "MSG_NO_EXIST"


# 13. the same input handled the same way everywhere


def _bad_check_digit(resident_id: str) -> str:
    last = resident_id[-1]
    return resident_id[:-1] + ("0" if last != "0" else "1")


def test_same_input_same_answer_on_claim_and_eligibility(
    his, web_engine, sample_person, hospital
) -> None:
    wrong = _bad_check_digit(sample_person.resident_id)
    ident = {"identifier": {"system": S.RESIDENT_ID, "value": wrong}}
    on_claim = call(his, "post", "Claim", claim(wrong, hospital))
    on_elig = call(his, "post", "CoverageEligibilityRequest",
                   _eligibility(ident, servicedDate="2017-05-01"))  # fmt: skip
    assert on_claim.status_code == on_elig.status_code == 422
    assert issues(on_claim)[0]["code"] == issues(on_elig)[0]["code"] == "value"
    by_ref = {"reference": f"Patient/{sample_person.id}"}
    preview = call(his, "post", "Claim",
                   claim("", hospital, "predetermination", patient=by_ref,
                         **_period("2017-11-20", "2017-11-27")))  # fmt: skip
    assert preview.status_code == 200, preview.text
    assert preview.json()["patient"] == by_ref
    elig = call(his, "post", "CoverageEligibilityRequest",
                _eligibility(by_ref, servicedDate="2017-05-01"))  # fmt: skip
    assert elig.status_code == 200
    with session_scope(web_engine) as s:
        assert s.get(Person, sample_person.id) is not None


# 14. 401 with WWW-Authenticate; a role that may not settle gets 403 before any 422


def test_login_and_permission_come_before_the_body(client, base) -> None:
    anonymous = SyncFHIRClient(base, requests_config=HOOKS)
    r = call(anonymous, "get", "Patient/1")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    assert issues(r)[0]["code"] == "login"
    invalid = {"resourceType": "Claim", "status": "nonsense"}
    assert call(anonymous, "post", "Claim", invalid).status_code == 401
    reviewer = call(client("reviewer"), "post", "Claim", invalid)
    assert reviewer.status_code == 403
    assert issues(reviewer)[0]["code"] == "forbidden"


# the CapabilityStatement lists exactly what is served


INTERACTIONS = ["read", "search-type", "create", "update", "delete"]


def _try(fc: SyncFHIRClient, kind: str, interaction: str, ids: dict[str, str], body: Any):
    ident = ids.get(kind, "1")
    if interaction == "read":
        return call(fc, "get", f"{kind}/{ident}")
    if interaction == "search-type":
        params = {"Patient": {"identifier": "x"}, "Coverage": {"patient": "Patient/1"}}
        return call(fc, "get", kind, **params.get(kind, {}))
    if interaction == "create":
        return call(fc, "post", kind, body.get(kind, {"resourceType": kind}))
    if interaction == "update":
        return call(fc, "put", f"{kind}/{ident}", {"resourceType": kind, "id": ident})
    return call(fc, "delete", f"{kind}/{ident}")


def test_capability_statement_lists_exactly_what_is_served(his, sample_person, hospital) -> None:
    cs = call(his, "get", "metadata").json()
    listed = {(r["type"], i["code"]) for r in cs["rest"][0]["resource"] for i in r["interaction"]}
    cr = call(
        his,
        "post",
        "Claim",
        claim(sample_person.resident_id, hospital, **_period("2017-11-01", "2017-11-08")),
    ).json()
    ids = {"Patient": str(sample_person.id), "Coverage": f"{sample_person.id}-2017",
           "ClaimResponse": cr["id"], "ExplanationOfBenefit": cr["id"]}  # fmt: skip
    bodies = {
        "Claim": claim(
            sample_person.resident_id,
            hospital,
            "predetermination",
            **_period("2017-11-10", "2017-11-17"),
        ),
        "CoverageEligibilityRequest": _eligibility(
            {"reference": f"Patient/{sample_person.id}"}, servicedDate="2017-05-01"
        ),
    }
    types = sorted({t for t, _ in listed} | {"Observation", "Organization", "Claim"})
    for kind in types:
        for interaction in INTERACTIONS:
            r = _try(his, kind, interaction, ids, copy.deepcopy(bodies))
            if (kind, interaction) in listed:
                assert r.status_code in (200, 201), (kind, interaction, r.text)
            else:
                assert r.status_code in (404, 405), (kind, interaction, r.status_code)
                assert issues(r)[0]["code"] == "not-supported", (kind, interaction, r.text)


# a Claim made against a Coverage that is not the patient's for the claim's year


@pytest.mark.parametrize(
    ("coverage", "refused"),
    [
        (lambda p, base: f"Coverage/{p}-2016", True),  # the year before the claim's
        (lambda p, base: f"Coverage/{p}-2018", True),  # the year after
        (lambda p, base: f"Coverage/{p + 1}-2017", True),  # another person's
        (lambda p, base: "Coverage/no-such", True),
        (lambda p, base: f"Coverage/{p}-2017", False),
        (lambda p, base: f"{base}/Coverage/{p}-2017", False),  # absolute, this server
        (lambda p, base: f"{base}/Coverage/{p}-2016", True),
    ],
)
def test_a_claim_against_another_coverage_is_refused(
    his, base, web_engine, sample_person, hospital, coverage, refused
) -> None:
    reference = coverage(sample_person.id, base)
    body = claim(
        sample_person.resident_id,
        hospital,
        use="predetermination",
        **_period("2017-10-01", "2017-10-08"),
    )
    body["insurance"] = [{"sequence": 1, "focal": True, "coverage": {"reference": reference}}]
    r = call(his, "post", "Claim", body)
    if not refused:
        assert r.status_code == 200, r.text
        return
    assert r.status_code == 422, r.text
    assert expressions(r) == ["Claim.insurance[0].coverage"]
    assert issues(r)[0]["code"] == "business-rule"
    before = settlements(web_engine)
    body["use"] = "claim"
    r = call(his, "post", "Claim", body)
    assert r.status_code == 422, r.text
    assert settlements(web_engine) == before


def test_a_refused_date_reads_as_the_hospital_wrote_it(his, sample_person, hospital) -> None:
    """The diagnostics name the date as in the Claim (2017-12-19), never Python's
    ``datetime.date(2017, 12, 19)``."""
    body = claim(sample_person.resident_id, hospital, use="predetermination")
    body["billablePeriod"] = {"start": "2017-12-20", "end": "2017-12-19"}
    r = call(his, "post", "Claim", body)
    assert r.status_code == 422, r.text
    [issue] = issues(r)
    assert issue["expression"] == ["Claim.billablePeriod.end"]
    assert "2017-12-19" in issue["diagnostics"]
    assert "datetime" not in issue["diagnostics"] and "Decimal" not in issue["diagnostics"]


@pytest.mark.parametrize("same", [True, False])
def test_a_patient_named_twice_must_be_one_person(
    his, base, web_engine, sample_person, hospital, same
) -> None:
    """A Claim (or an eligibility request) naming its patient by identifier and by reference
    is settled only when both name the same person: otherwise which one would be paid?"""
    other = sample_person.id if same else sample_person.id + 1
    patient = {
        "reference": f"Patient/{other}",
        "identifier": {"system": S.RESIDENT_ID, "value": sample_person.resident_id},
    }
    body = claim(
        sample_person.resident_id, hospital, patient=patient, **_period("2017-10-10", "2017-10-17")
    )
    before = settlements(web_engine)
    r = call(his, "post", "Claim", body)
    if same:
        assert r.status_code == 201, r.text
        assert settlements(web_engine) == before + 1
        return
    assert r.status_code == 422, r.text
    assert expressions(r) == ["Claim.patient.reference"]
    assert settlements(web_engine) == before
    asked = {"resourceType": "CoverageEligibilityRequest", "status": "active",
             "purpose": ["validation"], "created": "2017-12-20", "servicedDate": "2017-12-20",
             "patient": patient, "insurer": {"display": "county"}}  # fmt: skip
    r = call(his, "post", "CoverageEligibilityRequest", asked)
    assert r.status_code == 422, r.text
    assert expressions(r) == ["CoverageEligibilityRequest.patient.reference"]
