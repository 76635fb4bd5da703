"""Payment rounds of institutions on the web: the rounds of a year, one round's payments,
and its steps — make (from the month's statements), approve (not by its maker), release
(not by its approver: the payments posted to the journal once) — and the bank's file of a
released round.

Reading needs ``funds.read``, a step ``funds.pay`` (the bureau); the rounds are the county's,
so a user whose region is below the county is refused (403); a county user's round pays
their county's money only (the journal's payer region), a user above the county's every
county's; a round whose payer is above the county (every county's, a city's) is read and
worked only by a user above the county (403 ``payments_county`` for a county's user); a
round of a region beside the user's (another county's, another city's) is a 404, as no round
at all, on every route (the rule for every object outside the user's region). Every
step carries the session's CSRF token and is written to the audit log by the service; every view and
download is audited too. A refused step returns to the page with its sentence. Thin over
:mod:`safetynet.funds.payments` and :mod:`safetynet.funds.batches`.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.funds.batches import (
    ERRORS,
    STATES,
    next_step,
    payments_of,
    rounds_of,
    unknown_payees_sentence,
)
from safetynet.funds.page import county_or_above, journal_years
from safetynet.funds.payments import (
    PaymentError,
    approve,
    bank_csv,
    make_round,
    may_work_round,
    refusal,
    release,
    round_months,
    workable_rounds,
)
from safetynet.funds.rules import default_rules
from safetynet.funds.statements import payer_prefix
from safetynet.funds.tables import fund_names
from safetynet.money import fmt_yuan
from safetynet.regions import in_region
from safetynet.security.roles import Permission, user_allows
from safetynet.store.models import PaymentBatch
from safetynet.store.models.security import User
from safetynet.web.auditing import record_read
from safetynet.web.bounds import Whole, YearForm, YearQuery, day_within, text_form
from safetynet.web.csrf import check_csrf
from safetynet.web.db import get_db, write_session
from safetynet.web.db import release as end_read
from safetynet.web.errors import WebError
from safetynet.web.ids import RowId
from safetynet.web.security import require
from safetynet.web.templating import locale_of, render

router = APIRouter()


def _county(db: Session, user: User) -> None:
    """The rounds are the county's: refuse a user whose region is below the county."""
    if not county_or_above(db, user.region_code):
        raise WebError(403, "payments_county", "payment rounds are the county's")


def county_payer(region_code: str) -> str | None:
    """The paying county of a county user's rounds (None above the county: every county's)."""
    prefix = payer_prefix(region_code)
    return prefix if len(prefix) == 6 else None


def _batch(db: Session, batch_id: int, user: User) -> PaymentBatch:
    """The round, if its payer lies in the user's region or above it: 404 for a round of a
    region beside the user's (another county's, another city's), the same answer as for no
    round at all (the rule for every object outside the user's region); a round above the
    county for a user who is not: 403 ``payments_county``; a round of every county's money
    that pays counties outside the region of a user above the county: 403
    ``payments_region``."""
    found = db.get(PaymentBatch, batch_id)
    payer = found.payer_region if found is not None else None
    beside = payer is not None and not (
        in_region(payer, user.region_code) or in_region(user.region_code, payer)
    )
    if found is None or beside:
        raise WebError(404, "payment_round_unknown", f"no payment round {batch_id}")
    if not may_work_round(db, found, user.region_code):
        code = refusal(db, user.region_code)
        raise WebError(403, code, f"payment round {batch_id} is above the county or the region")
    return found


@router.get("/funds/payments", include_in_schema=False)
def payments_page(
    request: Request,
    year: YearQuery = None,
    user: User = Depends(require(Permission.FUNDS_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """The payment rounds of a year (default: the latest year in the journal) and the form
    that makes the next one."""
    _county(db, user)
    years = journal_years(db)
    year = year if year is not None else (years[0] if years else local_today().year)
    rounds = [
        {"id": b.id, "month": f"{b.year}-{b.month:02d}", "state": STATES.get(b.state, b.state),
         "total": fmt_yuan(b.total_fen), "made_by": b.made_by, "approved_by": b.approved_by or "",
         "released_by": b.released_by or ""}
        for b in workable_rounds(db, rounds_of(db, year, payer_prefix(user.region_code)),
                                 user.region_code)
    ]  # fmt: skip
    record_read(request, db, user, target="payment_batches", detail={"year": year})
    error = request.query_params.get("error")
    sentence, args = ERRORS.get(error or "") if error else None, {}
    if error == "round_unknown_institution":  # named: the codes and the journal's entries
        named = unknown_payees_sentence(db, year, county_payer(user.region_code))
        sentence, args = named or (sentence, {})
    return render(request, "fund_payments.html", {
        "year": year, "years": years or [year], "rounds": rounds,
        "may_pay": user_allows(user, Permission.FUNDS_PAY), "months": round_months(year),
        "error": sentence, "error_args": args,
    })  # fmt: skip


@router.post("/funds/payments", include_in_schema=False)
def payments_make(
    request: Request,
    year: YearForm,
    month: Whole = Form(..., ge=1, le=12),
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.FUNDS_PAY)),
    db: Session = Depends(get_db),
) -> Response:
    """Make the month's round from the statements; to the round (or back, refused)."""
    check_csrf(request, csrf_token)
    _county(db, user)
    end_read(db)
    try:
        with write_session(request) as wdb:
            batch = make_round(wdb, default_rules(), year, month, user=user.username,
                               payer_region=county_payer(user.region_code),
                               region_code=user.region_code)  # fmt: skip
            batch_id = batch.id
    except PaymentError as exc:
        return RedirectResponse(f"/funds/payments?year={year}&error={exc.code}", status_code=303)
    return RedirectResponse(f"/funds/payments/{batch_id}", status_code=303)


@router.get("/funds/payments/{batch_id}", include_in_schema=False)
def payment_page(
    request: Request,
    batch_id: RowId,
    user: User = Depends(require(Permission.FUNDS_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """One round: its payments by institution and fund, who did what, its next step."""
    _county(db, user)
    batch = _batch(db, batch_id, user)
    funds = fund_names(default_rules(), locale_of(request))
    rows = [
        {"institution": f"{p.institution} ({p.institution_code})",
         "fund": funds.get(p.fund, p.fund), "approved": fmt_yuan(p.approved_fen),
         "deposit": fmt_yuan(p.deposit_fen), "prepaid": fmt_yuan(p.prepaid_fen),
         "amount": fmt_yuan(p.amount_fen)}
        for p in payments_of(db, batch_id)
    ]  # fmt: skip
    record_read(request, db, user, target="payment_batch", target_id=str(batch_id))
    error = request.query_params.get("error")
    return render(request, "fund_payment.html", {
        "b": batch, "state": STATES.get(batch.state, batch.state), "rows": rows,
        "total": fmt_yuan(batch.total_fen), "step": next_step(batch),
        "may_pay": user_allows(user, Permission.FUNDS_PAY), "today": local_today().isoformat(),
        "error": ERRORS.get(error or "") if error else None,
    })  # fmt: skip


def _step(request: Request, db: Session, user: User, batch_id: int, csrf: str,
          on: date | None) -> Response:  # fmt: skip
    """Approve (``on`` None) or release the round; back to it (with the refusal's code)."""
    check_csrf(request, csrf)
    _county(db, user)
    _batch(db, batch_id, user)
    end_read(db)
    try:
        with write_session(request) as wdb:
            where = user.region_code
            if on is None:
                approve(wdb, batch_id, user=user.username, region_code=where)
            else:
                release(wdb, default_rules(), batch_id, user=user.username, on=on,
                        region_code=where)  # fmt: skip
    except PaymentError as exc:
        if exc.code == "payments_county":
            raise WebError(403, "payments_county", str(exc)) from None
        return RedirectResponse(f"/funds/payments/{batch_id}?error={exc.code}", status_code=303)
    return RedirectResponse(f"/funds/payments/{batch_id}", status_code=303)


@router.post("/funds/payments/{batch_id}/approve", include_in_schema=False)
def payment_approve(
    request: Request,
    batch_id: RowId,
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.FUNDS_PAY)),
    db: Session = Depends(get_db),
) -> Response:
    """Approve a draft round (not by its maker)."""
    return _step(request, db, user, batch_id, csrf_token, None)


@router.post("/funds/payments/{batch_id}/release", include_in_schema=False)
def payment_release(
    request: Request,
    batch_id: RowId,
    on: str = text_form(""),
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.FUNDS_PAY)),
    db: Session = Depends(get_db),
) -> Response:
    """Release an approved round on the date paid (not by its approver; posted once)."""
    # from the scheme's earliest date to a year ahead, as every room's "on" date
    return _step(request, db, user, batch_id, csrf_token, day_within(on, "on"))


@router.get("/funds/payments/{batch_id}/bank.csv", include_in_schema=False)
def payment_bank_file(
    request: Request,
    batch_id: RowId,
    user: User = Depends(require(Permission.FUNDS_PAY)),
    db: Session = Depends(get_db),
) -> Response:
    """The bank's file of a released round (CSV, yuan); the download is audited."""
    _county(db, user)
    batch = _batch(db, batch_id, user)
    try:
        body = bank_csv(db, batch_id)
    except PaymentError:
        raise WebError(404, "payment_round_unreleased", "the round is not released") from None
    record_read(request, db, user, target="payment_batch", target_id=str(batch_id),
                detail={"format": "csv"}, action="export")  # fmt: skip
    name = f"bank-{batch.year}-{batch.month:02d}-{batch.id}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
