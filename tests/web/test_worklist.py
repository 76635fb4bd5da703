"""The village doctor's worklist over HTTP: the doctor lands on it, sees the services due in
the village only, a contract of another village is a 404, a service is recorded through the
form (CSRF-checked, audited) and a bad one is refused with nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.programmes.worklist import due_list
from safetynet.store.db import session_scope
from safetynet.store.models import AuditEvent, DoctorContract, FollowUp, Person
from safetynet.store.models.security import User
from tests.web.conftest import csrf_of

DAY = date(2017, 10, 1)


def _village(engine: Engine) -> str:
    with session_scope(engine) as s:
        code = s.scalar(select(User.region_code).where(User.username == "doctor"))
        assert code
        return code


def _contract(engine: Engine, village: str, inside: bool) -> DoctorContract:
    with session_scope(engine) as s:
        where = Person.region_code == village if inside else Person.region_code != village
        found = s.scalars(
            select(DoctorContract).join(Person, Person.id == DoctorContract.person_id)
            .where(where, DoctorContract.package == "chronic").order_by(DoctorContract.id)
        ).first()  # fmt: skip
        assert found is not None
        return found


def test_the_doctor_lands_on_the_village_worklist(
    web_engine: Engine, login: Callable[..., TestClient]
) -> None:
    client = login("doctor", "en")
    assert client.get("/").headers["location"] == "/worklist"
    page = client.get(f"/worklist?on={DAY}")
    assert page.status_code == 200
    village = _village(web_engine)
    with session_scope(web_engine) as s:
        expected = due_list(s, village, DAY)
    assert expected, "the synthetic village has services due"
    assert page.text.count('class="warn-card') == len(expected)
    assert sum(r["overdue"] for r in expected) == page.text.count("<em>overdue</em>")
    assert expected[0]["name"] in page.text
    overdue = client.get(f"/worklist?on={DAY}&overdue=true")
    assert overdue.text.count('class="warn-card') == sum(r["overdue"] for r in expected)
    zh = login("doctor", "zh_Hans").get(f"/worklist?on={DAY}")
    assert "待办" in zh.text and "逾期" in zh.text
    other = _contract(web_engine, village, inside=False)
    assert client.get(f"/worklist/{other.id}").status_code == 404
    assert login("analyst", "en").get("/worklist").status_code == 403


def test_a_follow_up_is_recorded_from_the_form(
    web_engine: Engine, login: Callable[..., TestClient]
) -> None:
    contract = _contract(web_engine, _village(web_engine), inside=True)
    client = login("doctor", "en")
    page = client.get(f"/worklist/{contract.id}?on={DAY}")
    assert page.status_code == 200 and 'id="record-form"' in page.text
    token = csrf_of(page.text)

    def count() -> int:
        with session_scope(web_engine) as s:
            return s.scalar(select(func.count(FollowUp.id))) or 0

    before = count()
    form = {
        "kind": "follow_up",
        "done_on": "2017-12-28",
        "systolic": "400",
        "diastolic": "80",
        "glucose": "",
        "drugs": "氨氯地平",
        "next_on": "2018-03-28",
        "csrf_token": token,
    }
    refused = client.post(f"/worklist/{contract.id}/record", data=form)
    assert refused.status_code == 303 and "error=range_systolic" in refused.headers["location"]
    shown = client.get(refused.headers["location"])
    assert "The systolic pressure must be a whole number from 50 to 300." in shown.text
    early = client.post(
        f"/worklist/{contract.id}/record", data={**form, "systolic": "132", "done_on": "2016-12-31"}
    )
    assert "error=before_contract" in early.headers["location"]
    assert count() == before
    ok = client.post(f"/worklist/{contract.id}/record", data={**form, "systolic": "132"})
    assert "saved=1" in ok.headers["location"]
    assert count() == before + 1
    with session_scope(web_engine) as s:
        row = s.scalars(select(FollowUp).order_by(FollowUp.id.desc())).first()
        assert row is not None
        assert (row.contract_id, row.systolic, row.diastolic, row.recorded_by) == (
            contract.id, 132, 80, "doctor",
        )  # fmt: skip
        audit = s.scalars(
            select(AuditEvent).where(AuditEvent.target == "follow_up")
            .order_by(AuditEvent.id.desc())
        ).first()  # fmt: skip
        assert audit is not None and audit.username == "doctor" and audit.target_id == str(row.id)
    again = client.post(f"/worklist/{contract.id}/record", data={**form, "systolic": "132"})
    assert "error=duplicate" in again.headers["location"]
    assert "132/80" in client.get(f"/worklist/{contract.id}?on=2017-12-28").text
    no_csrf = client.post(f"/worklist/{contract.id}/record", data={**form, "csrf_token": "x"})
    assert no_csrf.status_code in (400, 403)


def _date_inputs(html: str) -> list[str]:
    return re.findall(r'<input type="date"[^>]*>', html)


def test_every_date_of_the_worklist_pages_is_a_bounded_date_field(
    web_engine: Engine, login: Callable[..., TestClient]
) -> None:
    """The worklist pages (the village's, a contract's, the review office's queue, spot
    checks, sanctions, a programme patient's) take dates in a date field bounded as the
    server bounds them (2000-01-01 to a year ahead); the server still refuses a day outside
    or not a date (422 naming ``on``)."""
    from safetynet.web.bounds import day_limits

    limits = day_limits()
    doctor, bureau = login("doctor", "zh_Hans"), login("bureau", "en")
    village = _village(web_engine)
    mine = _contract(web_engine, village, inside=True)
    pages = {
        "worklist": doctor.get(f"/worklist?on={DAY}").text,
        "contract": doctor.get(f"/worklist/{mine.id}?on={DAY}").text,
        "queue": bureau.get("/review").text,
        "spot checks": bureau.get("/review/spot-checks").text,
        "sanctions": bureau.get("/review/sanctions").text,
    }
    assert 'id="worklist-day"' in pages["worklist"]
    assert f'value="{DAY.isoformat()}"' in pages["worklist"]
    for name, html in pages.items():
        fields = _date_inputs(html)
        assert fields, f"{name}: no date field"
        for field in fields:  # a contract's service: from the contract's start
            assert re.search(r'min="\d{4}-\d{2}-\d{2}"', field), (name, field)
            assert re.search(r'max="\d{4}-\d{2}-\d{2}"', field), (name, field)
    [day] = _date_inputs(pages["worklist"])
    assert f'min="{limits["min"]}"' in day and f'max="{limits["max"]}"' in day
    assert f'min="{mine.valid_from.isoformat()}"' in _date_inputs(pages["contract"])[0]
    for bad in ("9999-01-01", "1999-12-31", "2017-13-01", "yesterday"):
        assert doctor.get(f"/worklist?on={bad}").status_code == 422, bad


def test_a_village_whose_records_end_earlier_opens_on_their_last_day(
    web_engine: Engine, login: Callable[..., TestClient]
) -> None:
    """No contract in force today (the data ends in 2017-18): the worklist opens on the last
    day a service of the village's contracts was recorded — the doctor's last worklist as it
    stood — or on the last day of the latest contract when that is earlier."""
    village = _village(web_engine)
    with session_scope(web_engine) as s:
        mine = (
            select(DoctorContract.id, DoctorContract.valid_to)
            .join(Person, Person.id == DoctorContract.person_id)
            .where(Person.region_code == village)
        ).subquery()
        ends = s.scalar(select(func.max(mine.c.valid_to)))
        recorded = s.scalar(
            select(func.max(FollowUp.done_on)).where(FollowUp.contract_id.in_(select(mine.c.id)))
        )
    assert ends is not None and recorded is not None
    expected = min(recorded, date.fromordinal(ends.toordinal() - 1))
    assert expected < ends
    page = login("doctor", "en").get("/worklist")
    assert page.status_code == 200
    assert f'value="{expected.isoformat()}"' in page.text
    with session_scope(web_engine) as s:
        assert page.text.count('class="warn-card') == len(due_list(s, village, expected))
