"""The claim-review pages, REST and FHIR in the real app over HTTP (both databases): the
office's self-check and appeal, a reviewer's adjustment, a second reviewer refused with 409,
the daily bill, the institution's JSON results, the ClaimResponse's review adjudication, a
spot check, a sanction case with a fine, the exports and the audit log."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from safetynet.clock import local_today
from safetynet.review import cases
from safetynet.store.db import session_scope
from safetynet.store.models import (
    AuditEvent,
    Claim,
    FundEntry,
    ReviewCase,
    ReviewDeduction,
    ReviewLine,
    SanctionCase,
    Settlement,
    User,
)
from tests.web.conftest import basic_auth, csrf_of
from tests.web.fhir_conformance import check_resource


def _office_claim(engine: Engine) -> tuple[int, int, str]:
    """A settled inpatient claim of the office's institution with two lines or more: the
    review case opened on it, its settlement, the institution."""
    with session_scope(engine) as s:
        code = s.scalar(select(User.institution_code).where(User.username == "office"))
        assert code
        for claim_id, settlement_id in s.execute(
            select(Claim.id, Settlement.id)
            .join(Settlement, Settlement.claim_id == Claim.id)
            .where(Claim.institution_code == code, Claim.kind == "inpatient")
            .order_by(Claim.id)
        ):
            case = cases.open_case(s, claim_id)
            if len(cases.lines(s, case.id)) >= 2:
                return case.id, settlement_id, code
    raise AssertionError("no claim of the office's institution with two lines")


def _post(client: TestClient, page_url: str, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    page = client.get(page_url)
    return client.post(url, data={"csrf_token": csrf_of(page.text), **data})


def test_a_review_round_over_http(login, app, web_engine: Engine) -> None:
    case_id, settlement_id, institution = _office_claim(web_engine)
    office, reviewer, bureau = login("office", "en"), login("reviewer", "en"), login("bureau")
    here = f"/review/cases/{case_id}"

    # the institution's office sees its case and self-checks it
    queue = office.get("/review")
    assert queue.status_code == 200 and f"/review/cases/{case_id}" in queue.text
    r = _post(office, here, f"{here}/self-check", {"note": "checked against the daily bill"})
    assert r.status_code == 303
    bill = office.get(f"{here}/daily-bill")
    assert bill.status_code == 200 and "Daily bill" in bill.text
    pdf = office.get(f"{here}/daily-bill.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert office.post(f"{here}/finish", data={"csrf_token": csrf_of(bill.text)}).status_code == 403

    # a reviewer adjusts the first line; a second reviewer who saw the same version loses
    with session_scope(web_engine) as s:
        first, *rest = cases.lines(s, case_id)
        first_id, first_amount, rest_ids = first.id, first.amount_fen, [x.id for x in rest]
    form = reviewer.get(f"{here}?line={first_id}")
    assert 'id="decide-form"' in form.text
    version = re.search(r'name="version" value="(\d+)"', form.text)
    assert version and version.group(1) == "0"
    r = reviewer.post(f"{here}/lines/{first_id}", data={
        "csrf_token": csrf_of(form.text), "decision": "adjusted", "version": "0",
        "deduct": "1.50", "reason": "over-standard price", "rule": "over-standard-charge",
        "article": "38"})  # fmt: skip
    assert r.status_code == 303
    late = _post(bureau, f"{here}?line={first_id}", f"{here}/lines/{first_id}",
                 {"decision": "rejected", "version": "0", "reason": "all of it"})  # fmt: skip
    assert late.status_code == 409
    assert "另一位审核员已先审核了此明细" in late.text  # the bureau reads Chinese
    for line_id in rest_ids:
        r = _post(reviewer, here, f"{here}/lines/{line_id}", {"decision": "approved",
                                                              "version": "0"})  # fmt: skip
        assert r.status_code == 303
    r = _post(reviewer, here, f"{here}/finish", {"on": local_today().isoformat()})
    assert r.status_code == 303
    with session_scope(web_engine) as s:
        case = s.get(ReviewCase, case_id)
        assert case is not None and case.state.value == "reviewed"
        deadline = case.appeal_deadline
        assert deadline is not None
        mine = select(ReviewDeduction.amount_fen).where(ReviewDeduction.case_id == case_id)
        assert list(s.scalars(mine)) == [150]

    # the institution fetches its results as JSON; another institution's case is not there
    api = TestClient(app)
    api.headers.update(basic_auth("office"))
    listed = api.get("/api/review/cases", params={"state": "all"}).json()["cases"]
    assert {c["institution_code"] for c in listed} == {institution}
    one = api.get(f"/api/review/cases/{case_id}").json()
    assert one["state"] == "reviewed" and one["outcome"] == "adjusted"
    assert one["lines"][0]["deducted_fen"] == 150 and one["lines"][0]["article"] == 38
    assert api.get("/api/review/cases/999999").status_code == 404
    stale = api.post(f"/api/review/lines/{first_id}", json={"decision": "approved",
                                                            "version": 0})  # fmt: skip
    assert stale.status_code == 403  # an institution does not decide
    rev_api = TestClient(app)
    rev_api.headers.update(basic_auth("reviewer"))
    stale = rev_api.post(f"/api/review/lines/{first_id}", json={"decision": "approved",
                                                                "version": 0})  # fmt: skip
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "case_decided"

    # FHIR: the ClaimResponse carries the review's adjudication of the line with the reason
    fhir = rev_api.get(f"/fhir/ClaimResponse/{settlement_id}").json()
    check_resource(fhir)  # still a conformant R4 ClaimResponse (schema and fhirclient)
    adjudications = [a for item in fhir["item"] for a in item["adjudication"]
                     if a["category"]["coding"][0]["system"] == "urn:safetynet:review"]  # fmt: skip
    assert len(adjudications) == 1 + len(rest_ids)
    adjusted = [a for a in adjudications if a["category"]["coding"][0]["code"] == "adjusted"]
    assert adjusted[0]["amount"]["value"] == 1.5
    assert adjusted[0]["reason"]["text"] == "over-standard price"

    # an appeal after the deadline is refused; on the deadline it is taken
    after = (deadline + timedelta(days=1)).isoformat()
    late = _post(office, here, f"{here}/appeal", {"note": "the price was approved", "on": after})
    assert late.status_code == 409 and "The appeal deadline has passed." in late.text
    r = _post(office, here, f"{here}/appeal", {"note": "the price was approved",
                                               "on": deadline.isoformat()})  # fmt: skip
    assert r.status_code == 303
    r = _post(reviewer, here, f"{here}/lines/{first_id}", {"decision": "approved", "version": "1"})
    assert r.status_code == 303
    r = _post(reviewer, here, f"{here}/finish", {"on": deadline.isoformat()})
    with session_scope(web_engine) as s:
        case = s.get(ReviewCase, case_id)
        assert case is not None and case.state.value == "closed"
        assert case.final_outcome is not None and case.final_outcome.value == "approved"
        line = s.get(ReviewLine, first_id)
        assert line is not None and line.deducted_fen == 0 and first_amount > 150
        actions = set(s.scalars(select(AuditEvent.action).where(
            AuditEvent.target_id == str(case_id))))  # fmt: skip
        assert {"review.self_check", "review.finish", "review.appeal"} <= actions


def test_spot_check_sanctions_and_exports_over_http(login, web_engine: Engine) -> None:
    bureau = login("bureau", "en")
    page = bureau.get("/review/spot-checks")
    assert page.status_code == 200
    r = bureau.post("/review/spot-checks", data={"csrf_token": csrf_of(page.text),
                    "start": "2017-01-01", "end": "2017-12-31", "seed": "5"})  # fmt: skip
    assert r.status_code == 303, r.text
    check_url = r.headers["location"]
    sample = bureau.get(check_url)
    assert sample.status_code == 200 and 'id="extrapolation"' in sample.text
    forms = re.findall(r'action="(/review/spot-checks/\d+/findings/\d+)"', sample.text)
    assert forms
    for n, url in enumerate(forms):
        r = bureau.post(url, data={"csrf_token": csrf_of(sample.text),
                                   "found": "0.01" if n == 0 else "0"})  # fmt: skip
        assert r.status_code == 303 and "error" not in r.headers["location"]
    r = bureau.post(f"{check_url}/book", data={"csrf_token": csrf_of(sample.text)})
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers["location"]
    assert 'id="booked"' in bureau.get(check_url).text

    sanctions = bureau.get("/review/sanctions")
    with session_scope(web_engine) as s:
        code = s.scalar(select(User.institution_code).where(User.username == "office"))
    refused = bureau.post("/review/sanctions", data={
        "csrf_token": csrf_of(sanctions.text), "article": "38", "finding": "bed days twice",
        "loss": "100.00", "multiple": "3", "institution": code})  # fmt: skip
    assert (
        refused.status_code == 303 and "fine_multiple_out_of_range" in refused.headers["location"]
    )
    shown = bureau.get(refused.headers["location"])
    assert "The fine multiple is outside the article" in shown.text
    r = bureau.post("/review/sanctions", data={
        "csrf_token": csrf_of(sanctions.text), "article": "38", "finding": "bed days twice",
        "loss": "100.00", "multiple": "1.5", "institution": code})  # fmt: skip
    assert r.status_code == 303 and "error" not in r.headers["location"]
    with session_scope(web_engine) as s:
        case = s.scalar(select(SanctionCase).order_by(SanctionCase.id.desc()))
        assert case is not None and case.fine_fen == 150_00
    r = bureau.post(f"/review/sanctions/{case.id}/recover",
                    data={"csrf_token": csrf_of(sanctions.text), "amount": "50.00"})  # fmt: skip
    listed = bureau.get("/review/sanctions").text
    assert "200.00" in listed and "50.00" in listed  # outstanding 250 − 50; recovered 50
    bureau.post(f"/review/sanctions/{case.id}/cancel",
                data={"csrf_token": csrf_of(listed), "reason": "overturned on appeal"})  # fmt: skip
    with session_scope(web_engine) as s:
        undone = s.scalar(select(FundEntry.kind).where(
            FundEntry.reference.like("recovery_undo:sanction-%")))  # fmt: skip
        assert undone == "recovery_undo"  # the recovery posted, then reversed
    assert "cancelled (overturned)" in bureau.get("/review/sanctions").text

    for what in ("decisions", "deductions", "cases"):
        for ext in ("xlsx", "pdf"):
            got = bureau.get(f"/review/export/{what}.{ext}")
            assert got.status_code == 200 and len(got.content) > 100
    # the reviewer may not reach the bureau's pages
    assert login("reviewer", "en").get("/review/sanctions").status_code == 403
