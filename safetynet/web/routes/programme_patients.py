"""The township and village staff's pages of the "three batches" programme's patients, made
for a phone: the region's patients of a year with their state, and one patient with the
dated steps taken and the form that records the next step (screened → verified → plan → the
batch's outcome), with its date. Permission ``programme.work``; region-scoped (a patient
outside the region is a 404); the form carries the CSRF token; every read and step is
audited. Thin over :mod:`safetynet.programmes.casework` and
:func:`safetynet.programmes.patients.advance`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.codes import PatientState
from safetynet.programmes import casework
from safetynet.programmes.patients import ProgrammeError, advance
from safetynet.programmes.tables import STATE_NAMES, STEP_ERROR_NAMES
from safetynet.reports.programme_tables import BATCH_NAMES
from safetynet.security.audit import record
from safetynet.security.roles import Permission
from safetynet.store.models.programmes import ProgrammePatient
from safetynet.store.models.security import User
from safetynet.web.auditing import client_of, record_read
from safetynet.web.bounds import day_within, text_form
from safetynet.web.csrf import check_csrf
from safetynet.web.db import get_db, release, write_session
from safetynet.web.errors import WebError
from safetynet.web.ids import RowId
from safetynet.web.security import require
from safetynet.web.templating import render

router = APIRouter()
NAMES = {"states": STATE_NAMES, "batches": BATCH_NAMES, "errors": STEP_ERROR_NAMES}


def _unknown(patient_id: int) -> WebError:
    return WebError(404, "patient_unknown", f"no programme patient {patient_id} in your region")


def _patient(db: Session, user: User, patient_id: int) -> casework.PatientRow:
    try:
        return casework.patient_in_region(db, user.region_code, patient_id)
    except ProgrammeError:
        raise _unknown(patient_id) from None


@router.get("/programme/patients", include_in_schema=False)
def patients_page(
    request: Request,
    year: int | None = None,
    user: User = Depends(require(Permission.PROGRAMME_WORK)),
    db: Session = Depends(get_db),
) -> Response:
    """The region's programme patients of a year (default: the latest year screened)."""
    if year is None:
        year = db.scalar(select(func.max(ProgrammePatient.year))) or local_today().year
    if not 2000 <= year <= local_today().year + 1:
        raise WebError(422, "year_out_of_range", f"year: {year} is out of range", field="year")
    rows = casework.patients_in_region(db, user.region_code, year)
    record_read(request, db, user, target="programme_patients",
                detail={"year": year, "rows": len(rows)})  # fmt: skip
    return render(request, "programme_patients.html", {"rows": rows, "year": year,
                                                        "names": NAMES})  # fmt: skip


@router.get("/programme/patients/{patient_id}", include_in_schema=False)
def patient_page(
    request: Request,
    patient_id: RowId,
    user: User = Depends(require(Permission.PROGRAMME_WORK)),
    db: Session = Depends(get_db),
) -> Response:
    """One patient: the steps taken with their dates and the form of the next step."""
    row = _patient(db, user, patient_id)
    record_read(request, db, user, target="programme_patient", target_id=str(patient_id))
    error = request.query_params.get("error")
    return render(request, "programme_patient.html", {
        "r": row, "steps": casework.steps(row.patient),
        "next": casework.next_states(row.patient), "today": local_today(), "names": NAMES,
        "error": error if error in STEP_ERROR_NAMES else None,
        "saved": request.query_params.get("saved") == "1",
    })  # fmt: skip


@router.post("/programme/patients/{patient_id}/advance", include_in_schema=False)
def advance_page(
    request: Request,
    patient_id: RowId,
    to: str = text_form("", length=16),
    on: str = text_form("", length=32),
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.PROGRAMME_WORK)),
    db: Session = Depends(get_db),
) -> Response:
    """Record the patient's next step on its date; back to the patient (with the refusal's
    code when refused: out of order, another batch's outcome, before the last step, after
    today, on or after the day of death)."""
    check_csrf(request, csrf_token)
    row = _patient(db, user, patient_id)
    if not on.strip():
        raise WebError(422, "date_invalid", "write the date as YYYY-MM-DD", field="on")
    day = day_within(on, "on")
    back = f"/programme/patients/{patient_id}?"
    try:
        state = PatientState(to)
    except ValueError:
        return RedirectResponse(back + urlencode({"error": "state_unknown"}), status_code=303)
    before = row.patient.state.value
    release(db)
    try:
        with write_session(request) as wdb:
            casework.patient_in_region(wdb, user.region_code, patient_id)  # still in the region
            advance(wdb, [patient_id], state, day, by=user.username, today=local_today())
            record(wdb, username=user.username, action="programme.advance",
                   target="programme_patient", target_id=str(patient_id),
                   detail={"from": before, "to": state.value, "on": day.isoformat()},
                   client=client_of(request))  # fmt: skip
    except ProgrammeError as exc:
        if exc.code == "patient_unknown":
            raise _unknown(patient_id) from None
        return RedirectResponse(back + urlencode({"error": exc.code}), status_code=303)
    return RedirectResponse(back + urlencode({"saved": "1"}), status_code=303)
