"""Claim-review pages: the queue (township/county reviewers, ordered by risk), one case with
its lines and the decisions on them, the institution's self-check and appeal, the daily bill
(一日清单) as a page and a PDF, and call-backs. Thin over :mod:`safetynet.review`.

A user bound to an institution (its medical-insurance office) sees that institution's cases
and may self-check, appeal or accept; any other holder of ``review.claims`` reviews the cases
of claims of persons in their region. Every decision goes to the audit log (by the service);
every page read is recorded too.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.codes import CaseState
from safetynet.exports.pdf import write_pdf
from safetynet.money import MoneyError, to_fen
from safetynet.reports.years import closed_year
from safetynet.review import callbacks, cases, queue
from safetynet.review.errors import ReviewError
from safetynet.review.tables import daily_bill_table
from safetynet.review.texts import DECISIONS, ERRORS, FLAGGED, FLAGS, REFUSED, STATES
from safetynet.security import audit
from safetynet.security.roles import Permission
from safetynet.security.scope import within
from safetynet.store.models import Claim, Person, ReviewCase
from safetynet.store.models.security import User
from safetynet.web.auditing import record_read
from safetynet.web.bounds import (
    NOTE_LENGTH,
    RULE_LENGTH,
    SHORT_NOTE_LENGTH,
    VersionForm,
    Whole,
    YearForm,
    day_within,
    fen_within,
    small_number,
    text_form,
    text_query,
)
from safetynet.web.csrf import check_csrf
from safetynet.web.db import get_db, release, write_session
from safetynet.web.downloads import file_download
from safetynet.web.errors import WebError
from safetynet.web.ids import RowId
from safetynet.web.security import require
from safetynet.web.templating import gettext_for, locale_of, render

router = APIRouter()
NAMES = {"states": STATES, "decisions": DECISIONS, "flags": FLAGS, "errors": ERRORS,
         "refused": REFUSED, "flagged": FLAGGED}  # fmt: skip
REVIEW = require(Permission.REVIEW_CLAIMS)
ARTICLES = 50  # the articles of the agreement a decision may cite (as the JSON API's bound)
FEN_CEILING = 10**12  # ten billion yuan
USERNAME_LENGTH = 64  # a reviewer's username (the case's assigned_to)


def office(user: User) -> bool:
    """The user is an institution's medical-insurance office (not a reviewer)."""
    return user.institution_code is not None


def case_for(db: Session, user: User, case_id: int) -> ReviewCase:
    found = queue.case_in_scope(db, case_id, user.region_code, user.institution_code)
    if found is None:
        raise WebError(404, "case_unknown", f"no review case {case_id} in your scope")
    return found


def fen_of(value: str, field: str) -> int:
    """An amount in yuan as fen; beyond ten billion yuan either way is no amount of a
    county's review (and would overflow the database's integers)."""
    try:
        fen = to_fen(value)
    except MoneyError:
        fen = FEN_CEILING + 1
    if abs(fen) > FEN_CEILING:
        raise WebError(422, "amount_invalid", f"{field}: not an amount", field=field)
    return fen


def day_of(value: str, field: str) -> date:
    """The form's date (blank: today), from 2000 to a year ahead (422 naming the field)."""
    return day_within(value, field)


def step_day(value: str, field: str) -> date:
    """A case step's date (blank: today): today or later, never in the past, so that no one
    moves an appeal deadline by the date written — an office dating its appeal back before
    the deadline, a reviewer dating a review back so its deadline has passed already."""
    day = day_of(value, field)
    if day < local_today():
        raise WebError(422, "day_in_past", f"{field}: {day} is before today", field=field)
    return day


@router.get("/review", include_in_schema=False)
def queue_page(
    request: Request,
    show: str = text_query("open"),
    mine: bool = False,
    user: User = Depends(REVIEW),
    db: Session = Depends(get_db),
) -> Response:
    """The queue: open cases, flagged ones first, then by risk score; or every case."""
    states = queue.OPEN_STATES if show == "open" else tuple(CaseState)
    rows = queue.queue(db, region=user.region_code, institution_code=user.institution_code,
                       states=states, assigned_to=user.username if mine else None)  # fmt: skip
    record_read(request, db, user, target="review_case", detail={"show": show, "rows": len(rows)})
    return render(request, "review_queue.html", {
        "rows": rows, "show": show, "mine": mine, "names": NAMES, "office": office(user),
        "year": closed_year(db), "error": request.query_params.get("error"),
        "opened": request.query_params.get("opened"),
    })  # fmt: skip


OPEN_LIMIT = 5000  # cases opened by one request at most (a larger or smaller limit is a 422)


@router.post("/review/open", include_in_schema=False)
def open_cases(
    request: Request,
    year: YearForm,
    limit: Whole = Form(200, ge=1, le=OPEN_LIMIT),
    csrf_token: str = text_form(""),
    user: User = Depends(REVIEW),
    db: Session = Depends(get_db),
) -> Response:
    """Open cases for the region's settled claims of a year, riskiest first."""
    check_csrf(request, csrf_token)
    if office(user):
        raise WebError(403, "forbidden", "an institution's office does not open cases")
    release(db)
    with write_session(request) as wdb:
        n = queue.open_for_year(wdb, user.region_code, year, limit=limit)
        audit.record(wdb, username=user.username, action="review.open", target="review_case",
                     detail={"year": year, "opened": n})  # fmt: skip
    return RedirectResponse(f"/review?opened={n}", status_code=303)


def _case_page(request: Request, db: Session, user: User, case: ReviewCase,
               error: ReviewError | None = None) -> Response:  # fmt: skip
    view = queue.case_view(db, case)
    return render(request, "review_case.html", {
        "v": view, "c": view.case, "names": NAMES, "office": office(user),
        "error": error.code if error else request.query_params.get("error"),
        "today": local_today().isoformat(), "open_states": [s.value for s in queue.OPEN_STATES],
    }, status=error.status if error else 200)  # fmt: skip


@router.get("/review/cases/{case_id}", include_in_schema=False)
def case_page(
    request: Request,
    case_id: RowId,
    user: User = Depends(REVIEW),
    db: Session = Depends(get_db),
) -> Response:
    case = case_for(db, user, case_id)
    record_read(request, db, user, target="review_case", target_id=str(case_id))
    return _case_page(request, db, user, case)


def _act(request: Request, db: Session, user: User, case_id: int, act) -> Response:  # type: ignore[no-untyped-def]
    """Run ``act(write_session)``; back to the case, or the case with the refusal (its
    status: 409 when someone else changed it first)."""
    release(db)
    try:
        with write_session(request) as wdb:
            act(wdb)
    except ReviewError as exc:
        case = case_for(db, user, case_id)
        db.refresh(case)
        return _case_page(request, db, user, case, exc)
    return RedirectResponse(f"/review/cases/{case_id}", status_code=303)


@router.post("/review/cases/{case_id}/lines/{line_id}", include_in_schema=False)
def decide(
    request: Request,
    case_id: RowId,
    line_id: RowId,
    version: VersionForm,
    decision: Literal["approved", "adjusted", "rejected"] = Form(...),
    deduct: str = text_form(""),
    reason: str = text_form("", length=NOTE_LENGTH, lines=True),
    rule: str = text_form("", length=RULE_LENGTH),
    article: str = text_form(""),
    csrf_token: str = text_form(""),
    user: User = Depends(REVIEW),
    db: Session = Depends(get_db),
) -> Response:
    """A reviewer's decision on a line (approve, adjust by an amount in yuan, reject)."""
    check_csrf(request, csrf_token)
    case = case_for(db, user, case_id)
    if office(user):
        raise WebError(403, "forbidden", "an institution's office does not decide lines")
    if line_id not in {line.id for line in cases.lines(db, case.id)}:
        raise WebError(404, "line_unknown", f"no line {line_id} in case {case_id}")
    deduct_fen = fen_of(deduct, "deduct") if deduct.strip() else None
    number = small_number(article, "article", 1, ARTICLES)
    return _act(request, db, user, case_id, lambda w: cases.decide_line(
        w, line_id, decision=decision, by=user.username, version=version, deduct_fen=deduct_fen,
        reason=reason, rule_id=rule.strip() or None, article=number))  # fmt: skip


@router.post("/review/cases/{case_id}/{step}", include_in_schema=False)
def case_step(
    request: Request,
    case_id: RowId,
    step: str,
    note: str = text_form("", length=NOTE_LENGTH, lines=True),
    reviewer: str = text_form(""),
    on: str = text_form(""),
    csrf_token: str = text_form(""),
    user: User = Depends(REVIEW),
    db: Session = Depends(get_db),
) -> Response:
    """self-check, appeal, accept (the office); finish, close, assign (reviewers)."""
    check_csrf(request, csrf_token)
    case_for(db, user, case_id)
    by, today = user.username, step_day(on, "on")
    if len(reviewer.strip()) > USERNAME_LENGTH:
        raise WebError(422, "invalid", "reviewer: too long", field="reviewer")
    steps = {
        "self-check": (True, lambda w: cases.self_check(w, case_id, by=by, note=note)),
        "appeal": (True, lambda w: cases.appeal(w, case_id, by=by, reason=note,
                                                today=today)),
        "accept": (True, lambda w: cases.close(w, case_id, by=by, today=today, accepted=True)),
        "finish": (False, lambda w: cases.finish(w, case_id, by=by, today=today)),
        # the deadline has passed by the server's clock, whatever the date written
        "close": (False, lambda w: cases.close(w, case_id, by=by, today=today,
                                               now=local_today())),
        "assign": (False, lambda w: cases.assign(w, case_id, reviewer=reviewer.strip() or None,
                                                 by=by)),
    }  # fmt: skip
    if step not in steps:
        raise WebError(404, "not_found", f"no step {step}")
    for_office, act = steps[step]
    if for_office != office(user):
        raise WebError(403, "forbidden", f"your role does not {step} a case")
    return _act(request, db, user, case_id, act)


def _case_and_claim(db: Session, user: User, case_id: int) -> tuple[ReviewCase, Claim]:
    """A case in the user's scope and its claim (the daily bill's page and PDF)."""
    case = case_for(db, user, case_id)
    claim = db.get(Claim, case.claim_id)
    assert claim is not None
    return case, claim


@router.get("/review/cases/{case_id}/daily-bill", include_in_schema=False)
def daily_bill_page(
    request: Request,
    case_id: RowId,
    user: User = Depends(REVIEW),
    db: Session = Depends(get_db),
) -> Response:
    """The daily bill (一日清单) of the case's claim: each day's items and total."""
    case, claim = _case_and_claim(db, user, case_id)
    days = queue.daily_bill(db, claim)
    record_read(request, db, user, target="daily_bill", target_id=claim.claim_no)
    return render(request, "review_daily_bill.html", {"c": case, "claim": claim, "days": days})


@router.get("/review/cases/{case_id}/daily-bill.pdf", include_in_schema=False)
def daily_bill_pdf(
    request: Request,
    case_id: RowId,
    user: User = Depends(REVIEW),
    db: Session = Depends(get_db),
) -> Response:
    _case, claim = _case_and_claim(db, user, case_id)
    _ = gettext_for(request)
    table = daily_bill_table(queue.daily_bill(db, claim), locale_of(request))
    period = f"{claim.claim_no} · {claim.institution_code} · {claim.start_date} – {claim.end_date}"
    body = write_pdf(_("Daily bill"), [table], subtitle=period)
    return file_download(request, db, user, body, ext="pdf", stem=f"daily-bill-{claim.claim_no}",
                         target="daily_bill", target_id=claim.claim_no)  # fmt: skip


@router.post("/review/callbacks", include_in_schema=False)
def callback(
    request: Request,
    claim_no: str = text_form(...),
    care_received: str = text_form(""),
    drugs_received: str = text_form(""),
    paid: str = text_form(...),
    on: str = text_form(""),
    note: str = text_form("", length=SHORT_NOTE_LENGTH),
    csrf_token: str = text_form(""),
    user: User = Depends(REVIEW),
    db: Session = Depends(get_db),
) -> Response:
    """Record a call-back to a discharged patient of the region (township reviewers)."""
    check_csrf(request, csrf_token)
    if office(user):
        raise WebError(403, "forbidden", "an institution's office does not call patients back")
    claim_id = db.scalar(
        select(Claim.id).join(Person, Person.id == Claim.person_id)
        .where(Claim.claim_no == claim_no.strip(), within(Person.region_code, user.region_code))
    )  # fmt: skip
    if claim_id is None:
        return RedirectResponse("/review?error=claim_unknown", status_code=303)
    paid_fen, day = fen_within(paid, "paid"), day_of(on, "on")
    if day > local_today():  # a call made, not one planned
        raise WebError(422, "day_out_of_range", f"on: {day} is after today", field="on")
    release(db)
    try:
        with write_session(request) as wdb:
            callbacks.record(wdb, claim_id, care_received=care_received == "yes",
                             drugs_received=drugs_received == "yes", paid_fen=paid_fen,
                             by=user.username, on=day, note=note or None)  # fmt: skip
    except ReviewError as exc:
        return RedirectResponse(f"/review?error={exc.code}", status_code=303)
    return RedirectResponse("/review", status_code=303)
