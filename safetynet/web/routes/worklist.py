"""A village doctor's pages on a phone: the worklist of the region's contracts (who is due,
who is overdue, what to record), one contract with its services done and the form to record
a service. Region-scoped (a contract outside the region is a 404) and audited; thin over
:mod:`safetynet.programmes.worklist`."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from safetynet.programmes import worklist as service
from safetynet.programmes.patients import ProgrammeError
from safetynet.programmes.rules import rules_for
from safetynet.programmes.tables import ERROR_NAMES, FIELD_NAMES, SERVICE_NAMES
from safetynet.security.audit import record
from safetynet.security.roles import Permission
from safetynet.store.models.security import User
from safetynet.web.auditing import client_of, record_read
from safetynet.web.bounds import day_within
from safetynet.web.csrf import check_csrf
from safetynet.web.db import get_db, release, write_session
from safetynet.web.errors import WebError
from safetynet.web.ids import RowId
from safetynet.web.security import require
from safetynet.web.templating import render

router = APIRouter()
NAMES = {"services": SERVICE_NAMES, "fields": FIELD_NAMES, "errors": ERROR_NAMES}


def _day(text: str | None, field: str = "on") -> date | None:
    """The date typed (None when blank), from 2000 to a year ahead (422 naming the field)."""
    if not text:
        return None
    return day_within(text, field)


def _day_or_today(db: Session, user: User, on: str | None) -> date:
    """The worklist's day: the one asked for, or the programme's day for today; a day no
    programme rules cover is a 422 naming ``on``."""
    try:
        day = _day(on) or service.day_for(db, user.region_code, date.today())
        rules_for("", day)
        return day
    except LookupError:
        raise WebError(422, "day_out_of_range", f"on: no programme rules on {on}",
                       field="on") from None  # fmt: skip


def _contract(db: Session, user: User, contract_id: int):  # type: ignore[no-untyped-def]
    try:
        return service.contract_in_region(db, user.region_code, contract_id)
    except ProgrammeError:
        message = f"no contract {contract_id} in your region"
        raise WebError(404, "contract_unknown", message) from None


@router.get("/worklist", include_in_schema=False)
def worklist_page(
    request: Request,
    on: str | None = None,
    overdue: bool = False,
    user: User = Depends(require(Permission.FAMILY_DOCTOR)),
    db: Session = Depends(get_db),
) -> Response:
    """The services due within the programme's window or overdue: overdue first."""
    day = _day_or_today(db, user, on)
    rows = service.due_list(db, user.region_code, day)
    if overdue:
        rows = [r for r in rows if r["overdue"]]
    record_read(request, db, user, target="worklist",
                detail={"on": day.isoformat(), "rows": len(rows)})  # fmt: skip
    return render(request, "worklist.html", {"rows": rows, "day": day, "names": NAMES,
                                             "overdue": overdue})  # fmt: skip


@router.get("/worklist/{contract_id}", include_in_schema=False)
def contract_page(
    request: Request,
    contract_id: RowId,
    on: str | None = None,
    user: User = Depends(require(Permission.FAMILY_DOCTOR)),
    db: Session = Depends(get_db),
) -> Response:
    """One contract: the person, the team, the services done and the form of a service."""
    contract = _contract(db, user, contract_id)
    day = _day_or_today(db, user, on)
    view = service.contract_view(db, contract, day)
    record_read(request, db, user, target="doctor_contract", target_id=str(contract_id))
    return render(request, "worklist_contract.html", {
        "v": view, "day": day, "names": NAMES, "error": request.query_params.get("error"),
        "saved": request.query_params.get("saved") == "1",
        "kind": request.query_params.get("kind"),
    })  # fmt: skip


@router.post("/worklist/{contract_id}/record", include_in_schema=False)
def record_page(
    request: Request,
    contract_id: RowId,
    kind: str = Form(...),
    done_on: str = Form(...),
    systolic: str = Form(""),
    diastolic: str = Form(""),
    glucose: str = Form(""),
    drugs: str = Form(""),
    next_on: str = Form(""),
    csrf_token: str = Form(""),
    user: User = Depends(require(Permission.FAMILY_DOCTOR)),
    db: Session = Depends(get_db),
) -> Response:
    """Record the service; back to the contract (with the refusal's code when refused)."""
    check_csrf(request, csrf_token)
    _contract(db, user, contract_id)
    day = _day(done_on, "done_on")
    nxt = _day(next_on, "next_on")
    assert day is not None
    release(db)
    back = f"/worklist/{contract_id}?" + urlencode({"on": day.isoformat(), "kind": kind})
    try:
        with write_session(request) as wdb:
            contract = service.contract_in_region(wdb, user.region_code, contract_id)
            row = service.record_service(
                wdb, contract, kind=kind, done_on=day, systolic=systolic[:8],
                diastolic=diastolic[:8], glucose=glucose[:8], drugs=drugs, next_on=nxt,
                by=user.username,
            )  # fmt: skip
            record(wdb, username=user.username, action="record", target="follow_up",
                   target_id=str(row.id), detail={"contract": contract_id, "kind": kind},
                   client=client_of(request))  # fmt: skip
    except ProgrammeError as exc:
        return RedirectResponse(f"{back}&error={exc.code}", status_code=303)
    return RedirectResponse(f"{back}&saved=1", status_code=303)
