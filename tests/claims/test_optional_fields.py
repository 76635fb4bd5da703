"""Every optional field of the claim file format (as docs/formats.md lists them) is optional
everywhere: left out of every line, null on every line, an absent column or a column of
nulls in Parquet — each reads, settles, and settles the same as the others."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from safetynet.claims.fields import CLAIM_FIELDS, ITEM_FIELDS, Field
from safetynet.claims.settle_file import settle_claims
from safetynet.cli.main import app
from safetynet.money import to_bp, to_fen
from tests.claims.helpers import write_jsonl
from tests.engine.helpers import policy

DOC = Path(__file__).parents[2] / "docs" / "formats.md"
runner = CliRunner()


def _doc_table(heading: str) -> dict[str, bool]:
    """``field -> required`` of the first table after ``heading`` in docs/formats.md."""
    text = DOC.read_text(encoding="utf-8").split(heading, 1)[1]
    table = text[: text.index("\n\n", text.index("| field |"))]
    rows = re.findall(r"^\| `(\w+)` \| (yes|no)\S* \|", table, re.M)
    return {name: req == "yes" for name, req in rows}


DOC_CLAIM = _doc_table("## Claim fields")
DOC_ITEM = _doc_table("Item lines (`items`")
OPTIONAL_CLAIM = [name for name, required in DOC_CLAIM.items() if not required]
OPTIONAL_ITEM = [name for name, required in DOC_ITEM.items() if not required]


def test_the_reader_knows_exactly_the_documented_fields() -> None:
    assert {f.name: f.required for f in CLAIM_FIELDS} == DOC_CLAIM
    assert {f.name: f.required for f in ITEM_FIELDS} == DOC_ITEM
    assert len(OPTIONAL_CLAIM) >= 15 and len(OPTIONAL_ITEM) == 6


def _items() -> list[dict[str, Any]]:
    return [
        {"code": "D1", "class": "B", "amount": "1200.00", "self_pay": "10%", "deducted": "50.00",
         "essential": True, "quantity": 2, "day": "2017-03-01"},
        {"code": "S1", "class": "A", "amount": "8000.00", "self_pay": None, "deducted": "0",
         "essential": False},
        {"code": "X1", "class": "C", "amount": "300.00"},
    ]  # fmt: skip


def full_claims() -> list[dict[str, Any]]:
    """Claims giving every field, items and totals both (so either may be left out)."""
    out = []
    for i, (person, date, kind, level) in enumerate(
        [
            ("P1", "2017-03-01", "inpatient", "county"),
            ("P1", "2017-03-01", "outpatient", "village"),
            ("P2", "2017-04-10", "inpatient", "city"),
            ("P3", "2017-05-20", "chronic_outpatient", "township"),
        ],
        start=1,
    ):
        out.append(
            {
                "claim_no": f"F{i}",
                "person_id": person,
                "household_id": "H1" if person != "P3" else "H2",
                "date": date,
                "kind": kind,
                "level": level,
                "in_county": level != "city",
                "referral": True,
                "statuses": ["registered_poor"] if person == "P1" else [],
                "age": 40 + i,
                "diagnosis": "I10",
                "institution": f"INST{i}",
                "doctor": f"DR{i}",
                "admitted": date,
                "discharged": date,
                "seq": 5 - i,
                "items": _items(),
                "total": "9500.00",
                "compliant": "8000.00",
                "essential": "1000.00",
                "deducted": "50.00",
            }
        )
    return out


def _parquet_value(field: Field, value: Any) -> Any:
    if value is None:
        return None
    if field.kind == "yuan":
        return to_fen(value)
    if field.kind == "percent":
        return to_bp(value)
    if field.kind == "whole":
        return int(value)
    if field.kind == "items":
        by_name = {f.name: f for f in ITEM_FIELDS}
        return [
            {by_name[k].parquet_name: _parquet_value(by_name[k], v) for k, v in item.items()}
            for item in value
        ]
    return value


def write_parquet(path: Path, claims: list[dict[str, Any]]) -> Path:
    by_name = {f.name: f for f in CLAIM_FIELDS}
    rows = [
        {by_name[k].parquet_name: _parquet_value(by_name[k], v) for k, v in c.items()}
        for c in claims
    ]
    pl.DataFrame(rows, infer_schema_length=None).write_parquet(path)
    return path


def settled(path: Path) -> pl.DataFrame:
    out = settle_claims(policy("anhui-poor-2017"), path)
    return out.select("claim_no", *[c for c in out.columns if c.startswith("pay_")],
                      "deducted_fen", "out_of_pocket_fen", "total_fen")  # fmt: skip


def _without(claims: list[dict[str, Any]], field: str, *, item: bool, null: bool) -> list:
    claims = copy.deepcopy(claims)
    for c in claims:
        for target in c["items"] if item else [c]:
            if null:
                target[field] = None
            else:
                target.pop(field, None)
    return claims


@pytest.mark.parametrize(
    ("field", "item"), [(f, False) for f in OPTIONAL_CLAIM] + [(f, True) for f in OPTIONAL_ITEM]
)
def test_an_optional_field_may_be_absent_or_null_in_json_lines_and_parquet(
    tmp_path: Path, field: str, item: bool
) -> None:
    absent = _without(full_claims(), field, item=item, null=False)
    nulls = _without(full_claims(), field, item=item, null=True)
    expected = settled(write_jsonl(tmp_path / "absent.jsonl", absent))
    assert expected.height == 4
    assert settled(write_jsonl(tmp_path / "null.jsonl", nulls)).equals(expected)
    assert settled(write_parquet(tmp_path / "absent.parquet", absent)).equals(expected)
    # a column of nulls: of the Null type (as Polars writes all-None), and typed
    assert settled(write_parquet(tmp_path / "null.parquet", nulls)).equals(expected)
    if not item:
        name = next(f for f in CLAIM_FIELDS if f.name == field).parquet_name
        full = pl.read_parquet(write_parquet(tmp_path / "full.parquet", full_claims()))
        typed = full.with_columns(pl.lit(None, full.schema[name]).alias(name))
        typed.write_parquet(tmp_path / "typed.parquet")
        assert settled(tmp_path / "typed.parquet").equals(expected)


def test_the_full_file_settles_the_same_in_both_forms(tmp_path: Path) -> None:
    claims = full_claims()
    expected = settled(write_jsonl(tmp_path / "c.jsonl", claims))
    assert settled(write_parquet(tmp_path / "c.parquet", claims)).equals(expected)


REPRODUCER = {
    "claim_no": "I1",
    "person_id": "341821198312110016",
    "date": "2017-03-01",
    "kind": "outpatient",
    "level": "village",
    "age": 33,
    "items": [{"code": "D0001", "class": "A", "amount": "10.00"}],
}


def test_settle_and_simulate_an_itemised_file_without_deducted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12.1: this one line crashed both commands (`expected String type, got: null`)."""
    claims = tmp_path / "i1.jsonl"
    claims.write_text(json.dumps(REPRODUCER) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["settle", "-p", "anhui-poor-2017", "-c", str(claims)])
    assert result.exit_code == 0, result.output
    row = json.loads((tmp_path / "i1.settled.jsonl").read_text(encoding="utf-8"))
    assert row["total"] == "10.00" and row["layers"]["basic"]["paid"] == "5.50"
    reform = ["-r", "anhui-poor-2017", "-b", "anhui-poor-2017", "-c", str(claims)]
    result = runner.invoke(app, ["simulate", *reform, "--lang", "en"])
    assert result.exit_code == 0, result.output
