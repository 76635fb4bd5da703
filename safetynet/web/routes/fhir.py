"""FHIR R4 for hospital information systems (``/fhir``; JSON, ``application/fhir+json``).

Patient (read, search by resident ID), Coverage (read, search by patient), Claim (create:
``use: claim`` settles and records → ClaimResponse; ``preauthorization`` and
``predetermination`` preview without recording), ClaimResponse and ExplanationOfBenefit
(read, by settlement id), CoverageEligibilityRequest (→ CoverageEligibilityResponse) and the
CapabilityStatement at ``/fhir/metadata``, which lists exactly these. Errors are
OperationOutcome resources (``safetynet.api.fhir.outcome``). Only JSON is served: another
format asked for is a 406, a body in another media type a 415. Authentication as for
``/api``, checked before the body is read.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fhir.resources.R4B.coverageeligibilityrequest import CoverageEligibilityRequest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

import safetynet
from safetynet.api.fhir import resources as R
from safetynet.api.fhir import systems as S
from safetynet.api.fhir.claim_in import (
    PATH_OF,
    PREVIEW_USES,
    ClaimIn,
    PatientRef,
    day_of,
    patient_ref,
    read_claim,
    submission_of,
    validate_resource,
)
from safetynet.api.fhir.lines import ClaimLines, recorded_lines, submission_lines
from safetynet.api.fhir.outcome import FhirError, Issue, from_settlement
from safetynet.clock import local_today
from safetynet.registry.status import statuses_on
from safetynet.security.roles import Permission
from safetynet.security.scope import region_contains
from safetynet.settlement import service
from safetynet.settlement.catalog_codes import diagnosis_known, unknown_items
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.facts import checked_resident_id
from safetynet.settlement.service import SettlementView
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.models import Enrollment, Person
from safetynet.store.models.security import User
from safetynet.web.access import check_submission, person_in_region, settlement_in_region
from safetynet.web.auditing import record_preview, record_read
from safetynet.web.bounds import text_query
from safetynet.web.db import get_db
from safetynet.web.errors import WebError
from safetynet.web.json_body import JsonBodyError, parse_json
from safetynet.web.security import authorize, require
from safetynet.web.settlement_slip import MAX_ID
from safetynet.web.settling import IdempotencyKey, settle_request

FHIR_JSON = "application/fhir+json"
JSON_TYPES = ("application/fhir+json", "application/json")
ACCEPTED = (*JSON_TYPES, "*/*", "application/*")
FORMATS = ("json", *JSON_TYPES)


def _media(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def check_format(request: Request) -> None:
    """Only JSON is served: ``_format`` or ``Accept`` asking for anything else is a 406."""
    asked = request.query_params.get("_format")
    if asked is not None and _media(asked) not in FORMATS:
        raise WebError(406, "format_not_supported", f"_format={asked}: this server speaks JSON "
                       f"only ({FHIR_JSON})")  # fmt: skip
    accept = request.headers.get("accept")
    if accept and not any(_media(a) in ACCEPTED for a in accept.split(",")):
        raise WebError(406, "format_not_supported",
                       f"Accept: {accept}: this server answers in {FHIR_JSON} only")  # fmt: skip


router = APIRouter(prefix="/fhir", tags=["fhir"], dependencies=[Depends(check_format)])


# the body a POST takes (read by the route itself, after the login: see _resource_of)
RESOURCE_BODY = {
    "requestBody": {
        "required": True,
        "content": {m: {"schema": {"type": "object"}} for m in ("application/fhir+json",
                                                                "application/json")},
    }
}  # fmt: skip


def fhir(resource: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable_encoder(resource), status_code=status, media_type=FHIR_JSON)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


def _is_id(value: str) -> bool:
    """A FHIR logical id SafetyNet could have issued (a positive 32-bit integer)."""
    return value.isascii() and value.isdigit() and 0 < len(value) <= 10 and int(value) <= MAX_ID


def _patient_id(reference: str, base: str, bare: bool = False) -> str | None:
    """The logical id of ``Patient/<id>`` or ``<this server>/Patient/<id>`` (or a bare id,
    for a search parameter); None for anything else."""
    ref = reference.strip()
    for prefix in (f"{base}/Patient/", "Patient/"):
        if ref.startswith(prefix):
            ref = ref.removeprefix(prefix)
            break
    else:
        if not bare:
            return None
    return ref if _is_id(ref) else None


def _audit(request: Request, db: Session, user: User, target: str, target_id: str) -> None:
    """A read of personal data over FHIR, in the audit log like the pages' and the API's."""
    record_read(request, db, user, target=target, target_id=target_id, detail={"via": "fhir"})


def _person_in_scope(db: Session, user: User, person_id: str | None) -> Person | None:
    person = db.get(Person, int(person_id)) if person_id else None
    if person is None or not region_contains(db, user.region_code, person.region_code):
        return None
    return person


def _person_by_id(db: Session, user: User, person_id: str) -> Person:
    person = _person_in_scope(db, user, person_id if _is_id(person_id) else None)
    if person is None:
        raise WebError(404, "not_found", f"no Patient/{person_id} in your region")
    return person


def _resolve_patient(db: Session, user: User, ref: PatientRef, base: str) -> Person:
    """The person a resource names, the same way on every resource: a malformed resident ID
    is a 422 naming it, an unknown (or out-of-region) person a 404."""
    if ref.resident_id is not None:
        try:
            number = checked_resident_id(ref.resident_id)
        except SettlementError as exc:
            raise FhirError([Issue(exc.code, exc.message, ref.path)]) from None
        try:
            person = person_in_region(db, user, number)
        except WebError as exc:
            raise FhirError([Issue("person_unknown", exc.message, ref.path)], 404) from None
        if ref.reference is not None and _patient_id(ref.reference, base) != str(person.id):
            where = ref.path.removesuffix(".identifier.value") + ".reference"
            msg = (f"{where} is {ref.reference!r}, but the identifier names Patient/{person.id}:"
                   " a resource names one patient")  # fmt: skip
            raise FhirError([Issue("patient_mismatch", msg, where)])
        return person
    person_id = _patient_id(ref.reference or "", base)
    if person_id is None:
        msg = f"{ref.path} is {ref.reference!r}: a Patient/<id> of this server ({base})"
        raise FhirError([Issue("value", msg, ref.path)])
    person = _person_in_scope(db, user, person_id)
    if person is None:
        msg = f"no {ref.reference} in your region"
        raise FhirError([Issue("person_unknown", msg, ref.path)], 404)
    return person


def _resource_of(request: Request, body: bytes) -> Any:
    """The body as JSON by the one rule for JSON bodies (:mod:`safetynet.web.json_body`):
    415 for another media type, 400 when it does not parse or names a key twice."""
    media = _media(request.headers.get("content-type", ""))
    if media not in JSON_TYPES:
        raise FhirError(
            [Issue("media_type", f"the body is {media or 'untyped'}: send {FHIR_JSON}",
                   issue_type="not-supported")],
            415,
        )  # fmt: skip
    if not body.strip():
        raise FhirError([Issue("resource_required", "the body is empty: send a resource")], 400)
    try:
        return parse_json(body)
    except JsonBodyError as exc:
        raise FhirError([Issue(exc.code, exc.message)], exc.status) from None


def _refusal(exc: SettlementError | WebError) -> FhirError:
    """A refusal of the service or the access checks in the Claim's terms (FHIRPath)."""
    if isinstance(exc, FhirError):
        return exc
    if isinstance(exc, WebError):
        exc = SettlementError(exc.code, exc.message, field=exc.field, status=exc.status)
    refusal = FhirError([from_settlement(exc, PATH_OF)], exc.status)
    refusal.hits = getattr(exc, "hits", None)  # a screening refusal's rules, for its message
    return refusal


@router.get("/metadata")
def metadata(request: Request) -> JSONResponse:
    """The CapabilityStatement: what this server supports (no login needed)."""
    return fhir(R.capability_statement(_base(request), local_today(), safetynet.__version__))


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
    identifier: str = text_query(...),
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """Patients by ``identifier=urn:safetynet:resident-id|<ID>`` (or just the ID)."""
    base = _base(request)
    self_url = f"{base}/Patient?{urlencode({'identifier': identifier})}"
    system, _, value = identifier.rpartition("|")
    if system and system != S.RESIDENT_ID:
        return fhir(R.bundle(self_url, base, []))
    try:
        person = person_in_region(db, user, value)
    except WebError:
        return fhir(R.bundle(self_url, base, []))
    record_read(
        request, db, user, target="person", target_id=person.resident_id, detail={"via": "fhir"}
    )
    return fhir(R.bundle(self_url, base, [R.patient(person)]))


@router.get("/Coverage")
def search_coverage(
    request: Request,
    patient: str = text_query(),
    beneficiary: str = text_query(),
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """The person's Coverage per enrolled year (``patient=Patient/<id>``, or absolute, or the
    bare id); a patient not found gives an empty bundle."""
    name, ref = ("patient", patient) if patient else ("beneficiary", beneficiary)
    if not ref:
        raise FhirError([Issue("param_invalid", "search Coverage by patient=Patient/<id>",
                               issue_type="required")], 400)  # fmt: skip
    base = _base(request)
    self_url = f"{base}/Coverage?{urlencode({name: ref})}"
    person = _person_in_scope(db, user, _patient_id(ref, base, bare=True))
    if person is None:
        return fhir(R.bundle(self_url, base, []))
    _audit(request, db, user, "person", person.resident_id)
    rows = db.scalars(
        select(Enrollment).where(Enrollment.person_id == person.id).order_by(Enrollment.year)
    ).all()
    return fhir(R.bundle(self_url, base, [R.coverage(e, person) for e in rows]))


@router.get("/Coverage/{coverage_id}")
def read_coverage(
    request: Request,
    coverage_id: str,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """A person's enrollment for a year (id ``<patient id>-<year>``)."""
    person_id, _, year = coverage_id.partition("-")
    person = _person_in_scope(db, user, person_id if _is_id(person_id) else None)
    enrollment = None
    if person is not None and year.isascii() and year.isdigit() and len(year) == 4:
        enrollment = db.scalar(
            select(Enrollment).where(
                Enrollment.person_id == person.id, Enrollment.year == int(year)
            )
        )
    if person is None or enrollment is None:
        raise WebError(404, "coverage_unknown", f"no Coverage/{coverage_id} in your region")
    _audit(request, db, user, "person", person.resident_id)
    return fhir(R.coverage(enrollment, person))


@router.post("/Claim", status_code=201, openapi_extra=RESOURCE_BODY)
async def create_claim(
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Settle and record a Claim (→ ClaimResponse, 201; 200 for a retry with the same
    Idempotency-Key); ``use`` preauthorization or predetermination previews (200)."""
    body = await request.body()
    return await run_in_threadpool(_create_claim, request, body, idempotency_key)


def _checked(
    db: Session, user: User, request: Request, claim: ClaimIn
) -> tuple[ClaimSubmission, ClaimLines, int]:
    """The submission of a Claim after every check, its lines and its person's id, or a
    ``FhirError`` with every problem."""
    issues = list(claim.issues)
    person: Person | None = None
    if claim.patient.resident_id is not None or claim.patient.reference is not None:
        try:
            person = _resolve_patient(db, user, claim.patient, _base(request))
        except FhirError as exc:
            issues += exc.issues
    items = claim.data["items"]
    unknown = unknown_items(db, [x["code"] for x in items if x is not None], claim.data["date"])
    for i, x in enumerate(items):
        if x is not None and x["code"] in unknown:
            msg = f"Claim.item[{i}].productOrService: {x['code']!r} is not in the catalog"
            issues.append(Issue("item_unknown", msg, f"Claim.item[{i}].productOrService"))
    diagnosis = claim.data["diagnosis"]
    if diagnosis and not diagnosis_known(db, diagnosis):
        msg = f"{diagnosis!r} is not an ICD-10 code of the diagnosis catalog"
        issues.append(Issue("diagnosis_unknown", msg, PATH_OF["diagnosis"]))
    if person is not None and claim.data["date"] is not None:
        issues += _coverage_issues(claim, person.id, claim.data["date"].year, _base(request))
    if issues:
        not_found = all(i.code == "person_unknown" for i in issues)
        raise FhirError(issues, 404 if not_found else 422)
    assert person is not None
    sub = submission_of(claim, person.resident_id)
    try:
        person_id = check_submission(db, user, sub).id
    except (SettlementError, WebError) as exc:
        raise _refusal(exc) from None
    return sub, submission_lines(db, sub, claim.sequences), person_id


def _coverage_issues(claim: ClaimIn, person_id: int, year: int, base: str) -> list[Issue]:
    """A Claim is made against the patient's coverage of its year: an ``insurance[].coverage``
    referring to a Coverage of this server (relative or under its base) must be that one —
    another person's, another year's or one that does not exist is refused, not paid."""
    due = f"Coverage/{R.coverage_id(person_id, year)}"
    issues = []
    for i, reference in claim.coverages:
        ref = reference.strip().removeprefix(f"{base}/")
        if ref.startswith("Coverage/") and ref != due:
            where = f"Claim.insurance[{i}].coverage"
            msg = (f"{where} is {reference!r}, but the patient's coverage for {year}, the "
                   f"year of the claim, is {due}")  # fmt: skip
            issues.append(Issue("coverage_mismatch", msg, where))
    return issues


def _create_claim(request: Request, body: bytes, idempotency_key: str | None) -> JSONResponse:
    with request.app.state.sessions() as db:
        user = authorize(request, db, Permission.CLAIM_SETTLE)
        claim = read_claim(_resource_of(request, body))
        sub, lines, person_id = _checked(db, user, request, claim)
        if claim.use in PREVIEW_USES:  # decided here: a preview never reaches the ledger
            record_preview(request, db, user, sub, "fhir")
            try:
                view = service.preview(db, sub)
            except SettlementError as exc:
                raise _refusal(exc) from None
            return fhir(R.claim_response(view, person_id, local_today(), lines, claim.use))
    try:
        view, person = settle_request(
            request, sub, channel="fhir", idempotency_key=idempotency_key, detail={"via": "fhir"}
        )
    except (SettlementError, WebError) as exc:
        raise _refusal(exc) from None
    answer = R.claim_response(view, person.id, local_today(), lines)
    return fhir(answer, 200 if view.replayed else 201)


def _settlement(db: Session, user: User, settlement_id: str) -> tuple[SettlementView, Person]:
    if not _is_id(settlement_id):
        raise WebError(404, "settlement_unknown", f"no settlement {settlement_id}")
    entry, person = settlement_in_region(db, user, int(settlement_id))
    return service.settlement_view(db, entry.id), person


@router.get("/ClaimResponse/{settlement_id}")
def read_claim_response(
    request: Request,
    settlement_id: str,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """A recorded settlement as a ClaimResponse, with the review's adjudication per line."""
    from safetynet.review.fhir import with_review

    view, person = _settlement(db, user, settlement_id)
    _audit(request, db, user, "settlement", settlement_id)
    lines = recorded_lines(db, int(settlement_id))
    answer = R.claim_response(view, person.id, local_today(), lines)
    return fhir(with_review(db, answer, int(settlement_id)))


@router.get("/ExplanationOfBenefit/{settlement_id}")
def read_eob(
    request: Request,
    settlement_id: str,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> JSONResponse:
    """A recorded settlement as an ExplanationOfBenefit: every line, a total per layer."""
    view, person = _settlement(db, user, settlement_id)
    _audit(request, db, user, "settlement", settlement_id)
    lines = recorded_lines(db, int(settlement_id))
    return fhir(R.explanation_of_benefit(view, person.id, local_today(), lines))


@router.post("/CoverageEligibilityRequest", openapi_extra=RESOURCE_BODY)
async def eligibility(request: Request) -> JSONResponse:
    """Is the patient covered in the period asked (``servicedDate`` or ``servicedPeriod``,
    today without either), and in which poverty categories?"""
    body = await request.body()
    return await run_in_threadpool(_eligibility, request, body)


def _asked(req: Any, resource: dict[str, Any]) -> R.Eligibility:
    if req.servicedPeriod is not None and req.servicedPeriod.start is not None:
        where = "CoverageEligibilityRequest.servicedPeriod"
        start = day_of(req.servicedPeriod.start, f"{where}.start")
        end = day_of(req.servicedPeriod.end, f"{where}.end") if req.servicedPeriod.end else start
        if end < start:
            msg = "CoverageEligibilityRequest.servicedPeriod.end is before its start"
            raise FhirError([Issue("value", msg, "CoverageEligibilityRequest.servicedPeriod")])
        serviced: dict[str, Any] = {"servicedPeriod": {"start": start.isoformat(),
                                                       "end": end.isoformat()}}  # fmt: skip
    else:
        asked = req.servicedDate
        start = end = (
            day_of(asked, "CoverageEligibilityRequest.servicedDate") if asked else local_today()
        )
        serviced = {"servicedDate": start.isoformat()}
    request = {k: v for k, v in resource.items() if k != "contained"}
    return R.Eligibility(start, end, serviced, [str(p) for p in req.purpose], request)


def _eligibility(request: Request, body: bytes) -> JSONResponse:
    with request.app.state.sessions() as db:
        user = authorize(request, db, Permission.PERSON_READ)
        resource = _resource_of(request, body)
        req = validate_resource(CoverageEligibilityRequest, resource)
        ref, issues = patient_ref(req.patient, "CoverageEligibilityRequest")
        if ref is None:
            raise FhirError(issues)
        asked = _asked(req, resource)
        person = _resolve_patient(db, user, ref, _base(request))
        _audit(request, db, user, "person", person.resident_id)
        rows = db.scalars(
            select(Enrollment)
            .where(
                Enrollment.person_id == person.id,
                Enrollment.year >= asked.start.year,
                Enrollment.year <= asked.end.year,
            )
            .order_by(Enrollment.year)
        ).all()
        enrolled = []
        for e in rows:
            first = max(date(e.year, 1, 1), asked.start)
            last = min(date(e.year, 12, 31), asked.end)
            if person.deceased_on is not None and person.deceased_on <= first:
                continue  # dead before the period asked (in this year)
            if person.birth_date > last:
                continue  # not yet born in it
            first = max(first, person.birth_date)  # the statuses of a day alive
            statuses = sorted(s.value for s in statuses_on(db, person.id, first))
            enrolled.append((e, statuses))
        return fhir(R.eligibility_response(person, asked, enrolled, local_today()))
