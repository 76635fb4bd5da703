"""Small hand-written ledgers for the early-warning tests (amounts in yuan, frames in fen)."""

from __future__ import annotations

import itertools
from datetime import date

import polars as pl

from safetynet.codes import PovertyStatus
from safetynet.early_warning.evaluate import HOUSEHOLD_SCHEMA, LEDGER_SCHEMA
from safetynet.engine.facts import status_mask

_ids = itertools.count(1)


def claim(
    person: int,
    household: int,
    *,
    total: float,
    compliant: float | None = None,
    paid: float = 0,
    kind: str = "inpatient",
    on: date = date(2018, 3, 1),
    statuses: set[PovertyStatus] | None = None,
    diagnosis: str | None = "J18.9",
    claim_id: int | None = None,
) -> dict[str, object]:
    """One settled claim: out-of-pocket = total − paid."""
    compliant = total if compliant is None else compliant
    return {
        "claim_id": next(_ids) if claim_id is None else claim_id,
        "person_id": person,
        "household_id": household,
        "kind": kind,
        "claim_date": on,
        "status_mask": status_mask(statuses or {PovertyStatus.ORDINARY}),
        "diagnosis": diagnosis,
        "total_fen": round(total * 100),
        "compliant_fen": round(compliant * 100),
        "paid_fen": round(paid * 100),
        "out_of_pocket_fen": round((total - paid) * 100),
    }


def reversal(row: dict[str, object]) -> dict[str, object]:
    money = ("total_fen", "compliant_fen", "paid_fen", "out_of_pocket_fen")
    return {k: (-v if k in money else v) for k, v in row.items()}  # type: ignore[operator]


def ledger(*rows: dict[str, object]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=LEDGER_SCHEMA)


def households(*rows: tuple[int, int, float | None, float | None]) -> pl.DataFrame:
    """(household, members, income yuan or None, reference per-capita yuan or None)."""
    return pl.DataFrame(
        [
            {
                "household_id": h,
                "members": m,
                "income_fen": None if i is None else round(i * 100),
                "reference_fen": None if r is None else round(r * 100),
            }
            for h, m, i, r in rows
        ],
        schema=HOUSEHOLD_SCHEMA,
    )
