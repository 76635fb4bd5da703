"""Hostile claim files, as JSON lines and as Parquet: each is refused whole with the file, the
line and what is wrong, and `settle` / `simulate` write nothing (no half-written results).

Resident IDs are checked with the rules of the API (GB 11643 check digit, birth date), in one
compiled pass over the column (tests/registry/test_resident_id_column.py holds the two
definitions together); amounts and dates are bounded as the API bounds them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from safetynet.claims.fileformat import ClaimFileRejected, read_claim_file
from safetynet.cli.main import app
from safetynet.registry.resident_id import check_char
from tests.claims.helpers import claim, write_jsonl

runner = CliRunner()
GOOD_ID = "34042119570312001" + check_char("34042119570312001")  # ...0012
WRONG_ID = GOOD_ID[:-1] + "7"
FORMS = ("jsonl", "parquet")


def _parquet_value(key: str, value: Any) -> tuple[str, Any]:
    """A JSON-lines field as the Parquet form names and types it (yuan → fen)."""
    if key in ("total", "compliant", "essential", "deducted") and value is not None:
        whole, _, frac = str(value).partition(".")
        return f"{key}_fen", int(whole) * 100 + int((frac + "00")[:2])
    return key, value


def write(tmp_path: Path, form: str, claims: list[dict[str, Any]]) -> Path:
    """The claims as a claim file of ``form`` (every claim given by its totals)."""
    if form == "jsonl":
        return write_jsonl(tmp_path / "claims.jsonl", claims)
    rows = [dict(_parquet_value(k, v) for k, v in c.items()) for c in claims]
    path = tmp_path / "claims.parquet"
    pl.DataFrame(rows, infer_schema_length=None).write_parquet(path)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ClaimFileRejected) as info:
        read_claim_file(path)
    return [str(e) for e in info.value.errors]


def _good(n: int = 3) -> list[dict[str, Any]]:
    return [claim(f"C{i}", GOOD_ID, f"2017-03-{i + 1:02d}") for i in range(n)]


@pytest.mark.parametrize("form", FORMS)
def test_a_good_file_with_resident_ids_reads(tmp_path: Path, form: str) -> None:
    claims = [*_good(), claim("K1", "P-7", "2017-03-09"), claim("K2", "42", "2017-03-09")]
    cf = read_claim_file(write(tmp_path, form, claims))  # other keys are any stable key
    assert cf.claims.height == 5


@pytest.mark.parametrize("form", FORMS)
def test_a_wrong_check_digit_names_the_line_and_the_digit(tmp_path: Path, form: str) -> None:
    claims = _good()
    claims[1]["person_id"] = WRONG_ID
    assert problems(write(tmp_path, form, claims)) == [
        "line 2: person_id: check digit is 7, the first 17 digits require 2"
    ]


@pytest.mark.parametrize("form", FORMS)
def test_resident_ids_of_every_kind_of_wrong(tmp_path: Path, form: str) -> None:
    claims = _good(6)
    claims[0]["person_id"] = GOOD_ID[:-1]  # 17 digits
    claims[1]["person_id"] = "34042119571312" + "0012"  # month 13
    claims[2]["person_id"] = GOOD_ID.replace("1957", "1857")[:17] + check_char(
        GOOD_ID.replace("1957", "1857")[:17]
    )  # born before 1880
    claims[3]["person_id"] = f" {GOOD_ID}"  # not written in canonical form
    found = problems(write(tmp_path, form, claims))
    assert found[0] == "line 1: person_id: must be 18 characters, got 17"
    assert found[1] == "line 2: person_id: birth date 19571312 is not a date"
    assert found[2] == "line 3: person_id: birth date 1857-03-12 is out of range"
    assert (
        found[3]
        == f"line 4: person_id: write the resident ID as {GOOD_ID} (no spaces, a capital X)"
    )
    assert len(found) == 4


def test_many_bad_ids_show_the_first_and_a_count(tmp_path: Path) -> None:
    claims = [claim(f"C{i}", WRONG_ID, "2017-03-01") for i in range(150)]
    path = write(tmp_path, "parquet", claims)
    with pytest.raises(ClaimFileRejected) as info:
        read_claim_file(path)
    text = info.value.text("en")
    assert text.startswith(f"150 problem(s) in {path}:")
    assert f"{path}: line 1: person_id: check digit is 7" in text
    assert "... and 130 more" in text
    zh = info.value.text("zh_Hans")
    assert "校验码" in zh and "check digit" not in zh


@pytest.mark.parametrize("form", FORMS)
def test_amounts_above_what_a_claim_can_cost_are_refused(tmp_path: Path, form: str) -> None:
    claims = _good()
    claims[0].update(total="20000000001.00", compliant="100.00")  # 20 billion yuan and 1
    claims[2].update(total="-5.00")
    found = problems(write(tmp_path, form, claims))
    field = "total" if form == "jsonl" else "total_fen"
    assert f"line 1: {field}: must be at most 20,000,000,000 yuan" in found
    assert any(p.startswith(f"line 3: {field}: must be") for p in found)


@pytest.mark.parametrize("form", FORMS)
def test_dates_outside_the_apis_bounds_are_refused(tmp_path: Path, form: str) -> None:
    claims = _good(4)
    claims[0]["date"] = "9999-12-31"
    claims[1]["date"] = "1999-12-31"
    claims[2].update(admitted="2017-03-03", discharged="2019-03-04")  # more than 730 days
    found = problems(write(tmp_path, form, claims))
    assert any(p.startswith("line 1: date: must be between 2000-01-01 and ") for p in found)
    assert any(p.startswith("line 2: date: must be between 2000-01-01 and ") for p in found)
    assert "line 3: discharged: more than 730 days after the admission date" in found


@pytest.mark.parametrize("form", FORMS)
def test_null_ids_and_missing_columns(tmp_path: Path, form: str) -> None:
    claims = _good()
    claims[0]["claim_no"] = None
    claims[1]["person_id"] = None
    found = problems(write(tmp_path, form, claims))
    assert found == ["line 1: claim_no: missing", "line 2: person_id: missing"]
    no_person = [{k: v for k, v in c.items() if k != "person_id"} for c in _good()]
    assert problems(write(tmp_path, form, no_person)) == [
        "line 1: person_id: required field missing from every claim"
    ]


@pytest.mark.parametrize("form", FORMS)
def test_overlong_codes_are_refused(tmp_path: Path, form: str) -> None:
    claims = _good()
    claims[1]["institution"] = "H" * 33
    claims[2]["diagnosis"] = "I63.9" * 4
    found = problems(write(tmp_path, form, claims))
    assert found == [
        "line 2: institution: longer than 32 characters",
        "line 3: diagnosis: longer than 16 characters",
    ]


@pytest.mark.parametrize("form", FORMS)
def test_absurd_item_lines_are_refused(tmp_path: Path, form: str) -> None:
    items = [
        {"code": "D1", "class": "A", "amount": "10000000.01"},
        {"code": "D2", "class": "A", "amount": "1.00", "quantity": "100001"},
        {"code": "D3", "class": "A", "amount": "1.00", "day": "2099-01-01"},
    ]
    if form == "parquet":
        items = [
            {
                "code": "D1",
                "class": "A",
                "amount_fen": 1_000_000_001,
                "quantity": None,
                "day": None,
            },
            {"code": "D2", "class": "A", "amount_fen": 100, "quantity": 100_001, "day": None},
            {"code": "D3", "class": "A", "amount_fen": 100, "quantity": None, "day": "2099-01-01"},
        ]
    bad = claim("C1", GOOD_ID, "2017-03-01", items=items)
    for k in ("total", "compliant"):
        bad.pop(k)
    found = problems(write(tmp_path, form, [bad]))
    amount = "items.amount" if form == "jsonl" else "items.amount_fen"
    assert "line 1: items.quantity: must be at most 100,000" in found
    assert any(p.startswith("line 1: items.day: must be between 2000-01-01 and ") for p in found)
    if form == "jsonl":  # amounts are bounded once the other item checks pass
        assert problems(write(tmp_path, form, [{**bad, "items": items[:1]}])) == [
            f"line 1: {amount}: must be at most 10,000,000 yuan"
        ]
    else:
        assert problems(write(tmp_path, form, [{**bad, "items": items[:1]}])) == [
            f"line 1: {amount}: must be at most 10,000,000 yuan"
        ]


def test_parquet_columns_of_the_wrong_type_are_named(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "claim_no": ["C1", "C2"],
            "person_id": [GOOD_ID, GOOD_ID],
            "date": ["2017-03-01", "2017-03-02"],
            "kind": ["inpatient"] * 2,
            "level": ["county"] * 2,
            "age": [50, 50],
            "statuses": ["registered_poor", ""],  # text, not a list
            "total_fen": [100.5, 200.0],  # fen as floats
            "compliant_fen": [100, 200],
            "items": ["x", "y"],
        }
    )
    path = tmp_path / "c.parquet"
    frame.write_parquet(path)
    assert problems(path) == [
        "statuses: column of String; must be lists of text",
        "items: column of String; must be lists of items",
        "total_fen: column of Float64; must be whole fen (integers)",
    ]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("command", ("settle", "simulate"))
def test_the_commands_refuse_and_write_nothing(tmp_path: Path, form: str, command: str) -> None:
    claims = _good(4)
    claims[3]["person_id"] = WRONG_ID
    path = write(tmp_path, form, claims)
    out = tmp_path / f"out.{form}"
    args = [command, "-p", "anhui-poor-2017", "-c", str(path), "-o", str(out), "--lang", "en"]
    if command == "simulate":
        out = tmp_path / "comparison.xlsx"
        reform = Path(__file__).parents[2] / "examples" / "reform-anhui-2017-inpatient-plus5.yaml"
        args = ["simulate", "--base", "anhui-poor-2017", "--reform", str(reform)]
        args += ["-c", str(path), "--xlsx", str(out), "--lang", "en"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"{path.name}: line 4: person_id: check digit is 7" in text
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    zh = runner.invoke(app, [*args[:-1], "zh_Hans"])
    assert zh.exit_code == 2 and "校验码" in zh.output


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("c.csv", b"claim_no,person_id\nC1,P1\n", "claim files are JSON lines (.jsonl) or Parquet"),
        ("c.parquet", b"not a parquet file", "not a Parquet file, or a damaged one"),
        ("c.parquet", b"", "not a Parquet file, or a damaged one"),
        ("c.jsonl", '{"claim_no": "张"}\n'.encode("gbk"), "line 1: not UTF-8 text"),
    ],
)
def test_files_that_are_not_claim_files_are_refused(
    tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out.jsonl"
    for batch in ("5000000", "1"):
        args = ["settle", "-p", "anhui-poor-2017", "-c", str(path), "-o", str(out)]
        result = runner.invoke(app, [*args, "--batch-claims", batch, "--lang", "en"])
        assert result.exit_code == 2, result.output
        assert expected in " ".join(result.output.split())
        assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    zh = runner.invoke(app, ["settle", "-p", "anhui-poor-2017", "-c", str(path), "-o", str(out)])
    assert zh.exit_code == 2 and not any(w in zh.output for w in ("Parquet file", "claim files"))


def test_a_json_lines_file_with_a_bom_reads(tmp_path: Path) -> None:
    path = write(tmp_path, "jsonl", _good())
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_claim_file(path).claims.height == 3


@pytest.mark.parametrize(
    ("line", "expected", "chinese"),
    [
        ("[" * 100_000 + "]" * 100_000, "line 2: it is nested too deeply", "嵌套层数过深"),
        ('{"claim_no": 1' + "0" * 5000 + "}", "line 2: it holds a number too long", "数字过长"),
        (json.dumps(claim("C9", GOOD_ID, "2017-03-09"))[:-1] + ', "total": "1.00"}',
         "line 2: total: the key 'total' appears twice in one object", "出现了两次"),
    ],
)  # fmt: skip
def test_a_line_too_deep_too_long_or_with_a_key_twice_is_named(
    tmp_path: Path, line: str, expected: str, chinese: str
) -> None:
    """The one rule for JSON (safetynet.json_text): a line nested too deeply or holding a
    number of 5,000 digits ended the command in a traceback; a key twice was read as its last
    value (a claim of 1 yuan instead of its total). Refused with the line, nothing written."""
    path = tmp_path / "claims.jsonl"
    first = json.dumps(claim("C1", GOOD_ID, "2017-03-01"))
    path.write_text(f"{first}\n{line}\n", "utf-8")
    assert expected in problems(path)[0]
    out = tmp_path / "out.jsonl"
    args = ["settle", "-p", "anhui-poor-2017", "-c", str(path), "-o", str(out), "--lang", "en"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.output.split()) and not out.exists()
    zh = runner.invoke(app, [*args[:-1], "zh_Hans"])
    assert zh.exit_code == 2 and chinese in zh.output


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"[" * 100_000 + b"]" * 100_000 + b"\n", "line 1: not a settlement result (it is nested"),
        (b'\xff\xfe{"claim_no": "C1"}\n', "line 1: not a settlement result (not UTF-8 text)"),
        (b'{"claim_no": "C1", "layers": {}, "layers": {}}\n',
         "line 1: not a settlement result (the key 'layers' appears twice in one object)"),
    ],
)  # fmt: skip
def test_earlier_results_that_do_not_read_are_named(
    tmp_path: Path, data: bytes, expected: str
) -> None:
    """`resettle --settled FILE`: a line nested too deeply or not UTF-8 ended in a traceback."""
    from safetynet.claims.resettle import ResultsFileError, read_results

    path = tmp_path / "settled.jsonl"
    path.write_bytes(data)
    with pytest.raises(ResultsFileError) as info:
        read_results(path)
    assert f"{path}: {expected}" in str(info.value)


@pytest.mark.parametrize("form", FORMS)
def test_a_diagnosis_is_read_in_the_one_spelling(tmp_path: Path, form: str) -> None:
    claims = _good(4)
    claims[0]["diagnosis"] = " i63.9 "
    claims[1]["diagnosis"] = "I63.9"
    claims[2]["diagnosis"] = "   "
    claims[3]["diagnosis"] = "j18.9\t"
    cf = read_claim_file(write(tmp_path, form, claims))  # as the API and the window store it
    assert cf.claims.get_column("diagnosis").to_list() == ["I63.9", "I63.9", None, "J18.9"]


def _zero_items(form: str, amounts: tuple[str, ...]) -> list[dict[str, Any]]:
    if form == "jsonl":
        return [{"code": f"D{i}", "class": "A", "amount": a} for i, a in enumerate(amounts)]
    return [
        {"code": f"D{i}", "class": "A", "amount_fen": int(a.replace(".", "")), "day": None}
        for i, a in enumerate(amounts)
    ]


@pytest.mark.parametrize("form", FORMS)
def test_a_bill_of_nothing_is_refused_with_its_line(tmp_path: Path, form: str) -> None:
    """The API's rule (settlement.submission.settles_nothing): a bill of 0.00 yuan on every
    line — or a claim whose ``total`` is 0.00 — settles nothing; the file is refused naming
    the line, while a free 0.00 line beside a paid one is kept."""
    claims = _good(4)
    for c in claims[:3]:
        c.pop("total"), c.pop("compliant")
    claims[0]["items"] = _zero_items(form, ("0.00", "0.00"))
    claims[1]["items"] = _zero_items(form, ("0.00", "12.50"))  # a free item: kept
    claims[2]["items"] = _zero_items(form, ("0",))
    claims[3].update(total="0.00", compliant="0.00")
    found = problems(write(tmp_path, form, claims))
    assert found == [
        "line 1: items: a bill of 0.00 yuan: there is nothing to settle",
        "line 3: items: a bill of 0.00 yuan: there is nothing to settle",
        f"line 4: {'total' if form == 'jsonl' else 'total_fen'}: a bill of 0.00 yuan: "
        "there is nothing to settle",
    ]
    fine = read_claim_file(write(tmp_path, form, [claims[1]]))
    assert fine.lines.get_column("amount_fen").to_list() == [0, 1250]


@pytest.mark.parametrize("form", FORMS)
def test_settle_refuses_a_file_with_a_bill_of_nothing(tmp_path: Path, form: str) -> None:
    claims = _good(3)
    claims[2].update(total="0.00", compliant="0.00")
    path = write(tmp_path, form, claims)
    out = tmp_path / f"out.{form}"
    args = ["settle", "-p", "anhui-poor-2017", "-c", str(path), "-o", str(out), "--lang", "en"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "line 3" in result.output and "nothing to settle" in result.output
    assert not out.exists()
