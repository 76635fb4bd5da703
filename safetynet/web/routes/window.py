"""The one-stop window: enter a claim's items, preview the settlement, confirm, print the
slip that lists every layer, the rule behind it and what the patient pays; refund.

Preview hands the confirm form a fresh client key, so a double click or a browser retry of
"confirm" settles once (the service is idempotent on the key). A bill identical to one
settled before is refused (``duplicate_bill``); the form then asks for the reason it is a
second, genuine bill, and previewing again with it lets it be confirmed (the reason is
audited with the settlement).
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable, Coroutine
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased
from starlette.exceptions import HTTPException

from safetynet.catalogs.in_force import entry_on, in_force_on
from safetynet.clock import local_today
from safetynet.codes import ClaimKind
from safetynet.early_warning.online import raised_by
from safetynet.early_warning.tables import LEVEL_NAMES, RULE_NAMES
from safetynet.numerals import numeric_text
from safetynet.security import audit
from safetynet.security.roles import Permission, user_allows
from safetynet.security.scope import within
from safetynet.settlement import service
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.submission import DUPLICATE_REASON_LENGTH, MAX_ITEMS, ClaimSubmission
from safetynet.store.models import CatalogItem, Claim, Institution, Person, Settlement
from safetynet.store.models.security import User
from safetynet.supervision.window import ScreeningRefusal, previewed_hits, shown, stored_hits
from safetynet.web.access import (
    check_submission,
    person_in_region,
    settlement_in_region,
    settlement_to_refund,
)
from safetynet.web.auditing import record_preview, record_read
from safetynet.web.bounds import SHORT_NOTE_LENGTH, TextItems, text_form, text_query
from safetynet.web.csrf import check_csrf
from safetynet.web.db import get_db, release, write_session
from safetynet.web.security import require
from safetynet.web.settlement_slip import SettlementId, slip_pdf_response
from safetynet.web.settling import settle_request
from safetynet.web.slip_data import slip_of
from safetynet.web.templating import locale_of, render

EMPTY_ROWS = 6
ROW_FIELDS = ("item_code", "item_quantity", "item_amount")  # the fields of one item row
# the most fields the claim form is read with: MAX_ITEMS item rows (the bound of a claim's
# item lines, the API's too) and the form's other fields, with room to spare
CLAIM_FORM_FIELDS = len(ROW_FIELDS) * MAX_ITEMS + 100


def too_many_rows(rows: int | None = None) -> SettlementError:
    """The refusal of a claim form with more item rows than a claim has item lines."""
    sent = f", not {rows}" if rows is not None else ""
    return SettlementError(
        "items_too_many", f"a claim has at most {MAX_ITEMS} item lines{sent}", field="items"
    )


class ClaimFormRoute(APIRoute):
    """A window route whose form is read with room for :data:`MAX_ITEMS` item rows (a web
    framework's default of a thousand fields holds about 330); a form with more fields than
    :data:`CLAIM_FORM_FIELDS` is refused as too many item rows (422 naming ``items``),
    never a 400 in English."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def read_form_first(request: Request) -> Response:
            if request.method == "POST":
                try:  # kept by the request: the route's own reading takes it from there
                    await request.form(max_fields=CLAIM_FORM_FIELDS)
                except HTTPException as exc:
                    if exc.status_code == 400 and str(exc.detail).startswith("Too many fields"):
                        raise too_many_rows() from None
                    raise
            return await handler(request)

        return read_form_first


router = APIRouter(route_class=ClaimFormRoute)
WARNING_NAMES = {"rules": RULE_NAMES, "levels": LEVEL_NAMES}


def institutions_for(db: Session, user: User) -> list[Institution]:
    query = select(Institution).order_by(Institution.level.desc(), Institution.code)
    if user.institution_code:
        query = query.where(Institution.code == user.institution_code)
    else:
        query = query.where(
            within(Institution.region_code, user.region_code) | ~Institution.in_county
        )
    return list(db.scalars(query.limit(500)))


def default_date(db: Session) -> date:
    """Today, unless the ledger ends earlier (a demo county's year): then its last day."""
    last = db.scalar(select(func.max(Settlement.claim_date)))
    return last if last is not None and last < local_today() else local_today()


class FormClaim:
    """The window form as entered, kept to show it again with its errors."""

    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)


def _submission(form: FormClaim) -> ClaimSubmission:
    rows = max(len(getattr(form, name)) for name in ROW_FIELDS)
    if rows > MAX_ITEMS:  # blank rows too: the form is not taken with more rows than that
        raise too_many_rows(rows)
    items = []
    for i, (code, qty, amount) in enumerate(
        zip(form.item_code, form.item_quantity, form.item_amount, strict=False),
        start=1,  # type: ignore[attr-defined]
    ):
        # as typed; full-width forms of a Chinese input method (ｓ０００４, ２０．５０) as ASCII,
        # numbers by the one rule for numbers (another script's digits, ², ① are not numbers)
        code = unicodedata.normalize("NFKC", code)
        qty, amount = numeric_text(qty), numeric_text(amount)
        if not code.strip() and not amount:
            continue
        try:
            if not (qty.isascii() and amount.isascii()):
                raise ValueError
            value = Decimal(amount or "0")
            quantity = int(qty or 1)
        except (InvalidOperation, ValueError):
            raise SettlementError(
                "item_invalid", f"item row {i}: amount or quantity is not a number", field="items"
            ) from None
        items.append({"code": code.strip().upper(), "quantity": quantity, "amount": value})
    try:
        return ClaimSubmission.model_validate(
            {
                "resident_id": form.resident_id,  # type: ignore[attr-defined]
                "institution_code": form.institution_code,  # type: ignore[attr-defined]
                "kind": form.kind,  # type: ignore[attr-defined]
                "date": form.date,  # type: ignore[attr-defined]
                "discharge_date": form.discharge_date or None,  # type: ignore[attr-defined]
                "diagnosis": form.diagnosis or None,  # type: ignore[attr-defined]
                "referral": bool(form.referral),  # type: ignore[attr-defined]
                "items": items,
                "duplicate_reason": form.duplicate_reason or None,  # type: ignore[attr-defined]
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SettlementError("claim_invalid", f"{where}: {first['msg']}", field=where) from None


def _page(request: Request, db: Session, user: User, form: FormClaim, **extra: object) -> Response:
    person = person_in_region(db, user, form.resident_id)  # type: ignore[attr-defined]
    catalog = db.execute(  # the entries in force today
        select(CatalogItem.code, CatalogItem.name, CatalogItem.item_class)
        .where(in_force_on(local_today()))
        .order_by(CatalogItem.code)
    ).all()
    status = int(extra.pop("status", 200))  # type: ignore[call-overload]
    rows = max(EMPTY_ROWS, len(form.item_code))  # type: ignore[attr-defined]
    return render(
        request,
        "window.html",
        {
            "person": person,
            "form": form,
            "rows": rows,
            "max_rows": MAX_ITEMS,
            "institutions": institutions_for(db, user),
            "kinds": [k.value for k in ClaimKind],
            "catalog": catalog,
            "names": {code: (name, cls.value) for code, name, cls in catalog},
            **extra,
        },
        status=status,
    )


RECENT = 15  # the clerk's latest settlements on the window's landing


def landing(request: Request, db: Session, user: User) -> Response:
    """The window's landing: find the patient (ID digits, name or household number), and the
    clerk's latest settlements with their slips (a refunded one marked as such)."""
    reversal = aliased(Settlement)
    refunded = exists().where(reversal.reverses_id == Settlement.id)
    recent = db.execute(
        select(Settlement.id, Settlement.claim_date, Settlement.entry_kind, Settlement.paid_fen,
               Settlement.out_of_pocket_fen, Person.name, Claim.claim_no,
               refunded.label("refunded"))
        .join(Person, Person.id == Settlement.person_id)
        .join(Claim, Claim.id == Settlement.claim_id)
        .where(Settlement.created_by == user.username)
        .order_by(Settlement.id.desc())
        .limit(RECENT)
    ).all()  # fmt: skip
    return render(request, "window_home.html", {"recent": recent})


@router.get("/window", include_in_schema=False)
def window(
    request: Request,
    resident_id: str = text_query(),
    user: User = Depends(require(Permission.CLAIM_SETTLE)),
    db: Session = Depends(get_db),
) -> Response:
    if not resident_id.strip():
        return landing(request, db, user)
    form = FormClaim(
        resident_id=resident_id,
        institution_code=user.institution_code or "",
        kind=ClaimKind.OUTPATIENT.value,
        date=default_date(db).isoformat(),
        discharge_date="",
        diagnosis="",
        referral=False,
        item_code=[],
        item_quantity=[],
        item_amount=[],
        duplicate_reason="",
    )
    return _page(request, db, user, form)


def _form(
    resident_id: str = text_form(...),
    institution_code: str = text_form(""),
    kind: str = text_form(...),
    date: str = text_form(...),
    discharge_date: str = text_form(""),
    diagnosis: str = text_form(""),
    referral: str = text_form(""),
    item_code: TextItems = Form([]),
    item_quantity: TextItems = Form([]),
    item_amount: TextItems = Form([]),
    duplicate_reason: str = text_form("", length=DUPLICATE_REASON_LENGTH),
) -> FormClaim:
    return FormClaim(
        resident_id=resident_id, institution_code=institution_code, kind=kind, date=date,
        discharge_date=discharge_date, diagnosis=diagnosis, referral=referral == "on",
        item_code=item_code, item_quantity=item_quantity, item_amount=item_amount,
        duplicate_reason=duplicate_reason.strip(),
    )  # fmt: skip


@router.get("/window/items/{code}", include_in_schema=False)
def catalog_item(
    code: str,
    user: User = Depends(require(Permission.CLAIM_SETTLE)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """One catalog item by code, for the window's item rows (its name as the code is typed):
    the entry in force today."""
    item = entry_on(db, unicodedata.normalize("NFKC", code).strip().upper()[:32], local_today())
    if item is None:
        return JSONResponse(
            {"error": {"code": "item_unknown", "message": f"no catalog item {code!r}"}}, 404
        )
    return JSONResponse({
        "code": item.code, "name": item.name, "class": item.item_class.value,
        "self_pay_bp": item.self_pay_bp, "essential": item.essential,
    })  # fmt: skip


@router.post("/window/preview", include_in_schema=False)
def preview(
    request: Request,
    form: FormClaim = Depends(_form),
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.CLAIM_SETTLE)),
    db: Session = Depends(get_db),
) -> Response:
    check_csrf(request, csrf_token)
    try:
        sub = _submission(form)
        check_submission(db, user, sub)
    except SettlementError as exc:
        return _refused(request, db, user, form, exc)
    record_preview(request, db, user, sub, "window")  # the person's entitlement is read
    try:
        view = service.preview(db, sub)
    except SettlementError as exc:
        return _refused(request, db, user, form, exc)
    screening = shown(previewed_hits(db, sub), locale_of(request))
    return _page(
        request, db, user, form, view=view, client_key=uuid.uuid4().hex, screening=screening
    )


def _refused(
    request: Request, db: Session, user: User, form: FormClaim, exc: SettlementError
) -> Response:
    """The form again with the refusal (and the supervision rules that refused it)."""
    hits = exc.hits if isinstance(exc, ScreeningRefusal) else []
    return _page(request, db, user, form, error=exc, status=exc.status,
                 screening=shown(hits, locale_of(request)))  # fmt: skip


@router.post("/window/settle", include_in_schema=False)
def settle(
    request: Request,
    form: FormClaim = Depends(_form),
    client_key: str = text_form(..., length=64),
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.CLAIM_SETTLE)),
    db: Session = Depends(get_db),
) -> Response:
    """Confirm a previewed claim through the shared settle path (:mod:`safetynet.web.settling`):
    checked, settled, recorded and audited in the settlement writer's transaction; the
    preview's client key makes a second click answer the first settlement."""
    check_csrf(request, csrf_token)
    try:
        sub = _submission(form)
        release(db)  # no connection held while the writer settles
        view, _person = settle_request(
            request, sub, channel="web", idempotency_key=client_key, audit_replays=True,
            detail={"resident_id": sub.resident_id, "replayed": False},
        )  # fmt: skip
    except SettlementError as exc:
        return _refused(request, db, user, form, exc)
    return RedirectResponse(f"/settlements/{view.settlement_id}", status_code=303)


@router.get("/settlements/{settlement_id}", include_in_schema=False)
def slip(
    request: Request,
    settlement_id: SettlementId,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> Response:
    entry, _person = settlement_in_region(db, user, settlement_id)
    view = service.settlement_view(db, settlement_id)
    refunded = db.scalar(select(Settlement.id).where(Settlement.reverses_id == entry.id))
    record_read(request, db, user, target="settlement", target_id=str(settlement_id))
    locale = locale_of(request)
    screening = shown(stored_hits(db, [settlement_id])[settlement_id], locale)
    return render(
        request,
        "slip.html",
        {"slip": slip_of(db, entry, view, locale), "refunded_by": refunded,
         "screening": screening,
         # the early warning the claim raised: for the township and the bureau, never the
         # hospital's window
         "warnings": raised_by(db, settlement_id)
         if user_allows(user, Permission.WARNING_READ) else [],
         "warning_names": WARNING_NAMES},
    )  # fmt: skip


@router.get("/settlements/{settlement_id}/pdf", include_in_schema=False)
def slip_pdf_page(
    request: Request,
    settlement_id: SettlementId,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> Response:
    return slip_pdf_response(request, db, user, settlement_in_region(db, user, settlement_id)[0])


@router.post("/settlements/{settlement_id}/refund", include_in_schema=False)
def refund(
    request: Request,
    settlement_id: SettlementId,
    reason: str = text_form(..., length=SHORT_NOTE_LENGTH),  # the column's length: not a 500
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.CLAIM_REFUND)),
    db: Session = Depends(get_db),
) -> Response:
    check_csrf(request, csrf_token)
    settlement_to_refund(db, user, settlement_id)
    reason = service.check_refund_reason(reason)  # before the writer: a blank one writes nothing
    release(db)
    with write_session(request) as wdb:
        view = service.refund(wdb, settlement_id, user=user.username, reason=reason)
        audit.record(
            wdb, username=user.username, action="refund", target="settlement",
            target_id=str(settlement_id),
            detail={"reversal": view.settlement_id, "reason": reason},
        )  # fmt: skip
    return RedirectResponse(f"/settlements/{view.settlement_id}", status_code=303)
