"""Small hand-made claim data for the screening tests."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl

from safetynet.supervision.catalog import FACTS, shipped_entries, with_catalog
from safetynet.supervision.frames import (
    CLAIMS_SCHEMA,
    LINES_SCHEMA,
    PERSONS_SCHEMA,
    ScreenInput,
    conform,
)
from safetynet.supervision.rules import load_rules
from safetynet.supervision.screen import screen

RULES = load_rules("anhui-langxi-2021")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def claim(no: str, person: str = "p1", **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "claim_no": no,
        "person_id": person,
        "kind": "outpatient",
        "level": "township",
        "institution": "T1",
        "doctor": "dr1",
        "age": 40,
        "total_fen": 10_000,
    }
    row.update(kw)
    for key in ("date", "admitted", "discharged"):
        if isinstance(row.get(key), str):
            row[key] = d(row[key])
    if row.get("kind") == "inpatient" and "date" not in row:
        row["date"] = row.get("admitted")
    return row


def stay(no: str, admitted: str, discharged: str, dx: str = "J18.9", **kw: Any) -> dict[str, Any]:
    return claim(no, kind="inpatient", admitted=admitted, discharged=discharged, diagnosis=dx, **kw)


def line(no: str, code: str, amount: int = 1000, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"claim_no": no, "code": code, "item_class": "A", "amount_fen": amount}
    row.update(kw)
    if isinstance(row.get("day"), str):
        row["day"] = d(row["day"])
    return row


def data(
    claims: list[dict[str, Any]],
    lines: list[dict[str, Any]] | None = None,
    persons: list[dict[str, Any]] | None = None,
) -> ScreenInput:
    def frame(rows: list[dict[str, Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
        if not rows:
            return pl.DataFrame(schema=schema)
        return conform(pl.DataFrame(rows, infer_schema_length=None), schema)

    people = frame(persons, PERSONS_SCHEMA) if persons is not None else None
    claim_frame = frame(claims, CLAIMS_SCHEMA)
    # each line with the shipped catalog's facts of its day (a line without one: its claim's)
    line_frame = frame(lines or [], LINES_SCHEMA).drop(FACTS[1:])
    dates = claim_frame.select("claim_no", pl.col("date").alias("_on"))
    on = pl.coalesce("day", "_on")
    line_frame = with_catalog(
        line_frame.join(dates, on="claim_no", how="left").with_columns(on.alias("_on")),
        shipped_entries(), day="_on",
    ).drop("_on")  # fmt: skip
    return ScreenInput(claim_frame, conform(line_frame, LINES_SCHEMA), people)


def hits(rule_id: str, inp: ScreenInput) -> list[tuple[str, int, dict[str, Any]]]:
    """(claim, amount at stake, facts) of one rule's hits."""
    found = screen(RULES, inp, only=[rule_id])
    return [
        (r["claim_no"], r["amount_fen"], json.loads(r["facts"]))
        for r in found.iter_rows(named=True)
    ]
