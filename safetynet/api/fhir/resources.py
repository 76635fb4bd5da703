"""SafetyNet objects as FHIR R4 resources (plain JSON dicts, validated by the tests with the
third-party ``fhir.resources`` R4B models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from safetynet.api.fhir import systems as S
from safetynet.api.fhir.lines import ClaimLines, share
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
    """A year's enrollment as a Coverage: its period is the days of the year the person is
    alive (from the birth, to the day before the death), the days a claim is settled on.

    An enrollment of a year with no day alive in it (a death on or before 1 January recorded
    after the enrollment, or a birth after the year) covers no day: it is ``cancelled``, with
    no period, as the eligibility answer leaves such a year out."""
    start, end = date(enrollment.year, 1, 1), date(enrollment.year, 12, 31)
    start = max(start, person.birth_date)
    if person.deceased_on is not None:
        end = min(end, person.deceased_on - timedelta(days=1))
    covered = start <= end
    return {
        "resourceType": "Coverage",
        "id": coverage_id(person.id, enrollment.year),
        "status": "active" if covered else "cancelled",
        "beneficiary": {"reference": f"Patient/{person.id}"},
        "payor": [INSURER],
        **({"period": {"start": start.isoformat(), "end": end.isoformat()}} if covered else {}),
        "class": [
            {
                "type": {"coding": [{"system": S.POVERTY_STATUS, "code": "category"}]},
                "value": enrollment.category.value,
            }
        ],
    }


def coverage_id(person_id: int, year: int) -> str:
    """A Coverage's logical id: the person's id and the year of enrollment."""
    return f"{person_id}-{year}"


# the scheme's payer, named by identifier (no Organization is served)
INSURER: Json = {
    "identifier": {"system": S.INSURER, "value": S.INSURER_CODE},
    "display": S.INSURER_DISPLAY,
}


def _kind(kind: str) -> Json:
    code = "institutional" if kind == ClaimKind.INPATIENT.value else "professional"
    return {
        "type": {"coding": [{"system": S.CLAIM_TYPE, "code": code}]},
        "subType": {"coding": [{"system": S.CLAIM_KIND, "code": kind}]},
    }


def _amount(system: str, code: str, fen: int, display: str | None = None) -> Json:
    coding: Json = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"category": {"coding": [coding]}, "amount": money(fen)}


def _totals(view: SettlementView) -> list[Json]:
    return [
        _amount(S.ADJUDICATION, "submitted", view.total_fen),
        _amount(S.ADJUDICATION, "eligible", view.compliant_fen),
        _amount(S.ADJUDICATION, "benefit", view.paid_fen),
        _amount(S.LAYER, "institution_borne", view.institution_borne_fen),
        _amount(S.LAYER, "out_of_pocket", view.out_of_pocket_fen),
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


REASON_TEXT = {
    "review_deducted": "deducted by review; borne by the institution",
    "self_pay_share": "class-B item: the self-pay share is not eligible",
    "not_covered": "class-C or out-of-catalog item: not eligible",
}


def _items(view: SettlementView, claim: ClaimLines) -> list[Json]:
    """Each line with its adjudication: submitted, eligible, benefit and each layer's share,
    and why it lost money (ClaimResponse.item and ExplanationOfBenefit.item alike)."""
    lines = claim.lines
    weights = [x.compliant_fen for x in lines]
    if sum(weights) <= 0:
        weights = [x.amount_fen - x.deducted_fen for x in lines]
    shares = {layer.layer_id: share(layer.paid_fen, weights) for layer in view.layers}
    out = []
    for i, line in enumerate(lines):
        eligible = _amount(S.ADJUDICATION, "eligible", line.compliant_fen)
        if line.reasons:  # why the line's eligible amount is below what was billed
            eligible["reason"] = {
                "coding": [{"system": S.REDUCTION, "code": r} for r in line.reasons],
                "text": "; ".join(REASON_TEXT[r] for r in line.reasons),
            }
        adjudication = [
            _amount(S.ADJUDICATION, "submitted", line.amount_fen),
            eligible,
            _amount(S.ADJUDICATION, "benefit", sum(s[i] for s in shares.values())),
        ]
        adjudication += [
            _amount(S.LAYER, layer.layer_id, shares[layer.layer_id][i], layer.name_en)
            for layer in view.layers
        ]
        if line.deducted_fen:
            adjudication.append(_amount(S.LAYER, "institution_borne", line.deducted_fen))
        out.append({"itemSequence": line.sequence, "adjudication": adjudication})
    return out


def _eob_items(view: SettlementView, claim: ClaimLines) -> list[Json]:
    """EOB lines name their item (``sequence``, ``productOrService``, ``net``) besides the
    adjudication a ClaimResponse gives per ``itemSequence``."""
    return [
        {
            "sequence": line.sequence,
            "productOrService": {"coding": [{"system": S.CATALOG_ITEM, "code": line.code}]},
            "net": money(line.amount_fen),
            "adjudication": item["adjudication"],
        }
        for line, item in zip(claim.lines, _items(view, claim), strict=True)
    ]


def _period(claim: ClaimLines) -> Json:
    period = {"start": claim.start.isoformat()}
    if claim.end is not None:
        period["end"] = claim.end.isoformat()
    return period


def _common(
    view: SettlementView, person_id: int, created: date, claim: ClaimLines, use: str
) -> Json:
    out: Json = {
        "status": "active",
        **_kind(view.kind),
        "use": use,
        "patient": {"reference": f"Patient/{person_id}"},
        "created": created.isoformat(),
        "insurer": INSURER,
        "outcome": "complete",
    }
    if view.claim_no:
        out["identifier"] = [{"system": S.CLAIM_NO, "value": view.claim_no}]
    if claim.lines:
        out["item"] = _items(view, claim)
    out["adjudication"] = _layer_adjudications(view) or None
    out["total"] = _totals(view)
    return out


def _claim_link(view: SettlementView) -> Json | None:
    """The Claim, by the hospital's claim number (SafetyNet keeps claims, not FHIR Claims)."""
    return {"identifier": {"system": S.CLAIM_NO, "value": view.claim_no}} if view.claim_no else None


def _insurance(view: SettlementView, person_id: int) -> list[Json]:
    return [
        {
            "focal": True,
            "coverage": {"reference": f"Coverage/{coverage_id(person_id, view.claim_date.year)}"},
        }
    ]


def explanation_of_benefit(
    view: SettlementView, person_id: int, created: date, claim: ClaimLines
) -> Json:
    """The settlement as an EOB: every line's adjudication, a header adjudication per layer,
    totals, what the patient pays."""
    eob = _common(view, person_id, created, claim, "claim")
    eob.update(
        {
            "resourceType": "ExplanationOfBenefit",
            "id": str(view.settlement_id) if view.settlement_id else None,
            "provider": {"identifier": {"system": S.INSTITUTION, "value": view.institution_code}},
            "claim": _claim_link(view),
            "claimResponse": {"reference": f"ClaimResponse/{view.settlement_id}"}
            if view.settlement_id
            else None,
            "insurance": _insurance(view, person_id),
            "billablePeriod": _period(claim),
            "item": _eob_items(view, claim) or None,
            "payment": {"amount": money(view.paid_fen)},
        }
    )
    return {k: v for k, v in eob.items() if v is not None}


def claim_response(
    view: SettlementView, person_id: int, created: date, claim: ClaimLines, use: str = "claim"
) -> Json:
    """The settlement (or, for ``use`` preauthorization/predetermination, its preview) as
    a ClaimResponse."""
    cr = _common(view, person_id, created, claim, use)
    recorded = view.settlement_id is not None
    cr.update(
        {
            "resourceType": "ClaimResponse",
            "id": str(view.settlement_id) if recorded else None,
            "requestor": {"identifier": {"system": S.INSTITUTION, "value": view.institution_code}},
            "request": _claim_link(view),
            "insurance": [{"sequence": 1, **_insurance(view, person_id)[0]}],
            "payment": {"type": {"coding": [{"system": S.PAYMENT_TYPE, "code": "complete"}]},
                        "amount": money(view.paid_fen)},
            "disposition": f"settled under {view.policy_id}"
            if recorded
            else f"preview under {view.policy_id}: nothing recorded",
        }
    )  # fmt: skip
    return {k: v for k, v in cr.items() if v is not None}


@dataclass(frozen=True)
class Eligibility:
    """What was asked: the period, the purposes, and the request to point back to."""

    start: date
    end: date
    serviced: Json  # servicedDate or servicedPeriod, as asked
    purpose: list[str]
    request: Json  # the request as received (contained in the answer)


def eligibility_response(
    person: Person,
    asked: Eligibility,
    enrollments: list[tuple[Enrollment, list[str]]],
    created: date,
) -> Json:
    """Coverage for the period asked: an insurance entry per enrolled year in it."""
    insurance = []
    for enrollment, statuses in enrollments:
        year_start, year_end = date(enrollment.year, 1, 1), date(enrollment.year, 12, 31)
        entry: Json = {
            "coverage": {"reference": f"Coverage/{coverage_id(person.id, enrollment.year)}"},
            "inforce": True,
            "benefitPeriod": {
                "start": max(year_start, asked.start).isoformat(),
                "end": min(year_end, asked.end).isoformat(),
            },
        }
        if "benefits" in asked.purpose and statuses:
            entry["item"] = [
                {
                    "category": {"coding": [{"system": S.POVERTY_STATUS, "code": s}]},
                    "description": "poverty category at the start of the period",
                }
                for s in statuses
            ]
        insurance.append(entry)
    request = dict(asked.request, id="request")
    out: Json = {
        "resourceType": "CoverageEligibilityResponse",
        "contained": [request],
        "status": "active",
        "purpose": asked.purpose,
        "patient": {"reference": f"Patient/{person.id}"},
        **asked.serviced,
        "created": created.isoformat(),
        "request": {"reference": "#request"},
        "outcome": "complete",
        "insurer": INSURER,
        "disposition": "enrolled" if insurance else "not enrolled in the period asked",
    }
    if asked.request.get("identifier"):
        out["request"]["identifier"] = asked.request["identifier"][0]
    if insurance:
        out["insurance"] = insurance
    return out


# what the server serves, by resource type: interactions, search parameters
SERVED: dict[str, tuple[list[str], list[tuple[str, str]]]] = {
    "Patient": (["read", "search-type"], [("identifier", "token")]),
    "Coverage": (["read", "search-type"], [("patient", "reference"), ("beneficiary", "reference")]),
    "Claim": (["create"], []),
    "ClaimResponse": (["read"], []),
    "ExplanationOfBenefit": (["read"], []),
    "CoverageEligibilityRequest": (["create"], []),
}


def capability_statement(base_url: str, created: date, version: str) -> Json:
    def resource(kind: str) -> Json:
        interactions, params = SERVED[kind]
        r: Json = {"type": kind, "interaction": [{"code": i} for i in interactions]}
        if params:
            r["searchParam"] = [{"name": n, "type": t} for n, t in params]
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
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "restful-security-service",
                                    "code": "Basic",
                                }
                            ]
                        }
                    ]
                },
                "resource": [resource(kind) for kind in SERVED],
            }
        ],
    }


def bundle(self_url: str, base_url: str, resources: list[Json]) -> Json:
    """A searchset: the search as run (``link`` self), each match with its full URL."""
    out: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": self_url}],
    }
    if resources:
        out["entry"] = [
            {
                "fullUrl": f"{base_url}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ]
    return out
