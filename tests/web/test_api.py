"""The JSON API over HTTP: lookups, preview, idempotent submission, refund, and bad input
answered with a 4xx JSON error that changes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Settlement
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import basic_auth, inpatient_claim


@pytest.fixture
def api(app) -> TestClient:
    client = TestClient(app)
    client.headers.update(basic_auth("bureau"))
    return client


def _ledger_size(engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Settlement)) or 0,
            s.scalar(select(func.count()).select_from(Claim)) or 0,
        )


def test_health_needs_no_login(app) -> None:
    r = TestClient(app).get("/api/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_person_lookup_coverage_and_accumulators(api, sample_person) -> None:
    rid = sample_person.resident_id
    found = api.get("/api/persons", params={"q": rid}).json()["persons"]
    assert [p["resident_id"] for p in found] == [rid]
    person = api.get(f"/api/persons/{rid}").json()
    assert person["name"] == sample_person.name
    assert any(m["resident_id"] == rid for m in person["household"])
    cov = api.get(f"/api/persons/{rid}/coverage", params={"on": "2017-06-30"}).json()
    assert cov["enrolled"] is True and cov["policy_id"] == "anhui-poor-2017"
    accs = api.get(f"/api/persons/{rid}/accumulators").json()
    assert accs["years"] and accs["years"][0]["year"] == 2017


def test_preview_writes_nothing_and_submit_pays_once(api, sample_person, hospital, web_engine):
    claim = inpatient_claim(sample_person.resident_id, hospital, day="2017-11-02")
    claim["discharge_date"] = "2017-11-09"
    before = _ledger_size(web_engine)
    preview = api.post("/api/claims/preview", json=claim)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (
        body["paid_fen"] + body["out_of_pocket_fen"] + body["institution_borne_fen"]
        == (body["total_fen"])
    )
    assert _ledger_size(web_engine) == before

    first = api.post("/api/claims", json=claim, headers={"idempotency-key": "his-0001"})
    retry = api.post("/api/claims", json=claim, headers={"idempotency-key": "his-0001"})
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.json()["replayed"] is True
    assert retry.json()["settlement_id"] == first.json()["settlement_id"]
    assert first.json()["paid_fen"] == body["paid_fen"]  # the preview said so
    assert _ledger_size(web_engine) == (before[0] + 1, before[1] + 1)

    other = {**claim, "date": "2017-11-03"}
    reused = api.post("/api/claims", json=other, headers={"idempotency-key": "his-0001"})
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "client_key_reused"

    sid = first.json()["settlement_id"]
    got = api.get(f"/api/settlements/{sid}").json()
    assert got["paid_fen"] == first.json()["paid_fen"]
    refund = api.post(f"/api/settlements/{sid}/refund", json={"reason": "duplicate bill"})
    assert refund.status_code == 200
    assert refund.json()["paid_fen"] == -first.json()["paid_fen"]
    assert _ledger_size(web_engine) == (before[0] + 2, before[1] + 1)


BAD = [
    ("malformed JSON", b"{not json", 422, "invalid"),
    ("a key twice", b'{"kind": "inpatient", "kind": "outpatient"}', 422, "duplicate_key"),
    ("negative amount", {"items": [{"code": "S0001", "amount": "-5"}]}, 422, "invalid"),
    ("unknown item", {"items": [{"code": "ZZ9999", "amount": "5"}]}, 422, "item_unknown"),
    ("unknown institution", {"institution_code": "NOPE"}, 404, "institution_unknown"),
    ("bad check digit", {"resident_id": "34182119720421001X"}, 422, "resident_id_invalid"),
    ("unknown person", {"resident_id": "110101199003074514"}, 404, "person_unknown"),
    ("outside enrollment", {"date": "2019-03-01", "discharge_date": "2019-03-05"}, 422, None),
    ("no items", {"items": []}, 422, "invalid"),
    ("unknown field", {"colour": "red"}, 422, "invalid"),
]


@pytest.mark.parametrize(("what", "change", "status", "code"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_a_clear_4xx_json_error_and_changes_nothing(
    api, sample_person, hospital, web_engine, what, change, status, code
) -> None:
    before = _ledger_size(web_engine)
    if isinstance(change, bytes):
        r = api.post("/api/claims", content=change, headers={"content-type": "application/json"})
    else:
        claim = {**inpatient_claim(sample_person.resident_id, hospital), **change}
        r = api.post("/api/claims", json=claim)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    error = r.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    assert _ledger_size(web_engine) == before


def test_unknown_api_routes_answer_json_not_html(api) -> None:
    r = api.get("/api/no-such-thing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_an_analyst_may_not_settle(app, sample_person, hospital) -> None:
    client = TestClient(app)
    r = client.post(
        "/api/claims/preview",
        json=inpatient_claim(sample_person.resident_id, hospital),
        headers=basic_auth("analyst"),
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def test_nul_characters_are_refused_before_any_route(api, sample_person, hospital, web_engine):
    before = _ledger_size(web_engine)
    claim = inpatient_claim(sample_person.resident_id, hospital)
    claim["claim_no"] = "A\x00B"
    r = api.post("/api/claims", json=claim)
    assert r.status_code == 400 and r.json()["error"]["code"] == "input_refused"
    assert api.get("/api/persons", params={"q": "\x00"}).status_code == 400
    assert _ledger_size(web_engine) == before


def test_a_remembered_credential_follows_the_users_row_at_once(
    app, sample_person, hospital, web_engine
) -> None:
    """Settlement reads a remembered credential's user row in its own transaction: a role
    taken away or a deactivation counts on the very next call, not minutes later."""
    from safetynet.security.users import create_user
    from safetynet.store.models.security import Role, User

    with session_scope(web_engine) as s:
        if s.scalar(select(User.id).where(User.username == "window7")) is None:
            create_user(s, username="window7", password=DEMO_PASSWORD, role=Role.CLERK,
                        region_code=sample_person.region_code)  # fmt: skip
    client = TestClient(app)
    headers = basic_auth("window7")

    def submit(n: int) -> int:
        claim = inpatient_claim(sample_person.resident_id, hospital, day=f"2017-03-0{n}")
        r = client.post("/api/claims", json=claim, headers={**headers, "idempotency-key": f"r{n}"})
        return r.status_code

    assert submit(1) == 201  # the password is checked and remembered
    assert submit(2) == 201  # the remembered credential
    before = _ledger_size(web_engine)
    with session_scope(web_engine) as s:
        s.scalar(select(User).where(User.username == "window7")).role = Role.ANALYST
    assert submit(3) == 403
    with session_scope(web_engine) as s:
        user = s.scalar(select(User).where(User.username == "window7"))
        user.role, user.active = Role.CLERK, False
    assert submit(4) == 401
    assert _ledger_size(web_engine) == before  # neither refused call settled anything


def test_a_retry_writing_its_amounts_otherwise_is_replayed_not_refused(
    api, sample_person, hospital, web_engine
) -> None:
    """The same claim under its Idempotency-Key with 350.00 written as 350 (another
    serialiser) answers the first settlement (it was 409 client_key_reused); paid once."""
    claim = {**inpatient_claim(sample_person.resident_id, hospital, day="2017-12-21"),
             "claim_no": "RETRY-AMOUNTS-1"}  # fmt: skip
    first = api.post("/api/claims", json=claim, headers={"idempotency-key": "amounts-1"})
    assert first.status_code == 201, first.text
    after = _ledger_size(web_engine)
    numbers = {**claim, "items": [{**i, "amount": float(i["amount"])} for i in claim["items"]]}
    retry = api.post("/api/claims", json=numbers, headers={"idempotency-key": "amounts-1"})
    assert retry.status_code == 200, retry.text
    assert retry.json()["replayed"] is True
    assert retry.json()["settlement_id"] == first.json()["settlement_id"]
    assert _ledger_size(web_engine) == after
    other = {**claim, "items": [{**claim["items"][0], "amount": "350.01"}, *claim["items"][1:]]}
    reused = api.post("/api/claims", json=other, headers={"idempotency-key": "amounts-1"})
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "client_key_reused"
