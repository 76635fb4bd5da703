"""Submissions for the settlement tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from safetynet.settlement.submission import ClaimSubmission


def inpatient(resident_id: str, day: date = date(2017, 3, 1), **extra: Any) -> ClaimSubmission:
    data: dict[str, Any] = {
        "resident_id": resident_id,
        "institution_code": "H-COUNTY",
        "kind": "inpatient",
        "date": day,
        "diagnosis": "J18.9",
        "items": [
            {"code": "BED", "amount": "6000.00"},
            {"code": "DRUG-A", "amount": "2000.00"},
            {"code": "DRUG-B", "amount": "1000.00"},
            {"code": "DRUG-C", "amount": "1000.00"},
        ],
    }
    data.update(extra)
    return ClaimSubmission.model_validate(data)
