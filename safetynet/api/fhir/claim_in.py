"""An incoming FHIR R4 ``Claim`` from a hospital system, read as a settlement submission.

The resource is first validated against the R4B model of ``fhir.resources``; then the parts
SafetyNet settles on are taken from it:

- ``patient.identifier`` (system ``urn:safetynet:resident-id``) — the resident ID
- ``provider.identifier`` (``urn:safetynet:institution``) — the institution
- ``subType.coding`` (``urn:safetynet:claim-kind``) — inpatient / outpatient /
  chronic_outpatient; without it, ``type`` institutional means inpatient, else outpatient
- ``billablePeriod.start`` / ``.end`` — admission (or visit) and discharge dates
- ``diagnosis[0].diagnosisCodeableConcept`` (ICD-10), ``referral`` present → referred
- ``identifier`` (``urn:safetynet:claim-no``) — the hospital's claim number
- ``item[]``: ``productOrService`` (``urn:safetynet:catalog-item``), ``quantity``, ``net``
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from fhir.resources.R4B.claim import Claim as FhirClaim
from pydantic import BaseModel, ValidationError

from safetynet.api.fhir import systems as S
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.submission import ClaimSubmission


def _coding(concept: Any, system: str) -> str | None:
    for c in getattr(concept, "coding", None) or []:
        if c.system == system and c.code:
            return str(c.code)
    return None


def _identifier(ref: Any, system: str, field: str) -> str:
    ident = getattr(ref, "identifier", None)
    if ident is None or ident.system != system or not ident.value:
        raise SettlementError(
            "fhir_identifier", f"{field}.identifier with system {system} is required", field=field
        )
    return str(ident.value)


M = TypeVar("M", bound=BaseModel)


def validate_resource(model: type[M], resource: dict[str, Any]) -> M:
    """An incoming resource validated against its ``fhir.resources`` R4B model, or a
    ``SettlementError`` naming the resource type expected or the first invalid element."""
    kind = model.__name__
    if resource.get("resourceType") != kind:
        raise SettlementError(
            "fhir_resource_type", f"expected a {kind} resource", field="resourceType"
        )
    try:
        return model.model_validate({k: v for k, v in resource.items() if k != "resourceType"})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SettlementError(
            "fhir_invalid", f"not a valid FHIR R4 {kind}: {where}: {first['msg']}", field=where
        ) from None


def submission_from_claim(resource: dict[str, Any]) -> ClaimSubmission:
    """Validate a FHIR Claim and turn it into a ``ClaimSubmission`` (``SettlementError`` if not)."""
    claim = validate_resource(FhirClaim, resource)
    kind = _coding(claim.subType, S.CLAIM_KIND)
    if kind is None:
        kind = (
            "inpatient" if _coding(claim.type, S.CLAIM_TYPE) == "institutional" else ("outpatient")
        )
    period = claim.billablePeriod
    if period is None or period.start is None:
        raise SettlementError(
            "fhir_period",
            "billablePeriod.start (the visit or admission date) is required",
            field="billablePeriod",
        )
    diagnosis = None
    if claim.diagnosis:
        diagnosis = _coding(claim.diagnosis[0].diagnosisCodeableConcept, S.ICD10)
    items = []
    for i, item in enumerate(claim.item or []):
        code = _coding(item.productOrService, S.CATALOG_ITEM)
        if code is None or item.net is None or item.net.value is None:
            raise SettlementError(
                "fhir_item",
                f"item {i + 1}: productOrService with system {S.CATALOG_ITEM} and net are required",
                field=f"item[{i}]",
            )
        qty = int(item.quantity.value) if item.quantity and item.quantity.value else 1
        items.append({"code": code, "quantity": qty, "amount": str(item.net.value)})
    claim_no = next(
        (str(x.value) for x in (claim.identifier or []) if x.system == S.CLAIM_NO), None
    )
    data = {
        "resident_id": _identifier(claim.patient, S.RESIDENT_ID, "patient"),
        "institution_code": _identifier(claim.provider, S.INSTITUTION, "provider"),
        "kind": kind,
        "date": _as_date(period.start),
        "discharge_date": _as_date(period.end) if period.end else None,
        "diagnosis": diagnosis,
        "referral": claim.referral is not None,
        "claim_no": claim_no,
        "items": items,
    }
    try:
        return ClaimSubmission.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SettlementError("claim_invalid", f"{where}: {first['msg']}", field=where) from None


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value
