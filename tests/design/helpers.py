"""A small claims year under anhui-poor-2017: poor and other persons, inpatient claims at
county and city hospitals, written as a claim file (JSON lines)."""

from __future__ import annotations

import json
from pathlib import Path

from safetynet.registry.resident_id import check_char


def _resident_id(p: int) -> str:
    body = f"34182119700101{p:03d}"
    return body + check_char(body)


def write_claims(path: Path, persons: int = 40) -> Path:
    lines = []
    n = 0
    for p in range(persons):
        poor = (p // 2) % 2 == 0  # whole households poor or not
        for k in range(1 + p % 3):
            n += 1
            total = 3_000 + (p * 1_237 + k * 4_111) % 60_000
            lines.append(
                {
                    "claim_no": f"D-{n:04d}",
                    "person_id": _resident_id(p),
                    "household_id": f"H-{p // 2:03d}",
                    "date": f"2017-{1 + (k * 4 + p) % 12:02d}-{1 + p % 27:02d}",
                    "kind": "inpatient",
                    "level": "county" if (p + k) % 3 else "city",
                    "statuses": ["registered_poor"] if poor else [],
                    "age": 30 + p,
                    "diagnosis": "I63.9",
                    "total": f"{total}.00",
                    "compliant": f"{total * 9 // 10}.00",
                }
            )
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path
