"""The JSON API for hospital systems and scripts (OpenAPI at ``/api/openapi.json``).

Authentication: HTTP Basic, or the browser's session (then changes need ``X-CSRF-Token``).
Errors are always JSON: ``{"error": {"code", "message", "field"}}`` with a 4xx status.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

import safetynet
from safetynet.clock import local_today
from safetynet.policy.in_force import PolicyChoiceError, policy_in_force
from safetynet.registry.alive import alive_on
from safetynet.registry.masking import masked_day, masked_identity
from safetynet.registry.status import statuses_on
from safetynet.security import audit
from safetynet.security.roles import Permission, allows
from safetynet.settlement import service
from safetynet.settlement.submission import ClaimSubmission, Day, within_coverage_window
from safetynet.store.models import Enrollment, Person
from safetynet.store.models.security import User
from safetynet.supervision.window import previewed_hits, stored_hits
from safetynet.web.access import (
    check_submission,
    person_in_region,
    settlement_in_region,
    settlement_to_refund,
)
from safetynet.web.auditing import client_of, record_preview, record_read
from safetynet.web.bounds import YearQuery
from safetynet.web.db import get_db, release, write_session
from safetynet.web.errors import WebError
from safetynet.web.routes.persons import accumulator_tables, find_for
from safetynet.web.security import current_user, require
from safetynet.web.settlement_slip import SettlementId, slip_pdf_response
from safetynet.web.settling import (
    IdempotencyKey,
    may_settle,
    server_timing,
    settle_request_async,
    settled_hits,
)

router = APIRouter(prefix="/api", tags=["api"])
MAX_QUERY = 64  # characters of a search: a name (at most 64) or a resident ID (18)


def person_json(p: Person, masked: bool = False) -> dict[str, Any]:
    """A person; ``masked``: name, ID (without its tail), birth and death dates (``1972``,
    the year only) masked together, for a role that may not see resident IDs."""
    name, resident_id, born = (
        masked_identity(p.name, p.resident_id, p.birth_date)
        if masked
        else (p.name, p.resident_id, p.birth_date.isoformat())
    )
    return {
        "resident_id": resident_id,
        "name": name,
        "sex": p.sex.value,
        "birth_date": born,
        "region_code": p.region_code,
        "household_id": p.household_id,
        # masked as the birth date: the year only (a death's day and the village name a person)
        "deceased_on": masked_day(p.deceased_on)
        if masked
        else (p.deceased_on.isoformat() if p.deceased_on else None),
    }


class RefundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200)


def _client(request: Request) -> str | None:
    return client_of(request)


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: no login needed."""
    return {"status": "ok", "version": safetynet.__version__}


@router.get("/persons")
def api_persons(
    request: Request,
    q: Annotated[str, Query(max_length=MAX_QUERY)],
    user: User = Depends(require(Permission.PERSON_READ_MASKED)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Persons in your region whose resident ID or name matches ``q`` (at most 50); a search
    that shows persons unmasked is audited, as on the page."""
    masked = not allows(user.role, Permission.PERSON_READ)
    found = find_for(db, user, q)
    if found and not masked:
        record_read(request, db, user, target="person", action="search",
                    detail={"query": q, "results": len(found)})  # fmt: skip
    return {"persons": [person_json(p, masked) for p in found]}


@router.get("/persons/{resident_id}")
def api_person(
    request: Request,
    resident_id: str,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """A person with the household's members and today's statuses."""
    p = person_in_region(db, user, resident_id)
    members = db.scalars(select(Person).where(Person.household_id == p.household_id)).all()
    record_read(request, db, user, target="person", target_id=p.resident_id)
    return {
        **person_json(p),
        "statuses": sorted(s.value for s in statuses_on(db, p.id, local_today())),
        "household": [person_json(m) for m in members],
    }


@router.get("/persons/{resident_id}/coverage")
def api_coverage(
    request: Request,
    resident_id: str,
    on: Day,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Enrollment, poverty statuses and the policy in force for the person on a date (from
    2000-01-01 to a year ahead)."""
    if not within_coverage_window(on):
        raise WebError(422, "date_out_of_range", "the date is outside what the scheme covers",
                       field="on")  # fmt: skip
    p = person_in_region(db, user, resident_id)
    record_read(request, db, user, target="person", target_id=p.resident_id,
                detail={"what": "coverage"})  # fmt: skip
    enr = db.scalar(
        select(Enrollment).where(Enrollment.person_id == p.id, Enrollment.year == on.year)
    )
    try:
        policy_id: str | None = policy_in_force(p.region_code, on).id
    except PolicyChoiceError:
        policy_id = None
    return {
        "resident_id": p.resident_id,
        "on": on.isoformat(),
        # covered on the date: enrolled for its year and alive on it, as a claim is settled
        "enrolled": enr is not None and alive_on(p.birth_date, p.deceased_on, on),
        "category": enr.category.value if enr else None,
        "statuses": sorted(s.value for s in statuses_on(db, p.id, on)),
        "policy_id": policy_id,
    }


@router.get("/persons/{resident_id}/accumulators")
def api_accumulators(
    request: Request,
    resident_id: str,
    year: YearQuery = None,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """The person's (and household's) running annual amounts per layer, in fen; ``year``
    (2000-2100) keeps that scheme year only (no year: every year, newest first)."""
    from safetynet.registry.lookup import person_record

    p = person_in_region(db, user, resident_id)
    detail: dict[str, Any] = {"what": "accumulators"}
    if year is not None:
        detail["year"] = year
    record_read(request, db, user, target="person", target_id=p.resident_id, detail=detail)
    keys = person_record(db, p, local_today(), claims_limit=0).accumulators
    if year is not None:
        keys = [k for k in keys if k[0] == year]
    return {
        "resident_id": p.resident_id,
        "years": [
            {"year": y, "policy_id": pid, "pools": {pool: values for pool, _, values in rows}}
            for y, pid, rows in accumulator_tables(db, p, keys)
        ],
    }


@router.post("/claims/preview")
def api_preview(
    request: Request,
    sub: ClaimSubmission,
    user: User = Depends(require(Permission.CLAIM_SETTLE)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Settle a claim without recording it: every layer, the rule, what the patient pays,
    and fund supervision's hits (``screening``; a ``block`` hit refuses the claim, 422).
    Audited as a read of the person (``preview``)."""
    check_submission(db, user, sub)
    record_preview(request, db, user, sub, "api")
    out = service.preview(db, sub).as_dict()
    out["screening"] = [h.as_dict() for h in previewed_hits(db, sub)]
    return out


def _screening(request: Request, settlement_id: int | None) -> list[dict[str, Any]]:
    """The supervision hits stored with a settlement (its own short read session)."""
    if settlement_id is None:
        return []
    with request.app.state.sessions() as db:
        return [h.as_dict() for h in stored_hits(db, [settlement_id])[settlement_id]]


@router.post("/claims", status_code=201, dependencies=[Depends(may_settle)])
async def api_submit(
    request: Request,
    response: Response,
    sub: ClaimSubmission,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Settle and record a claim. Send an ``Idempotency-Key`` header: a retry with the same
    key answers the first settlement (200, ``replayed: true``) and pays nothing again.
    ``screening``: fund supervision's warnings stored with it; a claim a ``block`` rule
    refuses is answered 422 ``screening_blocked``, nothing written. The same bill as a
    settlement that stands (person, institution, kind, dates, item lines; whatever its number)
    is refused 409 ``duplicate_bill`` naming it, unless ``duplicate_reason`` says why it is a
    second, genuine bill (audited). The ``Server-Timing``
    header says how long the claim waited for the settlement writer and how long its batch
    took."""
    view, _ = await settle_request_async(
        request, sub, channel="api", idempotency_key=idempotency_key,
        detail={"resident_id": sub.resident_id},
    )  # fmt: skip
    if view.replayed:
        response.status_code = 200
    response.headers["server-timing"] = server_timing(request)
    out = view.as_dict()
    hits = settled_hits(request)
    if hits is None:  # a replay: the hits stored with the first settlement
        out["screening"] = await run_in_threadpool(_screening, request, view.settlement_id)
    else:
        out["screening"] = [h.as_dict() for h in hits]
    return out  # serialised by pydantic straight to JSON bytes (the return type)


@router.get("/settlements/{settlement_id}")
def api_settlement(
    request: Request,
    settlement_id: SettlementId,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """A recorded settlement or reversal, with every layer and fund supervision's hits."""
    settlement_in_region(db, user, settlement_id)
    record_read(request, db, user, target="settlement", target_id=str(settlement_id))
    out = service.settlement_view(db, settlement_id).as_dict()
    out["screening"] = [h.as_dict() for h in stored_hits(db, [settlement_id])[settlement_id]]
    return out


@router.get("/settlements/{settlement_id}/pdf", response_class=Response)
def api_settlement_pdf(
    request: Request,
    settlement_id: SettlementId,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """The printable settlement slip as PDF (``Accept-Language`` picks the language)."""
    return slip_pdf_response(request, db, user, settlement_in_region(db, user, settlement_id)[0])


@router.post("/settlements/{settlement_id}/refund")
def api_refund(
    request: Request,
    settlement_id: SettlementId,
    body: RefundRequest,
    user: User = Depends(require(Permission.CLAIM_REFUND)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Reverse a settlement: a new, negated ledger entry; the accumulators are rebuilt."""
    settlement_to_refund(db, user, settlement_id)
    service.check_refund_reason(body.reason)  # before the writer: a blank one writes nothing
    release(db)
    with write_session(request) as wdb:
        view = service.refund(wdb, settlement_id, user=user.username, reason=body.reason)
        audit.record(wdb, username=user.username, action="refund", target="settlement",
                     target_id=str(settlement_id), client=client_of(request))  # fmt: skip
    return view.as_dict()


@router.get("/me")
def api_me(user: User = Depends(current_user)) -> dict[str, Any]:
    """Who you are logged in as: role, region, institution."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "region_code": user.region_code,
        "institution_code": user.institution_code,
    }
