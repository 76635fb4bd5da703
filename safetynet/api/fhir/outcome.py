"""OperationOutcome: what a hospital system is told when the FHIR interface refuses a request.

Each problem is one ``issue``: its ``code`` from FHIR's IssueType by kind (``required``,
``value``, ``structure``, ``code-invalid``, ``not-found``, ``not-supported``, ...), its
``details.coding`` from HL7's published ``operation-outcome`` code system where that has a
code for it, else from SafetyNet's own ``urn:safetynet:error`` (the stable error code the
JSON API answers too, listed in docs/routes.md), its ``expression`` a FHIRPath into the
submitted resource (``Claim.item[1].productOrService``). A resource's problems are all
reported at once (:class:`FhirError` carries every issue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from safetynet.settlement.errors import SettlementError

HL7_OUTCOME = "http://terminology.hl7.org/CodeSystem/operation-outcome"
SAFETYNET_ERROR = "urn:safetynet:error"

# IssueType of an HTTP status, for an error that names no kind of its own
ISSUE_OF_STATUS = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
                   405: "not-supported", 406: "not-supported", 409: "conflict",
                   415: "not-supported", 422: "processing", 429: "throttled",
                   500: "exception", 503: "transient"}  # fmt: skip

# SafetyNet error codes HL7's operation-outcome code system has a code for
HL7_CODE_OF = {
    "login_required": "MSG_AUTH_REQUIRED",
    "credentials_wrong": "MSG_AUTH_REQUIRED",
    "credentials_malformed": "MSG_AUTH_REQUIRED",
    "forbidden": "MSG_OP_NOT_ALLOWED",
    "method_not_allowed": "MSG_OP_NOT_ALLOWED",
    "not_found": "MSG_NO_EXIST",
    "settlement_unknown": "MSG_NO_EXIST",
    "person_unknown": "MSG_NO_EXIST",
    "coverage_unknown": "MSG_NO_EXIST",
    "unknown_type": "MSG_UNKNOWN_TYPE",
    "json_invalid": "MSG_JSON_OBJECT",
    "resource_type": "MSG_RESOURCE_TYPE_MISMATCH",
    "resource_required": "MSG_RESOURCE_REQUIRED",
    "unknown_element": "MSG_UNKNOWN_CONTENT",
    "date_format": "MSG_DATE_FORMAT",
    "bad_format": "MSG_BAD_FORMAT",
    "param_invalid": "MSG_PARAM_INVALID",
    "format_not_supported": "MSG_BAD_FORMAT",
    "media_type": "MSG_BAD_FORMAT",
}

# IssueType of SafetyNet error codes whose kind is not the HTTP status's
ISSUE_OF_CODE = {
    "item_unknown": "code-invalid",
    "diagnosis_unknown": "code-invalid",
    "resident_id_invalid": "value",
    "unknown_element": "structure",
    "json_invalid": "structure",
    "duplicate_key": "structure",
    "resource_type": "structure",
    "resource_required": "required",
    "required": "required",
    "date_format": "value",
    "bad_format": "value",
    "value": "value",
    "currency": "value",
    "quantity": "value",
    "sequence_duplicate": "duplicate",
    "total_mismatch": "invariant",
    "net_mismatch": "invariant",
    "status_not_active": "business-rule",
    "not_enrolled": "business-rule",
    "person_deceased": "business-rule",
    "person_not_born": "business-rule",
    "coverage_mismatch": "business-rule",
    "patient_mismatch": "invariant",
    "institution_not_designated": "business-rule",
    "institution_kind": "business-rule",
    "institution_not_yours": "forbidden",
    "claim_exists": "duplicate",
    "duplicate_bill": "duplicate",
    "client_key_reused": "conflict",
    "screening_blocked": "business-rule",
    "param_invalid": "value",
    "method_not_allowed": "not-supported",
    "unknown_type": "not-supported",
}


@dataclass(frozen=True)
class Issue:
    """One problem: SafetyNet's error code, plain words, and where (FHIRPath), if anywhere."""

    code: str
    message: str
    expression: str | None = None
    issue_type: str | None = None  # IssueType; by default from the code, else the status

    def as_json(self, status: int) -> dict[str, Any]:
        kind = self.issue_type or ISSUE_OF_CODE.get(self.code) or ISSUE_OF_STATUS.get(status)
        hl7 = HL7_CODE_OF.get(self.code)
        coding = (
            {"system": HL7_OUTCOME, "code": hl7}
            if hl7
            else {"system": SAFETYNET_ERROR, "code": self.code}
        )
        out: dict[str, Any] = {
            "severity": "error",
            "code": kind or "processing",
            "details": {"coding": [coding], "text": self.message},
            "diagnostics": self.message,
        }
        if self.expression:
            out["expression"] = [self.expression]
        return out


class FhirError(SettlementError):
    """A refusal with every problem found (a ``SettlementError`` naming the first)."""

    def __init__(self, issues: list[Issue], status: int = 422) -> None:
        first = issues[0]
        super().__init__(first.code, first.message, field=first.expression, status=status)
        self.issues = issues
        self.hits: list[Any] | None = None  # a screening refusal's rules broken, if it is one


def operation_outcome(issues: list[Issue], status: int) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.as_json(status) for i in issues]}


def fhirpath(root: str, loc: tuple[Any, ...] | list[Any]) -> str:
    """``("item", 1, "net")`` under ``Claim`` → ``Claim.item[1].net``."""
    out = root
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def shown(value: Any) -> str:
    """A submitted value as the hospital wrote it: a date as ``2017-12-19``, a decimal as
    ``10.005`` (never Python's ``datetime.date(…)`` or ``Decimal('…')``), text quoted."""
    if isinstance(value, date | Decimal):
        text = value.isoformat() if isinstance(value, date) else str(value)
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def pydantic_issues(root: str, errors: list[Any]) -> list[Issue]:
    """Every error of a model's validation as an issue in the submitted resource's terms."""
    issues = []
    for e in errors:
        loc = [p for p in e.get("loc", ()) if p not in ("body", "query")]
        where = fhirpath(root, loc)
        kind, msg = e.get("type", ""), str(e.get("msg", "")).removeprefix("Value error, ")
        got = "" if isinstance(e.get("input"), dict | list) else f" (got {shown(e['input'])})"
        if kind == "missing":
            issues.append(Issue("required", f"{where} is required", where))
        elif kind == "extra_forbidden":
            issues.append(Issue("unknown_element", f"{where} is not an element of {root}", where))
        elif "DateTime" in msg or "Date value" in msg or kind.startswith("date"):
            issues.append(Issue("date_format", f"{where} is not a valid FHIR date{got}", where))
        else:
            words = re.sub(r"\s+", " ", msg).strip() or "the value is not valid"
            issues.append(Issue("bad_format", f"{where}: {words}{got}", where))
    return issues


def from_settlement(exc: SettlementError, path_of: dict[str, str] | None = None) -> Issue:
    """A service refusal as an issue, its field translated to a FHIRPath by ``path_of``
    (a submission field, or ``items[i].x``, → where it came from in the resource)."""
    if isinstance(exc, FhirError):
        return exc.issues[0]
    where = None
    if exc.field:
        where = (path_of or {}).get(exc.field)
        if where is None and path_of is not None:
            m = re.fullmatch(r"items\[(\d+)\]\.?(\w*)", exc.field)
            if m:
                item = f"Claim.item[{m.group(1)}]"
                where = item + {"code": ".productOrService", "quantity": ".quantity",
                                "amount": ".net"}.get(m.group(2), "")  # fmt: skip
    return Issue(exc.code, exc.message, where)
