"""The bureau inspector's review pages: spot checks (draw, findings, extrapolation, booking),
sanction cases with fines and recoveries, suspensions, and the review's exports. Thin over
:mod:`safetynet.review`; region-scoped; every change audited by the service, every read and
export by the page."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.exports.pdf import write_pdf
from safetynet.exports.xlsx import xlsx_bytes
from safetynet.reports.years import closed_year
from safetynet.review import sanctions, spot_checks, tables
from safetynet.review.errors import ReviewError
from safetynet.review.params import params_today
from safetynet.review.texts import ERRORS, REFUSED, STATES
from safetynet.security.roles import Permission
from safetynet.security.scope import region_contains
from safetynet.store.models import Claim, Institution, SpotCheck
from safetynet.store.models.security import User
from safetynet.web.access import person_in_region, region_in_scope
from safetynet.web.auditing import record_read
from safetynet.web.bounds import (
    NOTE_LENGTH,
    RULE_LENGTH,
    SHORT_NOTE_LENGTH,
    TextItems,
    Whole,
    text_form,
    text_query,
)
from safetynet.web.csrf import check_csrf
from safetynet.web.db import get_db, release, write_session
from safetynet.web.downloads import file_download
from safetynet.web.errors import WebError
from safetynet.web.ids import RowId
from safetynet.web.routes.review import day_of, fen_of
from safetynet.web.security import require
from safetynet.web.templating import locale_of, render

router = APIRouter()
INSPECT = require(Permission.REVIEW_INSPECT)
NAMES = {"errors": ERRORS, "states": STATES, "refused": REFUSED}


def institution_in_region(db: Session, user: User, code: str) -> None:
    """A sanction's or suspension's institution (when given) must lie in the user's region:
    404 otherwise, the same answer whether it exists elsewhere or not at all."""
    if not code.strip():
        return
    region = db.scalar(select(Institution.region_code).where(Institution.code == code.strip()))
    if region is None or not region_contains(db, user.region_code, region):
        raise WebError(404, "institution_unknown", f"no institution {code} in your region")


def check_in_region(db: Session, user: User, spot_check_id: int) -> SpotCheck:
    found = db.get(SpotCheck, spot_check_id)
    if found is None or not region_contains(db, user.region_code, found.region_code):
        raise WebError(404, "spot_check_unknown", f"no spot check {spot_check_id} in your region")
    return found


@router.get("/review/spot-checks", include_in_schema=False)
def spot_checks_page(
    request: Request, user: User = Depends(INSPECT), db: Session = Depends(get_db)
) -> Response:
    checks = [c for c in db.scalars(select(SpotCheck).order_by(SpotCheck.id.desc()))
              if region_contains(db, user.region_code, c.region_code)]  # fmt: skip
    record_read(request, db, user, target="spot_check", detail={"rows": len(checks)})
    year = closed_year(db)
    return render(request, "review_spot_checks.html", {
        "checks": checks, "names": NAMES, "error": request.query_params.get("error"),
        "start": date(year, 1, 1).isoformat(), "end": date(year, 12, 31).isoformat(),
        "strata": params_today(local_today()).sampling.strata,
    })  # fmt: skip


@router.post("/review/spot-checks", include_in_schema=False)
def draw(
    request: Request,
    start: str = text_form(...),
    end: str = text_form(...),
    seed: Whole = Form(...),
    region: str = text_form(""),
    csrf_token: str = text_form(""),
    user: User = Depends(INSPECT),
    db: Session = Depends(get_db),
) -> Response:
    check_csrf(request, csrf_token)
    code = region_in_scope(db, user, region or None)
    first, last = day_of(start, "start"), day_of(end, "end")
    release(db)
    try:
        with write_session(request) as wdb:
            check = spot_checks.draw_spot_check(wdb, region=code, start=first, end=last,
                                                seed=seed, by=user.username)  # fmt: skip
            check_id = check.id
    except ReviewError as exc:
        return RedirectResponse(f"/review/spot-checks?error={exc.code}", status_code=303)
    return RedirectResponse(f"/review/spot-checks/{check_id}", status_code=303)


@router.get("/review/spot-checks/{spot_check_id}", include_in_schema=False)
def spot_check_page(
    request: Request, spot_check_id: RowId, user: User = Depends(INSPECT),
    db: Session = Depends(get_db),
) -> Response:  # fmt: skip
    check = check_in_region(db, user, spot_check_id)
    rows = spot_checks.sample(db, spot_check_id)
    numbers = dict(db.execute(select(Claim.id, Claim.claim_no).where(
        Claim.id.in_([r.claim_id for r in rows]))).all())  # fmt: skip
    est = spot_checks.extrapolation(db, spot_check_id)
    names = tables.stratum_names(spot_checks.params_of(check), locale_of(request))
    table = tables.extrapolation_table(est, locale_of(request), names)
    record_read(request, db, user, target="spot_check", target_id=str(spot_check_id))
    return render(request, "review_spot_check.html", {
        "check": check, "rows": rows, "numbers": numbers, "est": est, "table": table,
        "strata": names,
        "names": NAMES, "error": request.query_params.get("error"),
    })  # fmt: skip


@router.post("/review/spot-checks/{spot_check_id}/findings/{sampled_id}", include_in_schema=False)
def finding(
    request: Request, spot_check_id: RowId, sampled_id: RowId, found: str = text_form(...),
    csrf_token: str = text_form(""), user: User = Depends(INSPECT), db: Session = Depends(get_db),
) -> Response:  # fmt: skip
    check_csrf(request, csrf_token)
    check_in_region(db, user, spot_check_id)
    if sampled_id not in {r.id for r in spot_checks.sample(db, spot_check_id)}:
        raise WebError(404, "sampled_unknown", f"no sampled claim {sampled_id}")
    found_fen = fen_of(found, "found")
    by = user.username
    return _act(request, f"/review/spot-checks/{spot_check_id}",
                lambda w: spot_checks.record_finding(w, sampled_id, found_fen=found_fen, by=by),
                db)  # fmt: skip


@router.post("/review/spot-checks/{spot_check_id}/book", include_in_schema=False)
def book(
    request: Request, spot_check_id: RowId, csrf_token: str = text_form(""),
    user: User = Depends(INSPECT), db: Session = Depends(get_db),
) -> Response:  # fmt: skip
    check_csrf(request, csrf_token)
    check_in_region(db, user, spot_check_id)
    return _act(request, f"/review/spot-checks/{spot_check_id}",
                lambda w: spot_checks.book(w, spot_check_id, by=user.username), db)  # fmt: skip


def _act(request: Request, back: str, act, db: Session) -> Response:  # type: ignore[no-untyped-def]
    release(db)
    try:
        with write_session(request) as wdb:
            act(wdb)
    except ReviewError as exc:
        return RedirectResponse(f"{back}?error={exc.code}", status_code=303)
    return RedirectResponse(back, status_code=303)


@router.get("/review/sanctions", include_in_schema=False)
def sanctions_page(
    request: Request, user: User = Depends(INSPECT), db: Session = Depends(get_db)
) -> Response:
    rows = [r for r in sanctions.case_rows(db)
            if region_contains(db, user.region_code, r.region_code)]  # fmt: skip
    suspensions = sanctions.suspensions_in(db, user.region_code)
    record_read(request, db, user, target="sanction_case", detail={"rows": len(rows)})
    params = params_today(local_today())
    return render(request, "review_sanctions.html", {
        "rows": rows, "suspensions": suspensions, "names": NAMES, "articles": params.articles,
        "error": request.query_params.get("error"), "today": local_today().isoformat(),
    })  # fmt: skip


@router.post("/review/sanctions", include_in_schema=False)
def open_sanction(
    request: Request, article: Whole = Form(...), finding: str = text_form(..., length=NOTE_LENGTH,
                                                                    lines=True),
    loss: str = text_form(...), multiple: str = text_form(""), fine: str = text_form(""),
    institution: str = text_form(""),
    resident_id: str = text_form(""), csrf_token: str = text_form(""),
    user: User = Depends(INSPECT),
    db: Session = Depends(get_db),
) -> Response:  # fmt: skip
    check_csrf(request, csrf_token)
    person_id = person_in_region(db, user, resident_id).id if resident_id.strip() else None
    institution_in_region(db, user, institution)
    loss_fen = fen_of(loss, "loss")
    return _act(request, "/review/sanctions", lambda w: sanctions.open_case(
        w, article=article, finding=finding, loss_fen=loss_fen,
        fine_multiple=multiple.strip() or None, fine_yuan=fine.strip() or None,
        by=user.username, today=local_today(), institution_code=institution.strip() or None,
        person_id=person_id), db)  # fmt: skip


def _case_in_region(db: Session, user: User, case_id: int) -> None:
    """Refuse (404) a sanction case outside the user's region, or none at all."""
    region = sanctions.case_region(db, case_id)
    if region is None or not region_contains(db, user.region_code, region):
        raise WebError(404, "not_found", f"no sanction case {case_id} in your region")


@router.post("/review/sanctions/{case_id}/recover", include_in_schema=False)
def recover(
    request: Request, case_id: RowId, amount: str = text_form(...), on: str = text_form(""),
    csrf_token: str = text_form(""), user: User = Depends(INSPECT), db: Session = Depends(get_db),
) -> Response:  # fmt: skip
    check_csrf(request, csrf_token)
    _case_in_region(db, user, case_id)
    amount_fen, day = fen_of(amount, "amount"), day_of(on, "on")
    return _act(request, "/review/sanctions", lambda w: sanctions.record_recovery(
        w, case_id, amount_fen=amount_fen, by=user.username, received_on=day), db)  # fmt: skip


@router.post("/review/sanctions/{case_id}/cancel", include_in_schema=False)
def cancel_sanction(
    request: Request, case_id: RowId, reason: str = text_form(..., length=SHORT_NOTE_LENGTH),
    csrf_token: str = text_form(""), user: User = Depends(INSPECT), db: Session = Depends(get_db),
) -> Response:  # fmt: skip
    """Cancel (overturn) a sanction case: its recoveries are reversed in the fund journal."""
    check_csrf(request, csrf_token)
    _case_in_region(db, user, case_id)
    return _act(request, "/review/sanctions", lambda w: sanctions.cancel_case(
        w, case_id, by=user.username, on=local_today(), reason=reason), db)  # fmt: skip


@router.post("/review/sanctions/{case_id}/refund", include_in_schema=False)
def refund_sanction(
    request: Request, case_id: RowId, csrf_token: str = text_form(""),
    user: User = Depends(INSPECT),
    db: Session = Depends(get_db),
) -> Response:  # fmt: skip
    """Refund a person what was recovered on a case cancelled after the recovery (posted
    once to the fund journal; a second request pays nothing)."""
    check_csrf(request, csrf_token)
    _case_in_region(db, user, case_id)
    return _act(request, "/review/sanctions", lambda w: sanctions.refund_case(
        w, case_id, by=user.username, on=local_today()), db)  # fmt: skip


@router.post("/review/suspensions", include_in_schema=False)
def suspend(
    request: Request, article: Whole = Form(...), months: Whole = Form(...),
    start: str = text_form(""),
    reason: str = text_form(..., length=SHORT_NOTE_LENGTH), resident_id: str = text_form(""),
    institution: str = text_form(""), department: str = text_form("", length=RULE_LENGTH),
    kinds: TextItems = Form([]), csrf_token: str = text_form(""),
    user: User = Depends(INSPECT), db: Session = Depends(get_db),
) -> Response:  # fmt: skip
    """Suspend a person's direct settlement (resident ID) or an institution's department."""
    check_csrf(request, csrf_token)
    day = day_of(start, "start")
    if resident_id.strip():
        person_id = person_in_region(db, user, resident_id).id
        return _act(request, "/review/sanctions", lambda w: sanctions.suspend_person(
            w, person_id=person_id, article=article, months=months, valid_from=day,
            reason=reason, by=user.username), db)  # fmt: skip
    institution_in_region(db, user, institution)
    return _act(request, "/review/sanctions", lambda w: sanctions.suspend_department(
        w, institution_code=institution.strip(), department=department,
        claim_kinds=[k for k in kinds if k], article=article, months=months, valid_from=day,
        reason=reason, by=user.username), db)  # fmt: skip


EXPORTS = ("decisions", "deductions", "cases")


@router.get("/review/export/{what}.{ext}", include_in_schema=False)
def export(
    request: Request, what: str, ext: str, start: str = text_query(), end: str = text_query(),
    user: User = Depends(INSPECT), db: Session = Depends(get_db),
) -> Response:  # fmt: skip
    """Decisions or deductions per institution per month of a period, or the sanction cases,
    as xlsx or PDF (audited as an export)."""
    if what not in EXPORTS or ext not in ("xlsx", "pdf"):
        raise WebError(404, "not_found", f"no export {what}.{ext}")
    year = local_today().year  # decisions and cases are dated when made: by the clock
    first = day_of(start, "start") if start else date(year - 1, 1, 1)
    last = day_of(end, "end") if end else date(year, 12, 31)
    lang = locale_of(request)
    region = user.region_code  # the region's own decisions, deductions and cases
    if what == "decisions":
        table = tables.decisions_table(db, first, last, lang, region=region)
    elif what == "deductions":
        table = tables.deductions_table(db, first, last, lang, region=region)
    else:
        table = tables.cases_table(db, lang, region=region)
    body = xlsx_bytes([table]) if ext == "xlsx" else write_pdf(table.title, [table])
    return file_download(request, db, user, body, ext=ext, stem=f"review-{what}",
                         target="review_export", target_id=what,
                         detail={"from": first.isoformat(), "to": last.isoformat()})  # fmt: skip
