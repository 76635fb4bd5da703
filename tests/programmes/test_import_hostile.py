"""Hostile rows in the programme imports (contracts, follow-ups), on both databases: dates
far in the future or the past, huge numbers, overlong text, formula-looking cells, as CSV and
as xlsx — each refused with its row and column, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from safetynet.imports import import_file
from tests.programmes.conftest import People
from tests.programmes.helpers import (
    CONTRACT_HEADER,
    FOLLOW_HEADER,
    TEAM_HEADER,
    contract_rows,
    follow_rows,
    team_rows,
)
from tests.registry_imports.helpers import table_counts, write_csv, write_xlsx


def _setup(county: Session, people: People, tmp_path: Path) -> None:
    import_file(county, "doctor-teams", write_csv(tmp_path / "t.csv", TEAM_HEADER, team_rows()))
    rows = contract_rows(people)[:3]
    assert import_file(county, "contracts", write_csv(tmp_path / "c.csv", CONTRACT_HEADER, rows)).ok


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
@pytest.mark.parametrize(
    ("column", "value"),
    [
        (2, "9999-12-31"),  # service day far ahead
        (2, "0001-01-01"),
        (8, "9999-12-31"),  # next date far ahead
        (4, "99999999999999999999"),
        (4, "-120"),
        (6, "1e308"),
        (7, "x" * 5000),  # drugs: overlong
        (1, "=cmd|' /C calc'!A0"),
    ],
)
def test_hostile_follow_up_rows_are_refused_whole(
    county: Session,
    people: People,
    tmp_path: Path,
    writer,
    column: int,
    value: str,  # type: ignore[no-untyped-def]
) -> None:
    _setup(county, people, tmp_path)
    before = table_counts(county)
    rows = follow_rows(people)[:3]
    rows[1][column] = value
    path = writer(tmp_path / ("f.csv" if writer is write_csv else "f.xlsx"), FOLLOW_HEADER, rows)
    result = import_file(county, "follow-ups", path)
    assert not result.ok, f"{value[:30]!r} in column {FOLLOW_HEADER[column]} was imported"
    assert [(p.row, p.column) for p in result.errors][:1] == [(3, FOLLOW_HEADER[column])], [
        str(p) for p in result.errors
    ]
    assert table_counts(county) == before


@pytest.mark.parametrize(
    ("column", "value"),
    [
        (3, "9999-12-31"),
        (4, "9999-12-31"),  # a contract starting in the year 9999
        (4, "0001-01-01"),
        (6, "H" * 500),  # health-record number: overlong
        (1, "@SUM(A1)"),
    ],
)
def test_hostile_contract_rows_are_refused_whole(
    county: Session, people: People, tmp_path: Path, column: int, value: str
) -> None:
    import_file(county, "doctor-teams", write_csv(tmp_path / "t.csv", TEAM_HEADER, team_rows()))
    before = table_counts(county)
    rows = contract_rows(people)
    rows[1][column] = value
    result = import_file(county, "contracts", write_csv(tmp_path / "c.csv", CONTRACT_HEADER, rows))
    assert not result.ok, f"{value[:30]!r} in column {CONTRACT_HEADER[column]} was imported"
    assert [(p.row, p.column) for p in result.errors][:1] == [(3, CONTRACT_HEADER[column])], [
        str(p) for p in result.errors
    ]
    assert table_counts(county) == before


def test_one_blood_pressure_alone_is_refused(county: Session, people: People,
                                             tmp_path: Path) -> None:  # fmt: skip
    """As the doctor's form refuses it (bp_pair): a systolic without its diastolic was
    imported and counted as uncontrolled."""
    _setup(county, people, tmp_path)
    before = table_counts(county)
    rid = people.resident["poor"]
    rows = [[rid, "随访", "2017-03-20", "I10", "130", "", "", "", ""],
            [rid, "随访", "2017-04-20", "I10", "", "85", "", "", ""],
            [rid, "随访", "2017-05-20", "I10", "400", "85", "", "", ""],  # out of range only
            [rid, "随访", "2017-06-20", "I10", "130", "85", "", "", ""]]  # fmt: skip
    result = import_file(county, "follow-ups", write_csv(tmp_path / "f.csv", FOLLOW_HEADER, rows))
    assert [(p.row, p.column, p.code) for p in result.errors] == [
        (2, "舒张压", "follow_up.pressure_pair"), (3, "收缩压", "follow_up.pressure_pair"),
        (4, "收缩压", "cell.range"),
    ]  # fmt: skip
    assert table_counts(county) == before


def test_a_contract_signed_after_its_end_is_refused(county: Session, people: People,
                                                    tmp_path: Path) -> None:  # fmt: skip
    _setup(county, people, tmp_path)
    before = table_counts(county)
    rid = people.resident["costly"]
    late = [rid, "T-B", "basic", "2018-01-01", "2017-01-01", "", "HR004"]  # ends 2018-01-01
    result = import_file(county, "contracts", write_csv(tmp_path / "c1.csv", CONTRACT_HEADER,
                                                        [late]))  # fmt: skip
    assert [(p.row, p.column, p.code) for p in result.errors] == [
        (2, "签约日期", "contract.signed_after_end")
    ]
    assert table_counts(county) == before
    late[3] = "2017-12-31"  # signed on its last day: taken
    assert import_file(county, "contracts", write_csv(tmp_path / "c2.csv", CONTRACT_HEADER,
                                                      [late])).ok  # fmt: skip
