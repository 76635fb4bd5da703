"""FHIR R4 for hospital information systems (``/fhir``; JSON, ``application/fhir+json``).

Patient (read, search by resident ID), Coverage (search by patient), Claim (create: settle
and record → ClaimResponse; ``use: predetermination`` previews without recording),
ClaimResponse and ExplanationOfBenefit (read, by settlement id), CoverageEligibilityRequest
(→ CoverageEligibilityResponse) and the CapabilityStatement at ``/fhir/metadata``. Errors
are OperationOutcome resources. Authentication as for ``/api``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

import safetynet
from safetynet.api.fhir import resources as R
from safetynet.api.fhir import systems as S
from safetynet.api.fhir.claim_in import submission_from_claim, validate_resource
from safetynet.registry.status import statuses_on
from safetynet.security.roles import Permission
from safetynet.security.scope import region_contains
from safetynet.settlement import service
from safetynet.settlement.errors import SettlementError
from safetynet.store.models import Enrollment, Person
from safetynet.store.models.security import User
from safetynet.web.access import check_submission, person_in_region, settlement_in_region
from safetynet.web.auditing import record_read
from safetynet.web.db import get_db
from safetynet.web.errors import WebError
from safetynet.web.routes.api import MAX_ID
from safetynet.web.security import authorize, require
from safetynet.web.settling import settle_request

router = APIRouter(prefix="/fhir", tags=["fhir"])
FHIR_JSON = "application/fhir+json"


def fhir(resource: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable_encoder(resource), status_code=status, media_type=FHIR_JSON)


def _is_id(value: str) -> bool:
    """A FHIR logical id SafetyNet could have issued (a positive 32-bit integer)."""
    return value.isascii() and value.isdigit() and 0 < len(value) <= 10 and int(value) <= MAX_ID


def _person_by_id(db: Session, user: User, person_id: str) -> Person:
    person = db.get(Person, int(person_id)) if _is_id(person_id) else None
    if person is None or not region_contains(db, user.region_code, person.region_code):
        raise WebError(404, "not_found", f"no Patient/{person_id} in your region")
    return person


def _bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"resource": r} for r in resources],
    }


def _patient_ref(value: str) -> str:
    return value.removeprefix("Patient/")


@router.get("/metadata")
def metadata(request: Request) -> JSONResponse:
    """The CapabilityStatement: what this server supports (no login needed)."""
    base = str(request.base_url).rstrip("/") + "/fhir"
    return fhir(R.capability_statement(base, date.today(), safetynet.__version__))


@router.get("/Patient/{person_id}")
def read_patient(
    request: Request,
    person_id: str,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """A Patient by id."""
    person = _person_by_id(db, user, person_id)
    record_read(
        request, db, user, target="person", target_id=person.resident_id, detail={"via": "fhir"}
    )
    return fhir(R.patient(person))


@router.get("/Patient")
def search_patient(
    request: Request,
    identifier: str,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """Patients by ``identifier=urn:safetynet:resident-id|<ID>`` (or just the ID)."""
    system, _, value = identifier.rpartition("|")
    if system and system != S.RESIDENT_ID:
        return fhir(_bundle([]))
    try:
        person = person_in_region(db, user, value)
    except WebError:
        return fhir(_bundle([]))
    record_read(
        request, db, user, target="person", target_id=person.resident_id, detail={"via": "fhir"}
    )
    return fhir(_bundle([R.patient(person)]))


@router.get("/Coverage")
def search_coverage(
    patient: str = "",
    beneficiary: str = "",
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """The person's Coverage per enrolled year (``patient=Patient/<id>``)."""
    ref = _patient_ref(patient or beneficiary)
    if not ref:
        raise WebError(400, "invalid", "search Coverage by patient=Patient/<id>", field="patient")
    person = _person_by_id(db, user, ref)
    rows = db.scalars(
        select(Enrollment).where(Enrollment.person_id == person.id).order_by(Enrollment.year)
    ).all()
    return fhir(_bundle([R.coverage(e, person) for e in rows]))


@router.post("/Claim")
async def create_claim(
    request: Request,
    resource: dict[str, Any] = Body(...),
    idempotency_key: str | None = Header(default=None, max_length=64),
) -> JSONResponse:
    """Settle and record a Claim (→ ClaimResponse, 201); ``use: predetermination`` previews."""
    return await run_in_threadpool(_create_claim, request, resource, idempotency_key)


def _create_claim(
    request: Request, resource: dict[str, Any], idempotency_key: str | None
) -> JSONResponse:
    sub = submission_from_claim(resource)
    if resource.get("use") == "predetermination":
        with request.app.state.sessions() as db:
            user = authorize(request, db, Permission.CLAIM_SETTLE)
            person = check_submission(db, user, sub)
            view = service.preview(db, sub)
        return fhir(R.claim_response(view, person.id, date.today()))
    view, person = settle_request(
        request, sub, channel="fhir", idempotency_key=idempotency_key, detail={"via": "fhir"}
    )
    return fhir(R.claim_response(view, person.id, date.today()), 200 if view.replayed else 201)


def _settlement(db: Session, user: User, settlement_id: str) -> tuple[Any, Person]:
    if not _is_id(settlement_id):
        raise WebError(404, "settlement_unknown", f"no settlement {settlement_id}")
    entry, person = settlement_in_region(db, user, int(settlement_id))
    return service.settlement_view(db, entry.id), person


@router.get("/ClaimResponse/{settlement_id}")
def read_claim_response(
    settlement_id: str,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """A recorded settlement as a ClaimResponse."""
    view, person = _settlement(db, user, settlement_id)
    return fhir(R.claim_response(view, person.id, date.today()))


@router.get("/ExplanationOfBenefit/{settlement_id}")
def read_eob(
    settlement_id: str,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """A recorded settlement as an ExplanationOfBenefit, one adjudication per layer."""
    view, person = _settlement(db, user, settlement_id)
    return fhir(R.explanation_of_benefit(view, person.id, date.today()))


@router.post("/CoverageEligibilityRequest")
def eligibility(
    resource: dict[str, Any] = Body(...),
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """Is the patient covered on the service date, and in which poverty categories?"""
    from fhir.resources.R4B.coverageeligibilityrequest import CoverageEligibilityRequest

    req = validate_resource(CoverageEligibilityRequest, resource)
    ident = getattr(req.patient, "identifier", None)
    if ident is not None and ident.system == S.RESIDENT_ID and ident.value:
        person = person_in_region(db, user, str(ident.value))
    elif req.patient.reference:
        person = _person_by_id(db, user, _patient_ref(str(req.patient.reference)))
    else:
        raise SettlementError("fhir_identifier", "patient needs a reference or a resident-ID "
                              "identifier", field="patient")  # fmt: skip
    on = req.servicedDate or date.today()
    enrollment = db.scalar(
        select(Enrollment).where(Enrollment.person_id == person.id, Enrollment.year == on.year)
    )
    if person.deceased_on is not None and person.deceased_on <= on:
        enrollment = None
    statuses = sorted(s.value for s in statuses_on(db, person.id, on))
    return fhir(R.eligibility_response(person, on, enrollment, statuses, date.today()))
