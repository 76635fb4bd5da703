"""A Parquet claim file is read, checked and made canonical in one streaming pass: the same
claims as the exact, row-by-row way, and every problem still named by its row and field;
persons and households keyed from hashes, a person in two households named by line."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from safetynet.claims.fields import CLAIM_FIELDS
from safetynet.claims.fileformat import (
    ClaimFileRejected,
    _conform,
    _in_one_pass,
    _normalise,
    parquet_claims,
    read_claim_file,
    scan_parquet,
)
from safetynet.claims.prepare import HouseholdConflict, _keys, engine_input
from safetynet.claims.settle_file import settle_claims
from safetynet.engine.compile import compile_policy
from safetynet.policy.loader import load_policy
from safetynet.scaleout.stream import batches


def _clean() -> pl.DataFrame:
    """Six claims with optional fields given on some rows, null or absent on others."""
    return pl.DataFrame(
        {
            "claim_no": ["A1", "A2", "A3", "A4", "A5", "A6"],
            "person_id": ["P1", "P1", "P2", "P3", "P3", "P4"],
            "household_id": ["H1", "H1", None, "H3", "H3", "H4"],
            "date": [
                "2017-01-01",
                "2017-01-02",
                "2017-01-02",
                "2017-03-01",
                "2017-03-01",
                "2017-12-31",
            ],
            "kind": [
                "outpatient",
                "inpatient",
                "chronic_outpatient",
                "outpatient",
                "inpatient",
                "outpatient",
            ],
            "level": ["village", "county", "township", "city", "province", "out_of_province"],
            "in_county": [None, True, None, False, None, None],
            "statuses": [[], ["registered_poor"], None, ["low_income", "registered_poor"], [], []],
            "age": pl.Series([30, 30, 41, 7, 7, 150], dtype=pl.Int32),
            "diagnosis": ["J06.9", "I10", None, "E11", "J06.9", None],
            "admitted": [None, "2017-01-02", None, None, "2017-03-01", None],
            "discharged": [None, "2017-01-09", None, None, "2017-03-04", None],
            "seq": [None, 2, None, 1, None, None],
            "total_fen": [1000, 500000, 700, 1, 90000, 12],  # 0 settles nothing: refused
            "compliant_fen": [900, 450000, 700, 0, 80000, 12],
            "essential_fen": [None, 400000, 700, None, None, 0],
        }
    )


def _exact(path: Path) -> pl.DataFrame:
    raw = pl.read_parquet(path).with_row_index("_line", offset=1)
    raw = raw.with_columns(pl.col("_line").cast(pl.Int64))
    return _normalise(_conform(raw, CLAIM_FIELDS, True), path, in_fen=True).claims


def test_one_pass_gives_the_claims_of_the_exact_way(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    _clean().write_parquet(path)
    one_pass = _in_one_pass(_conform(scan_parquet(path), CLAIM_FIELDS, True))
    assert one_pass is not None  # a clean file of totals is read in one pass
    exact = _exact(path)
    assert one_pass.claims.equals(exact) and one_pass.claims.schema == exact.schema
    assert one_pass.lines.is_empty()
    assert read_claim_file(path).claims.equals(exact)
    # the first column is in one piece: selecting from the claims copies nothing
    assert one_pass.claims.get_column("_line").n_chunks() == 1


def test_text_long_in_bytes_but_not_in_characters_reads_in_one_pass(tmp_path: Path) -> None:
    """The text lengths are counted in characters: a Chinese name of 32 characters (96
    bytes) is within its limit, found so in the one pass (bytes first, characters only for
    the rows over the limit in bytes)."""
    path = tmp_path / "c.parquet"
    names = ["县" * 32, "H1", None, "乡镇卫生院", "县" * 32, "y" * 32]
    _clean().with_columns(pl.Series("institution", names)).write_parquet(path)
    one_pass = _in_one_pass(_conform(scan_parquet(path), CLAIM_FIELDS, True))
    assert one_pass is not None
    assert one_pass.claims.equals(_exact(path))
    assert one_pass.claims["institution"].to_list() == names
    names[4] = "县" * 33
    _clean().with_columns(pl.Series("institution", names)).write_parquet(path)
    assert _in_one_pass(_conform(scan_parquet(path), CLAIM_FIELDS, True)) is None
    with pytest.raises(ClaimFileRejected) as info:
        read_claim_file(path)
    assert [str(e) for e in info.value.errors] == ["line 5: institution: longer than 32 characters"]


def test_a_file_without_optional_columns_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    required = ["claim_no", "person_id", "date", "kind", "level", "age"]
    _clean().select(*required, "total_fen", "compliant_fen").write_parquet(path)
    assert read_claim_file(path).claims.equals(_exact(path))


BAD_ROWS = [
    ("date", "2017-02-30", "line 3: date: not a date (YYYY-MM-DD)"),
    ("kind", "dental", "line 3: kind: must be one of"),
    ("level", "moon", "line 3: level: must be one of"),
    ("age", 151, "line 3: age: must be a whole number 0–150"),
    ("statuses", ["rich"], "line 3: statuses: each must be one of"),
    ("admitted", "2017-13-01", "line 3: admitted: not a date (YYYY-MM-DD)"),
    ("claim_no", "A1", "line 3: claim_no: appears twice in the file"),
    ("person_id", None, "line 3: person_id: missing"),
    ("compliant_fen", 800, "line 3: compliant: exceeds the total less what review deducted"),
    ("total_fen", -1, "line 3: total_fen: must be an amount ≥ 0 with at most two decimals"),
    ("essential_fen", 701, "line 3: essential: exceeds compliant"),
    ("diagnosis", "I63.9" * 4, "line 3: diagnosis: longer than 16 characters"),
    ("claim_no", "C" * 41, "line 3: claim_no: longer than 40 characters"),
    ("level", None, "line 3: level: must be one of"),
]


@pytest.mark.parametrize(("column", "value", "problem"), BAD_ROWS)
def test_every_problem_is_named_by_row_and_field(
    tmp_path: Path, column: str, value: object, problem: str
) -> None:
    frame = _clean()
    dtype = frame.schema[column]
    bad = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit(value, dtype=dtype))
        .otherwise(pl.col(column))
        .alias(column)
    )
    path = tmp_path / "bad.parquet"
    bad.write_parquet(path)
    assert _in_one_pass(_conform(scan_parquet(path), CLAIM_FIELDS, True)) is None
    for read in (lambda: read_claim_file(path), lambda: next(batches(path, 1_000))):
        with pytest.raises(ClaimFileRejected) as info:
            read()
        assert any(str(e).startswith(problem) for e in info.value.errors)
        assert str(path) in info.value.text()


def test_discharge_before_admission_is_named(tmp_path: Path) -> None:
    bad = _clean().with_columns(
        pl.Series("discharged", [None, "2017-01-01", None, None, "2017-03-04", None])
    )
    path = tmp_path / "bad.parquet"
    bad.write_parquet(path)
    with pytest.raises(ClaimFileRejected) as info:
        parquet_claims(scan_parquet(path), path)
    assert [str(e) for e in info.value.errors] == ["line 2: discharged: before the admission date"]


def test_a_required_field_missing_everywhere_is_said_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    _clean().with_columns(pl.lit(None, pl.Int32).alias("age")).write_parquet(path)
    with pytest.raises(ClaimFileRejected) as info:
        read_claim_file(path)
    assert [str(e) for e in info.value.errors] == [
        "line 1: age: required field missing from every claim"
    ]


def test_keys_number_persons_and_households_in_order_of_first_appearance() -> None:
    claims = pl.DataFrame(
        {
            "_line": [1, 2, 3, 4, 5, 6],
            "person_id": ["P3", "P1", "P3", "P2", "P1", "P4"],
            "household_id": ["H2", "H1", "H2", "H1", "H1", "H3"],
        }
    )
    pid, hid = _keys(claims)
    assert pid.tolist() == [0, 1, 0, 2, 1, 3]
    assert hid.tolist() == [0, 1, 0, 1, 1, 2]


def test_a_person_in_two_households_is_named_with_the_file_and_line(tmp_path: Path) -> None:
    frame = _clean().with_columns(
        pl.Series("household_id", ["H1", "H9", None, "H3", "H3", "H4"])
    )  # P1's first claim names H1, its second H9
    path = tmp_path / "two.parquet"
    frame.write_parquet(path)
    cp = compile_policy(load_policy("anhui-poor-2017"))
    with pytest.raises(ClaimFileRejected) as info:
        settle_claims(cp, path)
    assert [str(e) for e in info.value.errors] == [
        "line 1: household_id: person P1 is in households H1, H9; a person's claims must all "
        "name one household"
    ]
    assert str(path) in info.value.text()
    with pytest.raises(HouseholdConflict):
        engine_input(read_claim_file(path), cp)
