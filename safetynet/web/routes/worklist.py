"""A village doctor's pages on a phone: the worklist of the region's contracts (who is due,
who is overdue, what to record), one contract with its services done and the form to record
a service. Region-scoped (a contract outside the region is a 404) and audited; thin over
:mod:`safetynet.programmes.worklist`.

Offline: ``/worklist/sw.js`` is the service worker (``static/worklist-sw.js``, allowed the
``/worklist`` scope) that keeps the pages on the phone; ``static/worklist.js`` queues a form
sent offline and sends it to ``/worklist/{id}/send`` (JSON answers) with a key made on the
phone, after asking ``/worklist/token`` for the session's CSRF token. A form is accepted once
per key (:mod:`safetynet.web.form_keys`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.i18n import N_
from safetynet.plain_text import OneLine
from safetynet.programmes import worklist as service
from safetynet.programmes.patients import ProgrammeError
from safetynet.programmes.rules import rules_for
from safetynet.programmes.tables import ERROR_NAMES, FIELD_NAMES, SERVICE_NAMES
from safetynet.security.audit import record
from safetynet.security.roles import Permission
from safetynet.store.models.security import User
from safetynet.web import form_keys
from safetynet.web.auditing import client_of, record_read
from safetynet.web.bounds import (
    QUERY_LENGTH,
    SHORT_NOTE_LENGTH,
    day_within,
    text_form,
    text_query,
)
from safetynet.web.csrf import check_csrf, csrf_token, form_csrf_token
from safetynet.web.db import get_db, release, write_session
from safetynet.web.errors import LoginRequired, WebError
from safetynet.web.ids import RowId
from safetynet.web.messages import error_text
from safetynet.web.security import authorize, require
from safetynet.web.templating import gettext_for, render

router = APIRouter()
NAMES = {"services": SERVICE_NAMES, "fields": FIELD_NAMES, "errors": ERROR_NAMES}
WORKER = Path(__file__).parents[1] / "static" / "worklist-sw.js"
FORM = "follow_up"  # the form's name in the form keys
LOGIN_AGAIN = N_("Your session has ended: log in again to send what waits on this phone.")

# the bounds of the service form's fields, each defined once (web/bounds): a field's text
# at most QUERY_LENGTH characters, the drugs at most their column's length
FieldText = Annotated[OneLine, Field(max_length=QUERY_LENGTH)]  # one line of visible text
DrugsText = Annotated[str, Field(max_length=SHORT_NOTE_LENGTH)]


class ServiceFields(BaseModel):
    """The form of a service, as both routes take it (the page's ``/record`` and the
    phone's ``/send``): a value over its bound is a 422 naming the field, before anything is
    read or written. Here every field may be blank (the phone's queue: its refusals are
    JSON sentences); the CSRF token is not one of them (each route checks it)."""

    kind: FieldText = ""
    done_on: FieldText = ""
    systolic: FieldText = ""
    diastolic: FieldText = ""
    glucose: FieldText = ""
    drugs: DrugsText = ""
    next_on: FieldText = ""
    idempotency_key: FieldText = ""

    def recorded(self, csrf: str) -> dict[str, str]:
        """The fields :func:`_record` takes (the key apart, the CSRF token with them)."""
        return {**self.model_dump(exclude={"idempotency_key"}), "csrf_token": csrf}


class ServiceForm(ServiceFields):
    """The page's form of a service: its kind and day are required (422 naming the one
    missing), with the same bounds."""

    kind: FieldText
    done_on: FieldText


def _day(text: str | None, field: str = "on") -> date | None:
    """The date typed (None when blank), from 2000 to a year ahead (422 naming the field)."""
    if not text:
        return None
    return day_within(text, field)


def _day_or_today(db: Session, user: User, on: str | None) -> date:
    """The worklist's day: the one asked for, or the programme's day for today; a day no
    programme rules cover is a 422 naming ``on``."""
    try:
        day = _day(on) or service.day_for(db, user.region_code, local_today())
        rules_for(user.region_code, day)
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
    on: str | None = text_query(None),
    overdue: bool = False,
    user: User = Depends(require(Permission.PROGRAMME_WORK)),
    db: Session = Depends(get_db),
) -> Response:
    """The services due within the programme's window or overdue: overdue first."""
    day = _day_or_today(db, user, on)
    rows = service.due_list(db, user.region_code, day)
    if overdue:
        rows = [r for r in rows if r["overdue"]]
    record_read(request, db, user, target="worklist",
                detail={"on": day.isoformat(), "rows": len(rows)})  # fmt: skip
    return offline_copy(render(request, "worklist.html", {"rows": rows, "day": day,
                              "names": NAMES, "overdue": overdue}), user)  # fmt: skip


@router.get("/worklist/sw.js", include_in_schema=False)
def worker_script() -> Response:
    """The worklist's service worker, allowed to control ``/worklist`` and the pages below."""
    return Response(WORKER.read_bytes(), media_type="text/javascript", headers={
        "service-worker-allowed": "/worklist", "cache-control": "no-cache",
    })  # fmt: skip


@router.get("/worklist/token", include_in_schema=False)
def token(request: Request, db: Session = Depends(get_db)) -> JSONResponse:
    """The session's user and CSRF token, for the phone's queue before it sends (401 when
    the session has ended: the queue waits for the doctor to log in again)."""
    try:
        user = authorize(request, db, Permission.PROGRAMME_WORK)
    except (LoginRequired, WebError) as exc:
        return _refusal(request, exc)
    return JSONResponse({"user": user.username, "csrf_token": csrf_token(request)})


@router.get("/worklist/{contract_id}", include_in_schema=False)
def contract_page(
    request: Request,
    contract_id: RowId,
    on: str | None = text_query(None),
    user: User = Depends(require(Permission.PROGRAMME_WORK)),
    db: Session = Depends(get_db),
) -> Response:
    """One contract: the person, the team, the services done and the form of a service."""
    contract = _contract(db, user, contract_id)
    day = _day_or_today(db, user, on)
    view = service.contract_view(db, contract, day)
    record_read(request, db, user, target="doctor_contract", target_id=str(contract_id))
    return offline_copy(render(request, "worklist_contract.html", {
        "v": view, "day": day, "names": NAMES, "error": request.query_params.get("error"),
        "saved": request.query_params.get("saved") == "1",
        "kind": request.query_params.get("kind"),
        "form_key": secrets.token_urlsafe(16),  # a form submitted twice records once
    }), user)  # fmt: skip


def offline_copy(response: Response, user: User) -> Response:
    """A page the doctor's phone may keep for offline use, for this user only: the service
    worker keeps it in the user's own cache (``X-Offline-User``) and drops every other
    user's; ``private, no-cache`` instead of the app's ``no-store`` (no shared cache keeps
    it, the browser asks the server again whenever it is online). Every other page stays
    ``no-store`` and is never kept; logout clears the copies (``Clear-Site-Data``)."""
    response.headers["cache-control"] = "private, no-cache"
    response.headers["x-offline-user"] = str(user.id)
    return response


@dataclass(frozen=True)
class Sent:
    """A recorded service: the follow-up's id, whether this send replayed an earlier one,
    and the contract page that shows it."""

    id: int
    replayed: bool
    location: str


def _record(
    request: Request, db: Session, user: User, contract_id: int, fields: dict[str, str],
    key: str | None,
) -> Sent:  # fmt: skip
    """Check and record one service (once per key); ``ProgrammeError`` when refused."""
    check_csrf(request, fields.pop("csrf_token", ""))
    _contract(db, user, contract_id)
    day = _day(fields["done_on"], "done_on")
    nxt = _day(fields["next_on"], "next_on")
    assert day is not None
    kind = fields["kind"]
    query = {"on": day.isoformat(), "kind": kind, "saved": "1"}
    location = f"/worklist/{contract_id}?" + urlencode(query)
    body = form_keys.digest({"contract": contract_id, **fields})
    if key and (hit := form_keys.replayed(db, user.username, key, FORM, body)) is not None:
        return Sent(hit, True, location)
    release(db)
    try:
        with write_session(request) as wdb:
            contract = service.contract_in_region(wdb, user.region_code, contract_id)
            row = service.record_service(
                wdb, contract, kind=kind, done_on=day, systolic=fields["systolic"],
                diastolic=fields["diastolic"], glucose=fields["glucose"],
                drugs=fields["drugs"], next_on=nxt, by=user.username,
            )  # fmt: skip
            if key:
                form_keys.remember(wdb, user.username, key, FORM, body, row.id)
            record(wdb, username=user.username, action="record", target="follow_up",
                   target_id=str(row.id), detail={"contract": contract_id, "kind": kind},
                   client=client_of(request))  # fmt: skip
            sent = Sent(row.id, False, location)
    except (ProgrammeError, IntegrityError):
        # the same key sent twice at once: the other send won; answer its row
        if key and (hit := form_keys.replayed(db, user.username, key, FORM, body)) is not None:
            return Sent(hit, True, location)
        raise
    return sent


@router.post("/worklist/{contract_id}/record", include_in_schema=False)
def record_page(
    request: Request,
    contract_id: RowId,
    form: Annotated[ServiceForm, Form()],
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.PROGRAMME_WORK)),
    db: Session = Depends(get_db),
) -> Response:
    """Record the service; back to the contract (with the refusal's code when refused). The
    form's key makes a second submit of the same form answer the first."""
    key = form_keys.checked_key(form.idempotency_key)
    try:
        sent = _record(request, db, user, contract_id, form.recorded(csrf_token), key)
    except ProgrammeError as exc:
        day = _day(form.done_on, "done_on")
        assert day is not None
        query = {"on": day.isoformat(), "kind": form.kind, "error": exc.code}
        return RedirectResponse(f"/worklist/{contract_id}?" + urlencode(query), status_code=303)
    return RedirectResponse(sent.location, status_code=303)


def _refusal(request: Request, exc: Exception) -> JSONResponse:
    """A refusal as JSON: its code and the sentence in the user's language."""
    gettext = gettext_for(request)
    if isinstance(exc, LoginRequired):
        status, code, message = 401, "login_required", gettext(LOGIN_AGAIN)
        field = None
    elif isinstance(exc, ProgrammeError):
        status, code, field = 422, exc.code, None
        message = gettext(ERROR_NAMES.get(exc.code, ERROR_NAMES["kind_unknown"]))
    else:
        assert isinstance(exc, WebError)
        status, code, field = exc.status, exc.code, exc.field
        user = getattr(request.state, "user", None)
        role = user.role.value if user is not None else None
        message = error_text(code, exc.message, field, gettext, role=role)
    return JSONResponse({"error": {"code": code, "message": message, "field": field}},
                        status_code=status)  # fmt: skip


@router.post("/worklist/{contract_id}/send", include_in_schema=False)
def send(
    request: Request,
    contract_id: RowId,
    form: Annotated[ServiceFields, Form()],
    sent_token: str | None = Depends(form_csrf_token),  # any length: a wrong one is a 403
    db: Session = Depends(get_db),
) -> JSONResponse:
    """The phone's queue sends a form here: 201 with the follow-up's id when recorded, 200
    with the first one's when the key was sent before; 401 when the session has ended, 403
    on a bad CSRF token, 404 for a contract outside the region, 409 for a key reused with
    another form, 422 for a refused record; each with the sentence to show."""
    try:
        user = authorize(request, db, Permission.PROGRAMME_WORK)
        check_csrf(request, sent_token)  # before anything else is looked at
        key = form_keys.checked_key(form.idempotency_key)
        if key is None:
            raise WebError(422, "key_invalid", "the queue sends every form with its key",
                           field="idempotency_key")  # fmt: skip
        if not form.done_on:
            raise WebError(422, "date_invalid", "write the date as YYYY-MM-DD", field="done_on")
        sent = _record(request, db, user, contract_id, form.recorded(sent_token or ""), key)
    except (LoginRequired, WebError, ProgrammeError) as exc:
        return _refusal(request, exc)
    message = gettext_for(request)(N_("Recorded."))
    answer = {"id": sent.id, "replayed": sent.replayed, "location": sent.location,
              "message": message}  # fmt: skip
    return JSONResponse(answer, status_code=200 if sent.replayed else 201)
