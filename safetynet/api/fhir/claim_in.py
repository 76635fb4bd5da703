"""An incoming FHIR R4 ``Claim`` from a hospital system, read as a settlement submission.

The resource is first validated against the ``fhir.resources`` R4B model (R4's Claim); then
the parts SafetyNet settles on are taken from it and checked, every problem reported at
once as an issue with its FHIRPath (:mod:`safetynet.api.fhir.outcome`):

- ``status`` ``active`` only; ``use`` ``claim`` (settle and record), ``preauthorization`` or
  ``predetermination`` (preview: nothing is recorded)
- ``patient``: ``identifier`` (system ``urn:safetynet:resident-id``) or ``reference``
  (``Patient/<id>``, relative or under this server's base), resolved by the caller
- ``provider.identifier`` (``urn:safetynet:institution``) — the institution
- ``subType.coding`` (``urn:safetynet:claim-kind``) — inpatient / outpatient /
  chronic_outpatient; without it, ``type`` institutional means inpatient, else outpatient
- ``billablePeriod.start`` / ``.end`` — admission (or visit) and discharge dates
- ``diagnosis[0].diagnosisCodeableConcept`` (ICD-10), ``referral`` present → referred
- ``identifier`` (``urn:safetynet:claim-no``) — the hospital's claim number
- ``extension`` (``urn:safetynet:duplicate-reason``, ``valueString``) — the reason a bill
  identical to one settled before is a second, genuine one (else it is refused, 409
  ``duplicate_bill``)
- ``item[]``: ``productOrService`` (``urn:safetynet:catalog-item``), ``quantity`` (a whole
  number: every catalog item is counted), ``unitPrice`` × quantity × factor = ``net``
- money in CNY only; ``total``, when given, equals the sum of the items' ``net``
- ``insurance[].coverage``: display or identifier as the hospital likes; a reference to a
  Coverage of this server must be the patient's for the year of ``billablePeriod.start``
  (checked by the caller, who knows the patient)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from fhir.resources.R4B.claim import Claim as FhirClaim
from pydantic import BaseModel, ValidationError

from safetynet.api.fhir import systems as S
from safetynet.api.fhir.outcome import FhirError, Issue, fhirpath, pydantic_issues, shown
from safetynet.settlement.submission import ClaimSubmission

SETTLING_USE = "claim"
PREVIEW_USES = ("preauthorization", "predetermination")

# where each field of a submission comes from in the Claim
PATH_OF = {
    "resident_id": "Claim.patient.identifier.value",
    "institution_code": "Claim.provider.identifier.value",
    "kind": "Claim.subType",
    "date": "Claim.billablePeriod.start",
    "discharge_date": "Claim.billablePeriod.end",
    "diagnosis": "Claim.diagnosis[0].diagnosisCodeableConcept",
    "claim_no": "Claim.identifier",
    "referral": "Claim.referral",
    "items": "Claim.item",
    "duplicate_reason": "Claim.extension",
    "client_key": "Claim",
}


def _coding(concept: Any, system: str) -> str | None:
    for c in getattr(concept, "coding", None) or []:
        if c.system == system and c.code:
            return str(c.code)
    return None


M = TypeVar("M", bound=BaseModel)


def validate_resource(model: type[M], resource: Any) -> M:
    """An incoming resource validated against its ``fhir.resources`` R4B model, or a
    ``FhirError`` with an issue per problem."""
    kind = model.__name__
    if not isinstance(resource, dict):
        raise FhirError([Issue("json_invalid", f"the body is not a JSON object ({kind})")])
    if resource.get("resourceType") != kind:
        got = resource.get("resourceType")
        raise FhirError([Issue("resource_type", f"expected a {kind} resource, got {got!r}", kind)])
    try:
        return model.model_validate({k: v for k, v in resource.items() if k != "resourceType"})
    except ValidationError as exc:
        raise FhirError(pydantic_issues(kind, exc.errors())) from None


@dataclass
class PatientRef:
    """How a resource names its patient: a resident ID, or a ``Patient`` logical id (both:
    they must name the same person)."""

    resident_id: str | None = None
    reference: str | None = None
    path: str = "Claim.patient"


def patient_ref(patient: Any, root: str) -> tuple[PatientRef | None, list[Issue]]:
    ident = getattr(patient, "identifier", None)
    path = f"{root}.patient"
    if ident is not None and ident.value:
        if ident.system not in (None, S.RESIDENT_ID):
            msg = f"{path}.identifier.system must be {S.RESIDENT_ID}"
            return None, [Issue("value", msg, f"{path}.identifier.system")]
        reference = str(patient.reference) if patient.reference else None  # must agree
        return PatientRef(resident_id=str(ident.value), reference=reference,
                          path=f"{path}.identifier.value"), []  # fmt: skip
    if patient is not None and patient.reference:
        return PatientRef(reference=str(patient.reference), path=f"{path}.reference"), []
    msg = f"{path} needs a reference (Patient/<id>) or an identifier ({S.RESIDENT_ID})"
    return None, [Issue("required", msg, path)]


@dataclass
class ClaimIn:
    """What a Claim asks: its use, the patient, the submission's fields, the item sequences."""

    use: str
    patient: PatientRef
    data: dict[str, Any]
    sequences: list[int]
    issues: list[Issue] = field(default_factory=list)
    # (index, reference) of each ``insurance[].coverage`` given as a reference
    coverages: list[tuple[int, str]] = field(default_factory=list)


def _currency(money: Any, where: str, issues: list[Issue]) -> None:
    if money is not None and money.currency not in (None, S.CURRENCY):
        msg = f"{where}.currency is {money.currency}: claims are settled in {S.CURRENCY} only"
        issues.append(Issue("currency", msg, f"{where}.currency"))


def _quantity(item: Any, where: str, issues: list[Issue]) -> int:
    q = item.quantity.value if item.quantity is not None else None
    if q is None:
        return 1
    if q != q.to_integral_value() or q < 1:
        msg = f"{where}.quantity.value is {q}: a catalog item is counted in whole units (1, 2, …)"
        issues.append(Issue("quantity", msg, f"{where}.quantity.value"))
        return 1
    return int(q)


def _item(i: int, item: Any, issues: list[Issue]) -> dict[str, Any] | None:
    where = f"Claim.item[{i}]"
    before = len(issues)
    code = _coding(item.productOrService, S.CATALOG_ITEM)
    if code is None:
        msg = f"{where}.productOrService needs a coding of system {S.CATALOG_ITEM}"
        issues.append(Issue("required", msg, f"{where}.productOrService"))
    net = item.net.value if item.net is not None else None
    if net is None:
        issues.append(Issue("required", f"{where}.net (the line's amount) is required",
                            f"{where}.net"))  # fmt: skip
    _currency(item.net, f"{where}.net", issues)
    _currency(item.unitPrice, f"{where}.unitPrice", issues)
    quantity = _quantity(item, where, issues)
    unit = item.unitPrice.value if item.unitPrice is not None else None
    if net is not None and unit is not None and len(issues) == before:
        factor = item.factor if item.factor is not None else Decimal(1)
        expected = unit * quantity * factor
        if expected != net:
            msg = (f"{where}.net is {net} but unitPrice × quantity × factor is {expected}"
                   f" ({unit} × {quantity} × {factor})")  # fmt: skip
            issues.append(Issue("net_mismatch", msg, f"{where}.net"))
    if len(issues) > before:
        return None
    return {"code": code, "quantity": quantity, "amount": str(net)}


def _numbers_in_json(resource: dict[str, Any]) -> list[Issue]:
    """An item's quantity, prices and factor written as JSON numbers, as FHIR's JSON format
    says of decimals: ``"7"`` or ``true`` was read as 7 or 1 by the model's lax parsing."""
    issues = []
    items = resource.get("item")
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        for key in ("quantity", "unitPrice", "net", "factor"):
            part = item.get(key)
            value = part.get("value") if isinstance(part, dict) else part
            if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
                continue
            where = f"Claim.item[{i}].{key}" + (".value" if isinstance(part, dict) else "")
            kind = {str: "a string", bool: "true or false"}.get(type(value), "not a number")
            issues.append(Issue("value", f"{where} is {kind}: write a JSON number", where))
    return issues


def read_claim(resource: Any) -> ClaimIn:
    """The Claim's request (``FhirError`` when the resource is not a valid R4 Claim); the
    problems of its content in ``issues``."""
    status, use = None, None
    if isinstance(resource, dict):
        status, use = resource.get("status"), resource.get("use")
    try:
        claim = validate_resource(FhirClaim, resource)
    except FhirError as exc:
        extra = _status_use_issues(status, use) if exc.code != "resource_type" else []
        raise FhirError(exc.issues + extra) from None
    issues = _status_use_issues(claim.status, claim.use) + _numbers_in_json(resource)
    patient, more = patient_ref(claim.patient, "Claim")
    issues += more
    kind = _coding(claim.subType, S.CLAIM_KIND)
    if kind is None:
        inpatient = _coding(claim.type, S.CLAIM_TYPE) == "institutional"
        kind = "inpatient" if inpatient else "outpatient"
    period = claim.billablePeriod
    if period is None or period.start is None:
        msg = "Claim.billablePeriod.start (the visit or admission date) is required"
        issues.append(Issue("required", msg, "Claim.billablePeriod.start"))
    ident = getattr(claim.provider, "identifier", None)
    if ident is None or ident.system != S.INSTITUTION or not ident.value:
        msg = f"Claim.provider.identifier with system {S.INSTITUTION} is required"
        issues.append(Issue("required", msg, "Claim.provider.identifier"))
    diagnosis = None
    if claim.diagnosis:
        diagnosis = _coding(claim.diagnosis[0].diagnosisCodeableConcept, S.ICD10)
    items = [_item(i, item, issues) for i, item in enumerate(claim.item or [])]
    if not items:
        issues.append(Issue("required", "Claim.item: a claim bills at least one item",
                            "Claim.item"))  # fmt: skip
    _total(claim, issues)
    sequences = [int(item.sequence) for item in claim.item or []]
    for i, number in enumerate(sequences):
        if number in sequences[:i]:  # the ClaimResponse's itemSequence names one line
            msg = f"Claim.item[{i}].sequence {number} is used by an earlier item"
            issues.append(Issue("sequence_duplicate", msg, f"Claim.item[{i}].sequence"))
    claim_no = next(
        (str(x.value) for x in (claim.identifier or []) if x.system == S.CLAIM_NO), None
    )
    data = {
        "institution_code": str(ident.value) if ident is not None and ident.value else "",
        "kind": kind,
        "date": _day(period.start, "Claim.billablePeriod.start", issues)
        if period and period.start
        else None,
        "discharge_date": _day(period.end, "Claim.billablePeriod.end", issues)
        if period and period.end
        else None,
        "diagnosis": diagnosis,
        "referral": claim.referral is not None,
        "claim_no": claim_no,
        "items": items,
        "duplicate_reason": next(
            (
                str(x.valueString)
                for x in (claim.extension or [])
                if x.url == S.DUPLICATE_REASON and x.valueString
            ),
            None,
        ),
    }
    coverages = [
        (i, str(entry.coverage.reference))
        for i, entry in enumerate(claim.insurance or [])
        if entry.coverage is not None and entry.coverage.reference
    ]
    return ClaimIn(
        use=str(claim.use),
        patient=patient or PatientRef(),
        data=data,
        sequences=sequences,
        issues=issues,
        coverages=coverages,
    )


def _status_use_issues(status: Any, use: Any) -> list[Issue]:
    issues = []
    if status is not None and status != "active":
        msg = f"Claim.status is {status!r}: only an active claim is settled"
        issues.append(Issue("status_not_active", msg, "Claim.status"))
    if use is not None and use not in (SETTLING_USE, *PREVIEW_USES):
        msg = f"Claim.use is {use!r}: one of claim, preauthorization, predetermination"
        issues.append(Issue("value", msg, "Claim.use"))
    return issues


def _total(claim: Any, issues: list[Issue]) -> None:
    if claim.total is None:
        return
    _currency(claim.total, "Claim.total", issues)
    nets = [x.net.value for x in claim.item or [] if x.net and x.net.value is not None]
    total = claim.total.value
    complete = len(nets) == len(claim.item or [])
    if total is not None and complete and total != sum(nets, Decimal(0)):
        msg = f"Claim.total is {total} but the items' net add up to {sum(nets, Decimal(0))}"
        issues.append(Issue("total_mismatch", msg, "Claim.total"))


def submission_of(claim: ClaimIn, resident_id: str) -> ClaimSubmission:
    """The settlement submission, or a ``FhirError`` with every problem of the claim."""
    issues = list(claim.issues)
    if not issues:
        try:
            return ClaimSubmission.model_validate({"resident_id": resident_id, **claim.data})
        except ValidationError as exc:
            for e in exc.errors():
                issues.append(_submission_issue(e, claim.patient))
    raise FhirError(issues)


def _submission_issue(error: Any, patient: PatientRef) -> Issue:
    loc = list(error.get("loc", ()))
    msg = str(error.get("msg", "")).removeprefix("Value error, ") or "not valid"
    if loc and loc[0] == "items" and len(loc) >= 2:
        sub = {"code": "productOrService", "quantity": "quantity", "amount": "net"}
        where = fhirpath("Claim", ["item", loc[1]])
        if len(loc) > 2:
            where += "." + sub.get(str(loc[2]), str(loc[2]))
    elif loc and loc[0] == "resident_id":
        where = patient.path
    elif loc:
        where = PATH_OF.get(str(loc[0]), "Claim")
    else:  # a rule across fields: the dates
        where = "Claim.billablePeriod"
    return Issue("value", f"{where}: {msg} (got {shown(error.get('input'))})"
                 if not isinstance(error.get("input"), dict | list) else f"{where}: {msg}",
                 where)  # fmt: skip


def submission_from_claim(resource: dict[str, Any]) -> ClaimSubmission:
    """A Claim naming its patient by resident ID as a ``ClaimSubmission`` (``FhirError`` if
    not); a Claim naming a ``Patient`` by reference needs the registry (see the route)."""
    claim = read_claim(resource)
    if claim.patient.resident_id is None and not claim.issues:
        msg = f"Claim.patient: a reference needs the registry; use an identifier ({S.RESIDENT_ID})"
        raise FhirError([Issue("required", msg, "Claim.patient")])
    return submission_of(claim, claim.patient.resident_id or "")


def day_of(value: Any, path: str) -> date:
    """A FHIR date or dateTime as its day (a dateTime's own date); a partial one (``2017``,
    ``2017-12``: FHIR allows them, a settlement or a coverage needs the day) is refused
    naming its path (``date_format``), never passed on as text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    msg = f"{path} is {value}: give the day (YYYY-MM-DD)"
    raise FhirError([Issue("date_format", msg, path)])


def _day(value: Any, path: str, issues: list[Issue]) -> date | None:
    """:func:`day_of`, its refusal kept with the resource's other problems."""
    try:
        return day_of(value, path)
    except FhirError as exc:
        issues.extend(exc.issues)
        return None
