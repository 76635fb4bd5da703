"""Claim files for the claims tests, written as JSON lines in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

POOR = ["registered_poor"]


def claim(no: str, person: str, date: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "claim_no": no,
        "person_id": person,
        "date": date,
        "kind": "inpatient",
        "level": "county",
        "age": 50,
        "total": "10000.00",
        "compliant": "9000.00",
    }
    base.update(fields)
    return base


def write_jsonl(path: Path, claims: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims), "utf-8")
    return path


def year_of_claims() -> list[dict[str, Any]]:
    """Two households: a poor one with two members and an ordinary person."""
    return [
        claim(
            "C01",
            "P1",
            "2017-02-01",
            household_id="H1",
            statuses=POOR,
            total="20000",
            compliant="18000",
        ),
        claim(
            "C02",
            "P2",
            "2017-03-01",
            household_id="H1",
            statuses=POOR,
            kind="outpatient",
            level="village",
            total="80",
            compliant="80",
        ),
        claim(
            "C03",
            "P1",
            "2017-05-01",
            household_id="H1",
            statuses=POOR,
            level="province",
            in_county=False,
            referral=True,
            total="60000",
            compliant="50000",
        ),
        claim("C04", "P3", "2017-04-01", total="30000", compliant="25000"),
        claim(
            "C05",
            "P3",
            "2017-08-01",
            kind="outpatient",
            level="township",
            total="120.50",
            compliant="100.25",
            essential="40",
        ),
        claim(
            "C06", "P3", "2017-10-01", total="8000", compliant="7000", level="city", in_county=False
        ),
    ]
