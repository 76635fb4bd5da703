"""A claim file with any bad claim is rejected whole, each problem named by line and field."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from safetynet.claims.fileformat import ClaimFileRejected, read_claim_file
from tests.claims.helpers import claim, write_jsonl, year_of_claims


def _problems(path: Path) -> list[str]:
    with pytest.raises(ClaimFileRejected) as info:
        read_claim_file(path)
    return [str(e) for e in info.value.errors]


def test_good_file_reads_amounts_in_fen(tmp_path: Path) -> None:
    cf = read_claim_file(write_jsonl(tmp_path / "c.jsonl", year_of_claims()))
    row = cf.claims.filter(pl.col("claim_no") == "C05").row(0, named=True)
    assert (row["total_fen"], row["compliant_fen"], row["essential_fen"]) == (12050, 10025, 4000)
    assert row["in_county"] is True  # a township is in the county unless the file says not


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", year_of_claims())
    lines = path.read_text().splitlines()
    lines[2] = lines[2][:-1]  # cut the closing brace of line 3
    path.write_text("\n".join(lines) + "\n")
    assert _problems(path) == ["line 3: not valid JSON (Expecting ',' delimiter)"]


def test_each_bad_field_is_reported_with_its_line(tmp_path: Path) -> None:
    claims = year_of_claims()
    claims[1]["kind"] = "dental"
    claims[3]["total"] = "30000.123"
    claims[4]["date"] = "2017-02-30"
    claims[5]["claim_no"] = "C01"
    problems = _problems(write_jsonl(tmp_path / "c.jsonl", claims))
    assert any(p.startswith("line 2: kind: must be one of inpatient") for p in problems)
    assert "line 4: total: must be an amount ≥ 0 with at most two decimals" in problems
    assert "line 5: date: not a date (YYYY-MM-DD)" in problems
    assert "line 6: claim_no: appears twice in the file" in problems
    assert "line 1: claim_no: appears twice in the file" in problems


def test_compliant_above_total_is_rejected(tmp_path: Path) -> None:
    bad = [claim("X1", "P1", "2017-01-05", total="100", compliant="150")]
    assert _problems(write_jsonl(tmp_path / "c.jsonl", bad)) == [
        "line 1: compliant: exceeds the total less what review deducted"
    ]


def test_item_problems(tmp_path: Path) -> None:
    items = [
        {"code": "D1", "class": "D", "amount": "10"},
        {"code": "D2", "class": "B", "amount": "10", "self_pay": "ten"},
        {"code": "D3", "class": "A", "amount": "10", "deducted": "12"},
    ]
    bad = [
        {
            "claim_no": "X1",
            "person_id": "P1",
            "date": "2017-01-05",
            "kind": "outpatient",
            "level": "village",
            "age": 40,
            "items": items,
        }
    ]
    problems = _problems(write_jsonl(tmp_path / "c.jsonl", bad))
    assert "line 1: items.class: must be A, B or C" in problems
    assert "line 1: items.self_pay: must be a percentage such as 10%" in problems


def test_items_give_compliant_amounts(tmp_path: Path) -> None:
    items = [
        {"code": "S1", "class": "A", "amount": "5"},
        {"code": "D1", "class": "A", "amount": "40", "essential": True},
        {"code": "D2", "class": "B", "self_pay": "10%", "amount": "30.05"},
        {"code": "D3", "class": "C", "amount": "5"},
        {"code": "D4", "class": "A", "amount": "20", "deducted": "20"},
    ]
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [
            {
                "claim_no": "X1",
                "person_id": "P1",
                "date": "2017-01-05",
                "kind": "outpatient",
                "level": "village",
                "age": 40,
                "items": items,
            }
        ],
    )
    from safetynet.claims.prepare import engine_input
    from tests.engine.helpers import policy

    prepared = engine_input(read_claim_file(path), policy("anhui-poor-2017")).row(0, named=True)
    # total 100.05; compliant: A 5 + 40, B 30.05 less 10 % self-pay (3.005 → 3.01, half up)
    assert prepared["total_fen"] == 10005
    assert prepared["compliant_fen"] == 500 + 4000 + 3005 - 301
    assert prepared["essential_fen"] == 4000
    assert prepared["deducted_fen"] == 2000


def test_missing_file_says_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(ClaimFileRejected) as info:
        read_claim_file(tmp_path / "none.jsonl")
    assert str(info.value) == f"file not found: {tmp_path / 'none.jsonl'}"
    assert "line 0" not in str(info.value)


def test_a_json_syntax_error_does_not_hide_the_other_problems(tmp_path: Path) -> None:
    claims = year_of_claims()
    claims[1]["kind"] = "dental"
    claims[4]["date"] = "2017-02-30"
    path = write_jsonl(tmp_path / "c.jsonl", claims)
    lines = path.read_text().splitlines()
    lines[2] = lines[2][:-1]  # line 3 is not JSON
    lines.append("[1, 2]")  # nor is line 7 an object
    path.write_text("\n".join(lines) + "\n")
    problems = _problems(path)
    assert "line 3: not valid JSON (Expecting ',' delimiter)" in problems
    assert any(p.startswith("line 2: kind: must be one of") for p in problems)
    assert "line 5: date: not a date (YYYY-MM-DD)" in problems
    assert "line 7: each line must be one JSON object" in problems


def test_a_value_of_the_wrong_shape_is_a_problem_of_its_line(tmp_path: Path) -> None:
    claims = year_of_claims()
    claims[0]["statuses"] = "registered_poor"
    claims[1]["in_county"] = "maybe"
    claims[2]["seq"] = "first"
    claims[3]["items"] = ["D0001"]
    problems = _problems(write_jsonl(tmp_path / "c.jsonl", claims))
    assert problems == [
        "line 1: statuses: must be a list",
        "line 2: in_county: must be true or false",
        "line 3: seq: must be a whole number",
        "line 4: items: each item must be an object {code, class, amount, ...}",
    ]


def test_parquet_rows_are_numbered(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "claim_no": ["A", "B", "C"],
            "person_id": ["P1", "P1", "P2"],
            "date": ["2017-01-01", "2017-01-02", "2017-01-03"],
            "kind": ["outpatient"] * 3,
            "level": ["village"] * 3,
            "age": [30, 30, 40],
            "total_fen": [100, -5, 300],
            "compliant_fen": [100, 0, 400],
        }
    )
    df.write_parquet(tmp_path / "c.parquet")
    problems = _problems(tmp_path / "c.parquet")
    assert "line 2: total_fen: must be an amount ≥ 0 with at most two decimals" in problems
    assert "line 3: compliant: exceeds the total less what review deducted" in problems
