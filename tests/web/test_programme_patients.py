"""The programme patients' pages over HTTP, as a village doctor on a phone uses them: the
village's patients only, a patient of another village is a 404 (read or changed), a step is
recorded with its date through the form (CSRF-checked, audited), a step out of order, dated
before the last step, after today or another batch's outcome is refused with nothing
written; the page reads in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from safetynet.clock import local_today
from safetynet.codes import Batch, PatientState
from safetynet.programmes.casework import patients_in_region
from safetynet.store.db import session_scope
from safetynet.store.models import AuditEvent, Person
from safetynet.store.models.programmes import ProgrammePatient
from safetynet.store.models.security import User
from tests.web.conftest import csrf_of


def _village(engine: Engine) -> str:
    with session_scope(engine) as s:
        code = s.scalar(select(User.region_code).where(User.username == "doctor"))
        assert code
        return code


def _patient(engine: Engine, village: str, inside: bool) -> ProgrammePatient:
    """A new patient screened from a claim of 1 March 2017 in the serious batch, a living
    person of the doctor's village or not (one not yet in the batch)."""
    with session_scope(engine) as s:
        where = Person.region_code == village if inside else Person.region_code != village
        taken = select(ProgrammePatient.person_id).where(
            ProgrammePatient.year == 2017, ProgrammePatient.batch == Batch.SERIOUS
        )
        person = s.scalars(
            select(Person).where(where, Person.deceased_on.is_(None), Person.id.not_in(taken))
            .order_by(Person.id)
        ).first()  # fmt: skip
        assert person is not None
        row = ProgrammePatient(year=2017, batch=Batch.SERIOUS, person_id=person.id,
                               rules="national-2017", list_id="nine_major", disease_code="C16.9",
                               found_in="claims", state=PatientState.SCREENED,
                               screened_on=date(2017, 3, 1), updated_by="test")  # fmt: skip
        s.add(row)
        s.flush()
        s.expunge(row)
        return row


def _state(engine: Engine, pid: int) -> tuple[PatientState, object]:
    with session_scope(engine) as s:
        p = s.get(ProgrammePatient, pid)
        assert p is not None
        return p.state, p.verified_on


def test_the_doctor_sees_the_villages_programme_patients_only(
    web_engine: Engine, login: Callable[..., TestClient]
) -> None:
    client = login("doctor", "en")
    village = _village(web_engine)
    mine = _patient(web_engine, village, inside=True)
    page = client.get(f"/programme/patients?year={mine.year}")
    assert page.status_code == 200
    with session_scope(web_engine) as s:
        expected = patients_in_region(s, village, mine.year)
    assert page.text.count('class="warn-card') == len(expected) > 0
    assert f'href="/programme/patients/{mine.id}"' in page.text
    other = _patient(web_engine, village, inside=False)
    assert f'href="/programme/patients/{other.id}"' not in page.text
    assert client.get(f"/programme/patients/{other.id}").status_code == 404
    token = csrf_of(client.get(f"/programme/patients/{mine.id}").text)
    day = other.screened_on.isoformat()
    moved = client.post(f"/programme/patients/{other.id}/advance",
                        data={"to": "verified", "on": day, "csrf_token": token})  # fmt: skip
    assert moved.status_code == 404 and _state(web_engine, other.id)[0] is PatientState.SCREENED
    assert login("analyst", "en").get("/programme/patients").status_code == 403
    assert login("clerk", "en").get(f"/programme/patients/{mine.id}").status_code == 403


def test_a_step_is_recorded_with_its_date_in_order(
    web_engine: Engine, login: Callable[..., TestClient]
) -> None:
    client = login("doctor", "en")
    p = _patient(web_engine, _village(web_engine), inside=True)
    page = client.get(f"/programme/patients/{p.id}")
    assert page.status_code == 200 and 'id="step-form"' in page.text
    assert '<option value="verified">verified</option>' in page.text
    token = csrf_of(page.text)
    url = f"/programme/patients/{p.id}/advance"
    form = {"to": "verified", "on": p.screened_on.isoformat(), "csrf_token": token}
    assert client.post(url, data={**form, "csrf_token": "forged"}).status_code == 403
    refusals = {
        "state_order": {"to": "plan"},
        "date_order": {"on": (p.screened_on - timedelta(days=1)).isoformat()},
        "future": {"on": (local_today() + timedelta(days=1)).isoformat()},
        "state_unknown": {"to": "cured"},
    }
    for code, change in refusals.items():
        refused = client.post(url, data={**form, **change})
        assert refused.status_code == 303, (code, refused.text)
        assert refused.headers["location"].endswith(f"?error={code}"), code
        assert _state(web_engine, p.id) == (PatientState.SCREENED, None), code
    shown = client.get(f"/programme/patients/{p.id}?error=date_order")
    assert "The date is before the patient&#39;s last step." in shown.text
    ok = client.post(url, data=form)  # on the day it was screened: not before the last step
    assert ok.status_code == 303 and ok.headers["location"].endswith("?saved=1")
    assert _state(web_engine, p.id) == (PatientState.VERIFIED, p.screened_on)
    with session_scope(web_engine) as s:
        audit = s.scalars(
            select(AuditEvent).where(AuditEvent.target == "programme_patient",
                                     AuditEvent.action == "programme.advance")
            .order_by(AuditEvent.id.desc())
        ).first()  # fmt: skip
        assert audit is not None and (audit.username, audit.target_id) == ("doctor", str(p.id))
        assert audit.detail == {"from": "screened", "to": "verified", "on": "2017-03-01"}
    after = client.get(f"/programme/patients/{p.id}")
    assert '<option value="plan">plan made</option>' in after.text
    assert 'id="saved"' not in after.text and after.text.count("<tr><td>") == 2  # two steps
    zh = login("doctor", "zh_Hans").get(f"/programme/patients/{p.id}")
    assert "已核实" in zh.text and "下一步" in zh.text and "已制定方案" in zh.text
    assert "verified" not in zh.text.replace('value="verified"', "")
    # plan, then the batch's outcome: serious diseases end treated, not backstopped
    day = {"on": "2017-04-01", "csrf_token": token}
    assert client.post(url, data={**day, "to": "plan"}).headers["location"].endswith("saved=1")
    wrong = client.post(url, data={**day, "to": "backstopped"})
    assert wrong.headers["location"].endswith("?error=outcome_of_batch")
    assert client.post(url, data={**day, "to": "treated"}).headers["location"].endswith("saved=1")
    done = client.get(f"/programme/patients/{p.id}")
    assert 'id="done"' in done.text and 'id="step-form"' not in done.text
    assert done.text.count("<tr><td>") == 4
