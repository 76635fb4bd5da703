"""Hostile input to the newer rooms' forms, queries and JSON bodies (claim review, early
warning, the village doctor's worklist, funds, the scorecard), on both databases: numbers,
years and dates outside the domain answer 422 naming the field (not 500, not recorded), a
forbidden role still gets 403 first, and nothing is written by a refused request."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.clock import local_today
from safetynet.review import cases
from safetynet.store.db import session_scope
from safetynet.store.models import (
    AuditEvent,
    Callback,
    Claim,
    DoctorContract,
    EarlyWarning,
    FollowUp,
    Person,
    ReviewCase,
    ReviewLine,
    Settlement,
    User,
    WarningEvent,
)
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import YEAR, csrf_of, record_warnings

Login = Callable[..., TestClient]
FAR_FUTURE, FAR_PAST = "9999-12-31", "0001-01-01"
HUGE = str(10**30)


@pytest.fixture(scope="module")
def case(web_engine: Engine) -> tuple[int, list[int], str]:
    """A review case of the office's institution with its lines, and its claim number."""
    with session_scope(web_engine) as s:
        code = s.scalar(select(User.institution_code).where(User.username == "office"))
        for claim_id, claim_no in s.execute(
            select(Claim.id, Claim.claim_no)
            .join(Settlement, Settlement.claim_id == Claim.id)
            .where(Claim.institution_code == code, Claim.kind == "inpatient")
            .order_by(Claim.id)
        ):
            opened = cases.open_case(s, claim_id)
            lines = [x.id for x in cases.lines(s, opened.id)]
            if len(lines) >= 2:
                return opened.id, lines, claim_no
    raise AssertionError("no inpatient claim of the office's institution with two lines")


@pytest.fixture(scope="module")
def warning_id(web_engine: Engine) -> int:
    record_warnings(web_engine)
    with session_scope(web_engine) as s:
        first = s.scalar(select(EarlyWarning.id).order_by(EarlyWarning.id))
        assert first is not None
        return first


@pytest.fixture(scope="module")
def contract_id(web_engine: Engine) -> int:
    with session_scope(web_engine) as s:
        village = s.scalar(select(User.region_code).where(User.username == "doctor"))
        found = s.scalar(
            select(DoctorContract.id).join(Person, Person.id == DoctorContract.person_id)
            .where(Person.region_code == village).order_by(DoctorContract.id)
        )  # fmt: skip
        assert found is not None
        return found


def _post(client: TestClient, page: str, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **data})


def _refused(r, field_name: str | None = None) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 422, (r.status_code, r.text[:300])
    if field_name:
        assert field_name in r.text, r.text[:2000]


def _count(engine: Engine, model) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    "url",
    [
        "/warnings?year=99999999999999",  # was 500 (OverflowError)
        "/warnings?year=-1",
        "/supervision/scorecard?year=99999999999",  # was 500
        "/supervision/scorecard.xlsx?year=99999",
        "/funds?year=99999999999",  # was 200 (an empty page of year 99,999,999,999)
        "/funds/statements.xlsx?year=3000",
    ],
)
def test_years_outside_the_scheme_are_422_naming_the_year(login: Login, url: str) -> None:
    r = login("bureau", "en").get(url)
    _refused(r, "Year")
    assert login("analyst", "en").get(url).status_code == 403  # 403 before 422


@pytest.mark.parametrize("on", [FAR_FUTURE, FAR_PAST, "2000-01-01"])
def test_the_worklist_refuses_days_without_programme_rules(
    login: Login, contract_id: int, on: str
) -> None:
    doctor = login("doctor", "en")
    for url in (f"/worklist?on={on}", f"/worklist/{contract_id}?on={on}"):  # were 500
        _refused(doctor.get(url))


def test_the_review_line_form_refuses_bad_values_and_writes_nothing(
    login: Login, web_engine: Engine, case: tuple[int, list[int], str]
) -> None:
    case_id, lines, _claim_no = case
    reviewer = login("reviewer", "en")
    here, url = f"/review/cases/{case_id}", f"/review/cases/{case_id}/lines/{lines[0]}"
    good = {"decision": "adjusted", "version": "0", "deduct": "0.01", "reason": "r"}
    for change, field_name in (
        ({"article": "²"}, "Article"),  # a digit to str.isdigit, not to int(): was 500
        ({"article": "99999999999999999999"}, "Article"),
        ({"article": "abc"}, "Article"),  # was silently dropped
        ({"version": HUGE}, None),  # was 500 (overflow in the version comparison)
        ({"decision": "bogus"}, "Decision"),  # was 500 (not a LineDecision)
        ({"deduct": "1e30"}, None),
    ):
        _refused(_post(reviewer, here, url, {**good, **change}), field_name)
    with session_scope(web_engine) as s:
        line = s.get(ReviewLine, lines[0])
        assert line is not None and line.version == 0 and line.decision == "pending"
        assert s.get(ReviewCase, case_id).version == 0  # type: ignore[union-attr]


def test_the_review_api_bounds_versions_and_deductions(
    app, web_engine: Engine, case: tuple[int, list[int], str]
) -> None:
    _case_id, lines, _ = case
    token = base64.b64encode(f"reviewer:{DEMO_PASSWORD}".encode()).decode()
    client = TestClient(app, headers={"authorization": f"Basic {token}"})
    for body, field_name in (
        ({"decision": "approved", "version": 10**30}, "version"),  # was 500
        ({"decision": "adjusted", "version": 0, "deduct_fen": 10**30}, "deduct_fen"),
        ({"decision": "adjusted", "version": 0, "deduct_fen": -5}, "deduct_fen"),
        ({"decision": ["approved"], "version": 0}, "decision"),
    ):
        r = client.post(f"/api/review/lines/{lines[1]}", json=body)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == field_name
    with session_scope(web_engine) as s:
        assert s.get(ReviewLine, lines[1]).version == 0  # type: ignore[union-attr]


@pytest.mark.parametrize("field_name", ["reason", "rule_id"])
def test_the_review_api_holds_its_texts_to_the_one_line_rule(
    app, web_engine: Engine, case: tuple[int, list[int], str], field_name: str
) -> None:
    _case_id, lines, _ = case
    token = base64.b64encode(f"reviewer:{DEMO_PASSWORD}".encode()).decode()
    client = TestClient(app, headers={"authorization": f"Basic {token}"})
    for text in ("over\u202echarge", "zero\u200bwidth", "bell\x07", "tab\tbed", "c1\x85"):
        body = {"decision": "adjusted", "version": 0, "deduct_fen": 1, field_name: text}
        r = client.post(f"/api/review/lines/{lines[1]}", json=body)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == field_name
        assert "invisible character (U+" in r.json()["error"]["message"]
    with session_scope(web_engine) as s:
        assert s.get(ReviewLine, lines[1]).version == 0  # type: ignore[union-attr]


def test_review_steps_and_call_backs_refuse_dates_and_amounts_outside_the_domain(
    login: Login, web_engine: Engine, case: tuple[int, list[int], str]
) -> None:
    case_id, _lines, claim_no = case
    office, reviewer, bureau = login("office", "en"), login("reviewer", "en"), login("bureau", "en")
    here = f"/review/cases/{case_id}"
    audits = _count(web_engine, AuditEvent)
    for on in (FAR_FUTURE, FAR_PAST, (local_today() + timedelta(days=400)).isoformat()):
        _refused(_post(office, here, f"{here}/appeal", {"note": "n", "on": on}))
        _refused(_post(reviewer, here, f"{here}/finish", {"on": on}))
        _refused(_post(reviewer, "/review", "/review/callbacks",
                       {"claim_no": claim_no, "paid": "1", "on": on}))  # was recorded  # fmt: skip
    for paid in ("1e30", "99999999999999999999", "-5"):  # were 500 (SQLite overflow)
        r = _post(reviewer, "/review", "/review/callbacks",
                  {"claim_no": claim_no, "paid": paid, "on": f"{YEAR + 1}-01-05"})  # fmt: skip
        _refused(r, "Paid at discharge (yuan)")
    for year in ("99999", "0", "-5", HUGE):  # were 500 (date(year, ...) out of range)
        _refused(_post(bureau, "/review", "/review/open", {"year": year, "limit": "1"}), "Year")
    r = _post(reviewer, here, f"{here}/assign", {"reviewer": "x" * 65})  # a 500 on PostgreSQL
    _refused(r, "Reviewer")
    assert _count(web_engine, Callback) == 0
    with session_scope(web_engine) as s:
        found = s.get(ReviewCase, case_id)
        assert found is not None and found.assigned_to is None and found.version == 0
        writes = s.scalar(
            select(func.count()).select_from(AuditEvent)
            .where(AuditEvent.id > audits, AuditEvent.action.like("review.%"))
        )  # fmt: skip
        assert writes == 0


def test_warning_steps_refuse_dates_without_rules(
    login: Login, web_engine: Engine, warning_id: int
) -> None:
    bureau = login("bureau", "en")
    here = f"/warnings/{warning_id}"
    for on in (FAR_PAST, "2000-01-01", FAR_FUTURE, ""):  # 0001-01-01 was 500
        r = _post(bureau, here, f"{here}/step", {"step": "visit_confirmed", "on": on})
        _refused(r)
    assert _count(web_engine, WarningEvent) == 0


def test_the_worklist_form_bounds_dates_and_encodes_the_kind(
    login: Login, web_engine: Engine, contract_id: int
) -> None:
    doctor = login("doctor", "en")
    here = f"/worklist/{contract_id}"
    before = _count(web_engine, FollowUp)
    base = {"kind": "follow_up", "done_on": "2017-06-01", "systolic": "130", "diastolic": "80"}
    for change, field_name in (({"done_on": FAR_FUTURE}, "Date"), ({"done_on": FAR_PAST}, "Date"),
                               ({"next_on": FAR_FUTURE}, "Next date")):  # fmt: skip
        _refused(_post(doctor, here, f"{here}/record", {**base, **change}), field_name)
    # an unknown kind with a query string in it: was put into the redirect as typed, so the
    # page said "Recorded." over the refusal
    r = _post(doctor, here, f"{here}/record", {**base, "kind": "x&saved=1"})
    assert r.status_code == 303
    assert "saved=1" not in r.headers["location"] and "error=kind_unknown" in r.headers["location"]
    assert "Recorded." not in doctor.get(r.headers["location"]).text
    assert _count(web_engine, FollowUp) == before


def test_the_doctor_sees_no_resident_id_tail(
    login: Login, web_engine: Engine, contract_id: int
) -> None:
    """The village doctor may not read resident IDs: the worklist showed ``3418****…0026``,
    and the county, a birth date the doctor knows from care and the tail give the ID back."""
    doctor = login("doctor", "en")
    with session_scope(web_engine) as s:
        village = s.scalar(select(User.region_code).where(User.username == "doctor"))
        ids = s.scalars(
            select(Person.resident_id).join(DoctorContract, DoctorContract.person_id == Person.id)
            .where(Person.region_code == village)
        ).all()  # fmt: skip
    pages = [
        doctor.get("/worklist?on=2017-10-01").text,
        doctor.get(f"/worklist/{contract_id}").text,
    ]
    assert "**************" in pages[1]
    for rid in ids:
        for page in pages:
            assert rid[-4:] + "<" not in page and rid[-4:] + " " not in page, rid


def test_overlong_notes_and_reasons_are_422_naming_the_field(
    login: Login, web_engine: Engine, case: tuple[int, list[int], str], warning_id: int,
    contract_id: int,
) -> None:  # fmt: skip
    """A note, reason, finding or rule longer than its column was cut to it silently (what
    the user wrote was not what was kept); now a 422 that names the field, nothing written."""
    case_id, lines, claim_no = case
    office, reviewer, bureau = login("office", "en"), login("reviewer", "en"), login("bureau", "en")
    here = f"/review/cases/{case_id}"
    line = f"{here}/lines/{lines[0]}"
    decision = {"decision": "rejected", "version": "0"}
    for client, page, url, data, field_name in (
        (reviewer, here, line, {**decision, "reason": "r" * 501}, "Reason"),
        (reviewer, here, line, {**decision, "rule": "r" * 65}, "Rule"),
        (office, here, f"{here}/self-check", {"note": "n" * 501}, "Note"),
        (office, here, f"{here}/appeal", {"note": "n" * 501}, "Note"),
        (reviewer, "/review", "/review/callbacks",
         {"claim_no": claim_no, "paid": "1", "note": "n" * 201}, "Note"),
        (bureau, f"/warnings/{warning_id}", f"/warnings/{warning_id}/step",
         {"step": "visit_confirmed", "on": f"{YEAR}-12-31", "note": "n" * 501}, "Note"),
        (bureau, f"/warnings/{warning_id}", f"/warnings/{warning_id}/step",
         {"step": "measure", "on": f"{YEAR}-12-31", "measure": "m" * 65}, "Measure"),
        (bureau, "/review/sanctions", "/review/sanctions",
         {"article": "1", "finding": "f" * 501, "loss": "1", "multiple": "1"}, "Finding"),
        (bureau, "/review/sanctions", "/review/suspensions",
         {"article": "1", "months": "1", "reason": "r" * 201, "institution": "x"}, "Reason"),
        (bureau, "/review/sanctions", "/review/suspensions",
         {"article": "1", "months": "1", "reason": "r", "department": "d" * 65}, "Department"),
        (login("doctor", "en"), f"/worklist/{contract_id}", f"/worklist/{contract_id}/record",
         {"kind": "follow_up", "done_on": "2017-06-01", "drugs": "d" * 201}, "Drugs"),
    ):  # fmt: skip
        _refused(_post(client, page, url, data), field_name)
    # at the column's length exactly: taken as written (the threshold, not one short)
    r = _post(reviewer, here, line, {**decision, "reason": "r" * 500, "rule": "r" * 64})
    assert r.status_code == 303, r.text[:300]
    with session_scope(web_engine) as s:
        found = s.get(ReviewLine, lines[0])
        assert found is not None and found.reason == "r" * 500 and found.rule_id == "r" * 64
        assert s.get(ReviewCase, case_id).self_check_note is None  # type: ignore[union-attr]
    assert _count(web_engine, WarningEvent) == 0 and _count(web_engine, Callback) == 0


@pytest.mark.parametrize(
    ("body", "field_name"),
    [
        ({"decision": "approved", "version": "0"}, "version"),  # was taken as 0
        ({"decision": "approved", "version": True}, "version"),  # was taken as 1
        ({"decision": "approved", "version": 0.0}, "version"),
        ({"decision": "adjusted", "version": 0, "deduct_fen": "5"}, "deduct_fen"),
        ({"decision": "adjusted", "version": 0, "deduct_fen": 5.5}, "deduct_fen"),
        ({"decision": "rejected", "version": 0, "article": "3"}, "article"),
        ({"decision": "rejected", "version": 0, "reason": "r" * 501}, "reason"),
        ({"decision": "rejected", "version": 0, "versoin": 1}, "versoin"),  # a typo: was ignored
    ],
)
def test_the_review_api_takes_integers_as_json_integers_only(
    app, web_engine: Engine, case: tuple[int, list[int], str], body: dict, field_name: str
) -> None:
    _case_id, lines, _ = case
    token = base64.b64encode(f"reviewer:{DEMO_PASSWORD}".encode()).decode()
    client = TestClient(app, headers={"authorization": f"Basic {token}"})
    r = client.post(f"/api/review/lines/{lines[1]}", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field_name
    with session_scope(web_engine) as s:
        line = s.get(ReviewLine, lines[1])
        assert line is not None and line.version == 0 and line.decision == "pending"
