"""SafetyNet objects as FHIR R4 resources (plain JSON dicts, validated by the tests with the
third-party ``fhir.resources`` R4B models)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from safetynet.api.fhir import systems as S
from safetynet.codes import ClaimKind
from safetynet.money import to_yuan
from safetynet.settlement.service import SettlementView
from safetynet.store.models import Enrollment, Person

Json = dict[str, Any]


def money(fen: int) -> Json:
    return {"value": Decimal(to_yuan(fen)), "currency": S.CURRENCY}


def patient(person: Person) -> Json:
    return {
        "resourceType": "Patient",
        "id": str(person.id),
        "identifier": [{"system": S.RESIDENT_ID, "value": person.resident_id}],
        "name": [{"text": person.name}],
        "gender": "male" if person.sex.value == "M" else "female",
        "birthDate": person.birth_date.isoformat(),
        "deceasedBoolean": person.deceased_on is not None,
        "active": person.deceased_on is None,
    }


def coverage(enrollment: Enrollment, person: Person) -> Json:
    return {
        "resourceType": "Coverage",
        "id": f"{person.id}-{enrollment.year}",
        "status": "active",
        "beneficiary": {"reference": f"Patient/{person.id}"},
        "payor": [{"display": S.INSURER_DISPLAY}],
        "period": {"start": f"{enrollment.year}-01-01", "end": f"{enrollment.year}-12-31"},
        "class": [
            {
                "type": {"coding": [{"system": S.POVERTY_STATUS, "code": "category"}]},
                "value": enrollment.category.value,
            }
        ],
    }


def _kind_type(kind: str) -> Json:
    code = "institutional" if kind == ClaimKind.INPATIENT.value else "professional"
    return {"coding": [{"system": S.CLAIM_TYPE, "code": code}]}


def _totals(view: SettlementView) -> list[Json]:
    def total(system: str, code: str, fen: int) -> Json:
        return {"category": {"coding": [{"system": system, "code": code}]}, "amount": money(fen)}

    return [
        total(S.ADJUDICATION, "submitted", view.total_fen),
        total(S.ADJUDICATION, "eligible", view.compliant_fen),
        total(S.ADJUDICATION, "benefit", view.paid_fen),
        total(S.LAYER, "institution_borne", view.institution_borne_fen),
        total(S.LAYER, "out_of_pocket", view.out_of_pocket_fen),
    ]


def _layer_adjudications(view: SettlementView) -> list[Json]:
    out = []
    for layer in view.layers:
        adj: Json = {
            "category": {
                "coding": [{"system": S.LAYER, "code": layer.layer_id, "display": layer.name_en}],
                "text": layer.name_zh,
            },
            "amount": money(layer.paid_fen),
        }
        if layer.rule_id:
            adj["reason"] = {
                "coding": [{"system": S.RULE, "code": layer.rule_id}],
                "text": layer.source or layer.rule_id,
            }
        out.append(adj)
    return out


def _common(view: SettlementView, person_ref: str, created: date) -> Json:
    return {
        "status": "active",
        "type": _kind_type(view.kind),
        "use": "claim" if view.settlement_id is not None else "predetermination",
        "patient": {"reference": person_ref},
        "created": created.isoformat(),
        "insurer": {"display": S.INSURER_DISPLAY},
        "outcome": "complete",
        "identifier": [{"system": S.CLAIM_NO, "value": view.claim_no}] if view.claim_no else None,
    }


def explanation_of_benefit(view: SettlementView, person_id: int, created: date) -> Json:
    """The settlement as an EOB: a header adjudication per layer, totals, what the patient pays."""
    eob = _common(view, f"Patient/{person_id}", created)
    eob.update(
        {
            "resourceType": "ExplanationOfBenefit",
            "id": str(view.settlement_id) if view.settlement_id else None,
            "provider": {"identifier": {"system": S.INSTITUTION, "value": view.institution_code}},
            "insurance": [{"focal": True, "coverage": {"display": view.policy_id}}],
            "billablePeriod": {"start": view.claim_date.isoformat()},
            "adjudication": _layer_adjudications(view),
            "total": _totals(view),
            "payment": {"amount": money(view.paid_fen)},
        }
    )
    return {k: v for k, v in eob.items() if v is not None}


def claim_response(view: SettlementView, person_id: int, created: date) -> Json:
    cr = _common(view, f"Patient/{person_id}", created)
    cr.update(
        {
            "resourceType": "ClaimResponse",
            "id": str(view.settlement_id) if view.settlement_id else None,
            "requestor": {"identifier": {"system": S.INSTITUTION, "value": view.institution_code}},
            "adjudication": _layer_adjudications(view),
            "total": _totals(view),
            "payment": {"type": {"text": "settlement"}, "amount": money(view.paid_fen)},
            "disposition": f"settled under {view.policy_id}",
        }
    )
    return {k: v for k, v in cr.items() if v is not None}


def eligibility_response(
    person: Person, on: date, enrollment: Enrollment | None, statuses: list[str], created: date
) -> Json:
    insurance = []
    if enrollment is not None:
        insurance.append(
            {
                "coverage": {"reference": f"Coverage/{person.id}-{enrollment.year}"},
                "inforce": True,
                "item": [
                    {
                        "category": {"coding": [{"system": S.POVERTY_STATUS, "code": s}]},
                        "description": "poverty category on the service date",
                    }
                    for s in statuses
                ],
            }
        )
    return {
        "resourceType": "CoverageEligibilityResponse",
        "status": "active",
        "purpose": ["validation", "benefits"],
        "patient": {"reference": f"Patient/{person.id}"},
        "servicedDate": on.isoformat(),
        "created": created.isoformat(),
        "request": {"display": "eligibility request"},
        "outcome": "complete",
        "insurer": {"display": S.INSURER_DISPLAY},
        "insurance": insurance,
        "disposition": "enrolled" if enrollment else "not enrolled for this year",
    }


def capability_statement(base_url: str, created: date, version: str) -> Json:
    def resource(kind: str, interactions: list[str], ops: list[str] | None = None) -> Json:
        r: Json = {"type": kind, "interaction": [{"code": i} for i in interactions]}
        if ops:
            r["operation"] = [
                {"name": o, "definition": f"{base_url}/OperationDefinition/{o}"} for o in ops
            ]
        return r

    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": created.isoformat(),
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "software": {"name": "SafetyNet", "version": version},
        "implementation": {"description": "SafetyNet one-stop settlement", "url": base_url},
        "rest": [
            {
                "mode": "server",
                "resource": [
                    resource("Patient", ["read", "search-type"]),
                    resource("Coverage", ["search-type"]),
                    resource("Claim", ["create"]),
                    resource("ClaimResponse", ["read"]),
                    resource("ExplanationOfBenefit", ["read"]),
                    resource("CoverageEligibilityRequest", ["create"]),
                ],
            }
        ],
    }
