"""Hostile input to the village doctor's forms over HTTP, on both databases: what the phone's
queue sends (``/worklist/{id}/send``) and the page's form (``/record``) are refused with a
4xx and a sentence — JSON for the queue, never an HTML page, never a 500 — and nothing is
written; what is taken is shown as text. The person's death ends what can be recorded and
what the worklist shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from safetynet.clock import local_today
from safetynet.programmes.worklist import due_list
from safetynet.store.db import session_scope
from safetynet.store.models import DoctorContract, Person
from tests.web.conftest import WORKLIST_DAY, csrf_of, doctors_form, follow_ups

Login = Callable[..., TestClient]
DAY = WORKLIST_DAY


def _refused(client: TestClient, url: str, form: dict[str, str], code: str) -> dict[str, str]:
    r = client.post(url, data=form)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/json"), r.text[:200]
    error = r.json()["error"]
    assert error["code"] == code and error["message"], error
    return error  # type: ignore[no-any-return]


def test_numbers_only_in_ascii_digits(web_engine: Engine, login: Login) -> None:
    client, contract, form = doctors_form(web_engine, login)
    url, before = f"/worklist/{contract.id}/send", follow_ups(web_engine)
    # "²" passed str.isdigit() and int() raised: a 500; full-width digits are folded (one rule
    # for numbers, safetynet.numerals), digits of other scripts are refused
    for n, (field, value) in enumerate([("systolic", "1²0"), ("systolic", "²"),
                                        ("systolic", "١٢٠"), ("diastolic", "٨٠"),
                                        ("systolic", "120     9")]):  # fmt: skip
        bp = {"systolic": "120", "diastolic": "80", field: value}
        error = _refused(client, url, {**form, **bp, "idempotency_key": f"digits-{n:04d}"},
                         f"range_{field}")  # fmt: skip
        assert "whole number" in error["message"]
    error = _refused(client, url, {**form, "glucose": "٧.٥", "idempotency_key": "digits-gl"},
                     "range_glucose")  # fmt: skip
    assert follow_ups(web_engine) == before


def test_drugs_are_checked_as_the_import_checks_them(web_engine: Engine, login: Login) -> None:
    client, contract, form = doctors_form(web_engine, login)
    url, before = f"/worklist/{contract.id}/send", follow_ups(web_engine)
    for n, drugs in enumerate(['=HYPERLINK("http://evil.example","PAY")', "@SUM(1)",
                               "+cmd|' /C calc'!A0"]):  # fmt: skip
        error = _refused(client, url, {**form, "drugs": drugs, "idempotency_key": f"formula-{n}x"},
                         "drugs_formula")  # fmt: skip
        assert "=" in error["message"]
    # longer than the column: refused by the form's bound, as JSON with a sentence (it was an
    # HTML page the queue showed as "not accepted" without a word)
    error = _refused(client, url, {**form, "drugs": "药" * 201, "idempotency_key": "too-long-1"},
                     "invalid")  # fmt: skip
    assert error["field"] == "drugs"
    page = client.post(f"/worklist/{contract.id}/record",
                       data={**form, "drugs": "=1+1", "done_on": "2017-10-02"})  # fmt: skip
    assert page.status_code == 303 and "error=drugs_formula" in page.headers["location"]
    shown = client.get(page.headers["location"]).text
    assert "The drugs may not start with =, +, - or @" in shown
    assert follow_ups(web_engine) == before
    zh = login("doctor", "zh_Hans")
    token = csrf_of(zh.get(f"/worklist/{contract.id}?on={DAY}").text)
    r = zh.post(url, data={**form, "csrf_token": token, "drugs": "=1",
                           "idempotency_key": "formula-zh"})  # fmt: skip
    assert r.status_code == 422 and not any(c.isascii() and c.isalpha()
                                            for c in r.json()["error"]["message"])  # fmt: skip


def test_markup_is_recorded_as_text(web_engine: Engine, login: Login) -> None:
    client, contract, form = doctors_form(web_engine, login)
    xss = "<script>alert(1)</script>"
    r = client.post(f"/worklist/{contract.id}/send",
                    data={**form, "done_on": "2017-10-03", "drugs": xss,
                          "idempotency_key": "markup-0001"})  # fmt: skip
    assert r.status_code == 201, r.text
    page = client.get(f"/worklist/{contract.id}?on=2017-10-03").text
    assert xss not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_queue_gets_json_for_a_bad_path(web_engine: Engine, login: Login) -> None:
    client, _, form = doctors_form(web_engine, login)
    for n, path in enumerate(["abc", "99999999999999999999999", "-1", "1.5"]):
        r = client.post(f"/worklist/{path}/send", data={**form, "idempotency_key": f"path-{n}xxx"})
        assert 400 <= r.status_code < 500, (path, r.status_code)
        assert r.headers["content-type"].startswith("application/json"), (path, r.text[:100])
        assert r.json()["error"]["message"]
    r = client.post("/worklist/999999/send", data={**form, "idempotency_key": "path-unknown"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "contract_unknown"


def test_nothing_is_due_or_recorded_after_death(web_engine: Engine, login: Login) -> None:
    client, contract, form = doctors_form(web_engine, login)
    with session_scope(web_engine) as s:
        village = s.scalar(select(Person.region_code).where(Person.id == contract.person_id))
        assert village is not None
        due = [r for r in due_list(s, village, DAY) if r["contract_id"] == contract.id]
        assert due, "the contract has a service due on the day (the sample needs one)"
    death = date(2017, 9, 15)
    with session_scope(web_engine) as s:
        s.execute(update(Person).where(Person.id == contract.person_id)
                  .values(deceased_on=death))  # fmt: skip
    try:
        with session_scope(web_engine) as s:
            assert not [r for r in due_list(s, village, DAY) if r["contract_id"] == contract.id]
        page = client.get(f"/worklist?on={DAY}").text
        assert f'href="/worklist/{contract.id}' not in page
        before = follow_ups(web_engine)
        url = f"/worklist/{contract.id}/send"
        for n, day in enumerate([death, date(2017, 9, 20)]):
            _refused(client, url, {**form, "done_on": str(day), "idempotency_key": f"dead-{n}xxx"},
                     "after_death")  # fmt: skip
        assert follow_ups(web_engine) == before
        r = client.post(url, data={**form, "done_on": "2017-09-14", "systolic": "130",
                                   "diastolic": "80", "idempotency_key": "alive-0001"})  # fmt: skip
        assert r.status_code == 201, r.text  # the day before: alive
    finally:
        with session_scope(web_engine) as s:
            s.execute(update(Person).where(Person.id == contract.person_id)
                      .values(deceased_on=None))  # fmt: skip


def test_a_contract_of_another_village_is_not_changed(web_engine: Engine, login: Login) -> None:
    client, contract, form = doctors_form(web_engine, login)
    with session_scope(web_engine) as s:
        village = s.scalar(select(Person.region_code).where(Person.id == contract.person_id))
        other = s.scalars(
            select(DoctorContract.id).join(Person, Person.id == DoctorContract.person_id)
            .where(Person.region_code != village).order_by(DoctorContract.id)
        ).first()  # fmt: skip
    before = follow_ups(web_engine)
    r = client.post(f"/worklist/{other}/send", data={**form, "idempotency_key": "other-village"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "contract_unknown"
    page = client.post(f"/worklist/{other}/record", data=form)
    assert page.status_code == 404
    assert client.get(f"/worklist/{other}").status_code == 404
    assert follow_ups(web_engine) == before


def test_a_service_is_recorded_once_done(web_engine: Engine, login: Login) -> None:
    """A day after today (beyond a day of slack for time zones) is refused: it counted as
    delivered before it was done."""
    client, contract, form = doctors_form(web_engine, login)
    before = follow_ups(web_engine)
    ahead = local_today() + timedelta(days=2)  # the county's day, as the service reads it
    error = _refused(client, f"/worklist/{contract.id}/send",
                     {**form, "done_on": str(ahead), "idempotency_key": "future-0001"},
                     "future")  # fmt: skip
    assert "after today" in error["message"]
    assert follow_ups(web_engine) == before
