"""Re-assistance rounds on the web: the rounds of a year, one round's households each with its
explained amount and members, the steps — draft (from the ledger, pro rata when the budget
is short), approve (not by who computed it), pay (posted to the fund journal once), cancel
(with a reason; a paid round's posting reversed) — and the round as Excel or PDF.

Reading needs ``report.read`` (names and resident IDs masked without ``person.read``);
a reader sees the rounds of the county they are in or under, and only their region's
households (a round of another county: 404, as none, to read it as to act on it):
a township's staff see what the round pays their own households, read-only. A step needs
``reassist.pay`` (the bureau) at the county or above (403 below it), carries the session's
CSRF token and is audited by the service; every view and download is audited. A
refused step returns to the page with its sentence. Thin over
:mod:`safetynet.early_warning.rounds` and :mod:`safetynet.early_warning.round_view`.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.early_warning import round_export, round_view
from safetynet.early_warning.rounds import (
    RoundError,
    approve_round,
    cancel_round,
    draft_round,
    pay_round,
)
from safetynet.funds.page import county_or_above
from safetynet.money import MoneyError, to_fen
from safetynet.security.roles import Permission, user_allows
from safetynet.store.models import ReassistanceRound
from safetynet.store.models.security import User
from safetynet.web.auditing import record_read
from safetynet.web.bounds import SHORT_NOTE_LENGTH, Whole, WholeOrNone, day_within, text_form
from safetynet.web.csrf import check_csrf
from safetynet.web.db import get_db, write_session
from safetynet.web.db import release as end_read
from safetynet.web.downloads import file_download
from safetynet.web.errors import WebError
from safetynet.web.ids import RowId
from safetynet.web.security import require
from safetynet.web.templating import locale_of, render

router = APIRouter()
BASE = "/warnings/rounds"
MAX_BUDGET_FEN = 10**13  # 100 billion yuan: far above any county's, far inside the column


def _county(db: Session, user: User) -> None:
    """The steps are the county's: refuse a user whose region is below the county."""
    if not county_or_above(db, user.region_code):
        raise WebError(403, "rounds_county", "re-assistance rounds are kept at the county")


def _round(db: Session, user: User, round_id: int) -> ReassistanceRound:
    """The round if the user's region sees it (its county, a township of it, a region above
    it); 404 otherwise — another county's round, one beside the user's region in the county
    or none at all get the same answer (the rule for every object outside the user's
    region), to read it as to act on it."""
    found = db.get(ReassistanceRound, round_id)
    if found is None or not round_view.visible(db, found, user.region_code):
        raise WebError(404, "reassist_round_unknown", f"no re-assistance round {round_id}")
    return found


def _error(request: Request) -> str | None:
    return round_view.ERRORS.get(request.query_params.get("error") or "")


@router.get(BASE, include_in_schema=False)
def rounds_page(
    request: Request,
    year: WholeOrNone = Query(None, ge=1990, le=2100),
    user: User = Depends(require(Permission.WARNING_READ, Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """The rounds of a year (default: the latest year with a round, else this year) and, for
    the bureau at the county, the form that drafts one."""
    y = year or round_view.latest_year(db) or local_today().year
    rounds = round_view.rounds_of(db, y, user.region_code)
    county = county_or_above(db, user.region_code)
    record_read(request, db, user, target="reassistance_rounds", detail={"year": y})
    return render(request, "warning_rounds.html", {
        "year": y, "rounds": rounds, "county": county, "states": round_view.STATES,
        "may_pay": county and user_allows(user, Permission.REASSIST_PAY), "error": _error(request),
    })  # fmt: skip


@router.post(BASE, include_in_schema=False)
def rounds_draft(
    request: Request,
    year: Whole = Form(..., ge=1990, le=2100),
    budget: str = text_form(""),
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.REASSIST_PAY)),
    db: Session = Depends(get_db),
) -> Response:
    """Draft the year's round of the user's region from the ledger; to the round (or back,
    refused)."""
    check_csrf(request, csrf_token)
    _county(db, user)
    try:
        budget_fen = to_fen(budget.strip()) if budget.strip() else None
    except MoneyError:
        raise WebError(422, "budget_invalid", "the budget is an amount in yuan",
                       field="budget") from None  # fmt: skip
    if budget_fen is not None and not 0 <= budget_fen <= MAX_BUDGET_FEN:
        raise WebError(422, "budget_invalid", "the budget is an amount in yuan", field="budget")
    region = user.region_code
    end_read(db)
    try:
        with write_session(request) as wdb:
            row = draft_round(wdb, year, region, user=user.username, budget_fen=budget_fen)
            round_id = row.id
    except RoundError as exc:
        return RedirectResponse(f"{BASE}?year={year}&error={exc.code}", status_code=303)
    return RedirectResponse(f"{BASE}/{round_id}", status_code=303)


@router.get(BASE + "/{round_id}", include_in_schema=False)
def round_page(
    request: Request,
    round_id: RowId,
    user: User = Depends(require(Permission.WARNING_READ, Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """One round: its figures, each household of the user's region with what explains its
    amount and its members, and (the bureau at the county) its next step."""
    found = _round(db, user, round_id)
    summary = round_view.round_summary(db, found, user.region_code)
    unmasked = user_allows(user, Permission.PERSON_READ)
    rows = round_view.households_of(db, round_id, user.region_code, unmasked=unmasked)
    county = county_or_above(db, user.region_code)
    record_read(request, db, user, target="reassistance_round", target_id=str(round_id))
    return render(request, "warning_round.html", {
        "r": summary, "rows": rows, "county": county, "states": round_view.STATES,
        "may_pay": county and user_allows(user, Permission.REASSIST_PAY),
        "today": local_today().isoformat(), "error": _error(request),
    })  # fmt: skip


def _step(request: Request, db: Session, user: User, round_id: int, csrf: str, step: str,
          on: date, reason: str = "") -> Response:  # fmt: skip
    """Approve, pay or cancel the round; back to it (with the refusal's code)."""
    check_csrf(request, csrf)
    _county(db, user)
    _round(db, user, round_id)
    end_read(db)
    try:
        with write_session(request) as wdb:
            where = user.region_code
            if step == "approve":
                approve_round(wdb, round_id, user=user.username, on=on, region_code=where)
            elif step == "pay":
                pay_round(wdb, round_id, user=user.username, on=on, region_code=where)
            else:
                cancel_round(wdb, round_id, user=user.username, on=on, reason=reason,
                             region_code=where)  # fmt: skip
    except RoundError as exc:
        if exc.code == "round.other_county":  # outside the user's region: as no round
            raise WebError(404, "reassist_round_unknown", str(exc)) from None
        return RedirectResponse(f"{BASE}/{round_id}?error={exc.code}", status_code=303)
    return RedirectResponse(f"{BASE}/{round_id}", status_code=303)


def _day(on: str) -> date:
    """The day of a step: from the scheme's earliest date to a year ahead (blank: today)."""
    return day_within(on, "on")


@router.post(BASE + "/{round_id}/approve", include_in_schema=False)
def round_approve(
    request: Request,
    round_id: RowId,
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.REASSIST_PAY)),
    db: Session = Depends(get_db),
) -> Response:
    """Approve a draft round (not by who computed it; the year's other drafts go)."""
    return _step(request, db, user, round_id, csrf_token, "approve", local_today())


@router.post(BASE + "/{round_id}/pay", include_in_schema=False)
def round_pay(
    request: Request,
    round_id: RowId,
    on: str = text_form(""),
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.REASSIST_PAY)),
    db: Session = Depends(get_db),
) -> Response:
    """Pay an approved round on the date paid: posted to the fund journal once."""
    return _step(request, db, user, round_id, csrf_token, "pay", _day(on))


@router.post(BASE + "/{round_id}/cancel", include_in_schema=False)
def round_cancel(
    request: Request,
    round_id: RowId,
    reason: str = text_form("", length=SHORT_NOTE_LENGTH),
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.REASSIST_PAY)),
    db: Session = Depends(get_db),
) -> Response:
    """Cancel an approved or paid round, saying why (a paid round's posting reversed)."""
    return _step(request, db, user, round_id, csrf_token, "cancel", local_today(), reason)


@router.get(BASE + "/{round_id}/round.{ext}", include_in_schema=False)
def round_download(
    request: Request,
    round_id: RowId,
    ext: str,
    user: User = Depends(require(Permission.WARNING_READ, Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """The round's households of the user's region as Excel or PDF (audited as an export)."""
    if ext not in ("xlsx", "pdf"):
        raise WebError(404, "format_unknown", f"no round as .{ext}")
    found = _round(db, user, round_id)
    summary = round_view.round_summary(db, found, user.region_code)
    unmasked = user_allows(user, Permission.PERSON_READ)
    rows = round_view.households_of(db, round_id, user.region_code, unmasked=unmasked)
    lang = locale_of(request)
    body = (
        round_export.round_xlsx(summary, rows, lang)
        if ext == "xlsx"
        else round_export.round_pdf(summary, rows, lang)
    )
    return file_download(request, db, user, body, ext=ext, stem=f"reassistance-round-{round_id}",
                         target="reassistance_round", target_id=str(round_id),
                         detail={"masked": not unmasked})  # fmt: skip
