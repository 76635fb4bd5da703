"""Persons import: all or nothing, row/column messages, idempotence, upserts, contradictions."""

from __future__ import annotations

import sys
import types
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel, Sex
from safetynet.imports import import_file
from safetynet.store.models import ImportBatch, Person
from tests.registry_imports.helpers import (
    PERSON_HEADER_EN,
    PERSON_HEADER_ZH,
    VILLAGE_B,
    bad_check,
    make_id,
    person_rows,
    table_counts,
    write_csv,
    write_xlsx,
)


def _with_bad_row7(rows: list[list[str]]) -> tuple[list[list[str]], str, str]:
    rows[5][0], wrong, right = bad_check(rows[5][0])  # data row 6 = spreadsheet row 7
    return rows, wrong, right


def test_bad_check_digit_in_csv_rejects_the_whole_file(county: Session, tmp_path: Path) -> None:
    rows, wrong, right = _with_bad_row7(person_rows(8))
    path = write_csv(tmp_path / "persons.csv", PERSON_HEADER_ZH, rows)
    before = table_counts(county)
    result = import_file(county, "persons", path)
    assert not result.ok
    assert [str(e) for e in result.errors] == [
        f"row 7, column 身份证号: check digit is {wrong}, the first 17 digits require {right}"
    ]
    assert result.errors[0].code == "resident_id.check_digit"
    assert result.rows_read == 8 and result.inserted == 0
    assert table_counts(county) == before


def test_bad_check_digit_in_xlsx_rejects_the_whole_file(county: Session, tmp_path: Path) -> None:
    rows, wrong, right = _with_bad_row7(person_rows(8))
    path = write_xlsx(tmp_path / "persons.xlsx", PERSON_HEADER_ZH, rows)
    before = table_counts(county)
    result = import_file(county, "persons", path)
    assert [str(e) for e in result.errors] == [
        f"row 7, column 身份证号: check digit is {wrong}, the first 17 digits require {right}"
    ]
    assert table_counts(county) == before


def test_every_problem_is_collected_and_nothing_written(county: Session, tmp_path: Path) -> None:
    rows = person_rows(8)
    rows[0][0] = "12345"  # row 2: length
    rows[2][4] = "H999"  # row 4: unknown household
    rows[4][3] = "1999-13-01"  # row 6: not a date
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER_EN, rows)
    before = table_counts(county)
    result = import_file(county, "persons", path)
    where = [(e.row, e.column, e.code) for e in result.errors]
    assert where == [
        (2, "resident_id", "resident_id.length"),
        (4, "household_no", "household.unknown"),
        (6, "birth_date", "cell.date"),
    ]
    assert table_counts(county) == before


def test_good_file_imports_and_derives_from_the_id(county: Session, tmp_path: Path) -> None:
    rows = person_rows(8)
    path = write_csv(tmp_path / "persons.csv", PERSON_HEADER_ZH, rows)
    result = import_file(county, "persons", path, imported_by="clerk")
    assert result.ok, result.errors
    assert (result.inserted, result.updated, result.unchanged) == (8, 0, 0)
    people = {p.resident_id: p for p in county.scalars(select(Person))}
    assert len(people) == 8
    third = people[rows[2][0]]
    assert third.name == "张2" and third.sex is Sex("M") and third.birth_date == date(1962, 3, 12)
    assert third.region_code == VILLAGE_B and third.household.number == "H003"
    assert people[rows[7][0]].sex is Sex("F")
    batch = county.scalars(select(ImportBatch)).one()
    assert (batch.kind, batch.rows, batch.imported_by) == ("persons", 8, "clerk")
    assert batch.sha256 == result.sha256 and len(batch.sha256) == 64


def test_reimport_changes_nothing(county: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "persons.csv", PERSON_HEADER_ZH, person_rows(8))
    first = import_file(county, "persons", path)
    assert first.ok
    after_first = table_counts(county)
    again = import_file(county, "persons", path)
    assert again.already_imported_on is not None
    assert "already imported on" in again.summary()
    assert table_counts(county) == after_first
    forced = import_file(county, "persons", path, force=True)
    assert (forced.inserted, forced.updated, forced.unchanged) == (0, 0, 8)
    assert table_counts(county)["person"] == after_first["person"]


def test_corrected_file_updates_only_what_changed(county: Session, tmp_path: Path) -> None:
    rows = person_rows(8)
    assert import_file(county, "persons", write_csv(tmp_path / "a.csv", PERSON_HEADER_ZH, rows)).ok
    rows[4][7] = "13811112222"  # a new phone number for one person
    result = import_file(county, "persons", write_csv(tmp_path / "b.csv", PERSON_HEADER_ZH, rows))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 7)
    county.expire_all()
    person = county.scalars(select(Person).where(Person.resident_id == rows[4][0])).one()
    assert person.phone == "13811112222"
    assert person.name == "张4"


def test_sex_contradicting_the_id_is_an_error(county: Session, tmp_path: Path) -> None:
    rows = person_rows(4)
    rows[1][2] = "男"  # the ID of row 3 is a woman's
    result = import_file(county, "persons", write_csv(tmp_path / "p.csv", PERSON_HEADER_ZH, rows))
    assert [str(e) for e in result.errors] == [
        "row 3, column 性别: sex M contradicts the ID, which says F"
    ]
    assert table_counts(county)["person"] == 0


def test_birth_date_contradicting_the_id_is_an_error(county: Session, tmp_path: Path) -> None:
    rows = person_rows(4)
    rows[3][3] = "1963/4/14"
    result = import_file(county, "persons", write_csv(tmp_path / "p.csv", PERSON_HEADER_ZH, rows))
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (5, "出生日期", "resident_id.birth_date_contradiction")
    ]


def test_unknown_village_is_an_error(county: Session, tmp_path: Path) -> None:
    rows = person_rows(4)
    rows[2][6] = "341821100299"
    result = import_file(county, "persons", write_csv(tmp_path / "p.csv", PERSON_HEADER_ZH, rows))
    assert [str(e) for e in result.errors] == [
        "row 4, column 村代码: village 341821100299 does not exist in the division table"
    ]
    assert table_counts(county)["person"] == 0


def test_duplicate_resident_ids_name_both_rows(county: Session, tmp_path: Path) -> None:
    rows = person_rows(6)
    rows[4] = [*rows[1][:1], "李四", *rows[1][2:]]
    result = import_file(county, "persons", write_csv(tmp_path / "p.csv", PERSON_HEADER_EN, rows))
    assert [str(e) for e in result.errors] == [
        f"row 6, column resident_id: resident ID {rows[1][0]} is also on row 3; "
        "each person may appear only once"
    ]


def test_sex_and_birth_date_may_be_left_out(county: Session, tmp_path: Path) -> None:
    number = make_id("19900215", 22)
    path = write_csv(tmp_path / "p.csv", ["身份证号", "姓名", "户编号"], [[number, "王五", "H003"]])
    result = import_file(county, "persons", path)
    assert result.ok, result.errors
    person = county.scalars(select(Person)).one()
    assert (person.sex, person.birth_date, person.region_code) == (
        Sex("F"), date(1990, 2, 15), VILLAGE_B,
    )  # fmt: skip


def test_missing_required_column_is_named(county: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", ["身份证号", "姓名"], [[make_id(), "王五"]])
    result = import_file(county, "persons", path)
    assert [(e.row, e.code) for e in result.errors] == [(1, "column.missing")]
    assert "户编号" in result.errors[0].message


def test_unknown_id_region_is_only_a_warning(
    county: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("safetynet.registry.divisions")
    fake.region_code_problem = lambda code: (  # type: ignore[attr-defined]
        None
        if code == "341821"
        else ("region code %(code)s is not in the division table", {"code": code})
    )
    monkeypatch.setitem(sys.modules, "safetynet.registry.divisions", fake)
    rows = person_rows(4)
    for i in (1, 3):
        rows[i][0] = make_id(rows[i][0][6:14], 40 + i, region="999999")
        rows[i][2] = "男" if (40 + i) % 2 else "女"
    result = import_file(county, "persons", write_csv(tmp_path / "p.csv", PERSON_HEADER_ZH, rows))
    assert result.ok and result.inserted == 4
    assert [str(w) for w in result.warnings] == [
        "row 3, column 身份证号: region code 999999 is not in the division table "
        "(also on 1 other row(s))"
    ]


@pytest.mark.parametrize(("died", "refused"), [("1959-12-31", True), ("1960-01-09", True),
                                                ("1960-01-10", False)])  # fmt: skip
def test_a_death_before_the_birth_is_an_error(
    county: Session, tmp_path: Path, died: str, refused: bool
) -> None:
    """A death is dated on or after the birth (the birth date the resident ID gives): a date
    before it is an error naming the row and column, and nothing is written."""
    rows = person_rows(2)
    assert rows[0][3] == "1960-01-10"
    rows = [[*r, died if i == 0 else ""] for i, r in enumerate(rows)]
    header = [*PERSON_HEADER_ZH, "死亡日期"]
    before = table_counts(county)
    result = import_file(county, "persons", write_csv(tmp_path / "p.csv", header, rows))
    if refused:
        assert [(e.row, e.column, e.code) for e in result.errors] == [
            (2, "死亡日期", "person.death_before_birth")
        ]
        assert table_counts(county) == before
    else:
        assert result.ok, result.errors


def test_a_move_to_a_household_of_other_statuses_or_county_is_written_with_a_warning(
    county: Session, tmp_path: Path
) -> None:
    """The registry keeps today's household and village only: a person moved from a poor
    household to an ordinary one loses the poor status on every date, also before the move,
    so the import says so (and writes the move); a move to a household of the same statuses
    or within the county says nothing."""
    from safetynet.codes import PovertyStatus
    from safetynet.registry.status import statuses_on
    from safetynet.store.models import Household, PovertyStatusPeriod, Region

    rows = person_rows(6)  # H001: rows 0 and 3; H002: 1 and 4; H003 (village B): 2 and 5
    assert import_file(county, "persons", write_csv(tmp_path / "a.csv", PERSON_HEADER_EN, rows)).ok
    homes = {h.number: h.id for h in county.scalars(select(Household))}
    county.add(Region(code="341822000000", name="Other county", level=RegionLevel.COUNTY))
    county.flush()
    county.add(Region(code="341822100201", name="Village C", level=RegionLevel.VILLAGE,
                      parent_code="341822000000"))  # fmt: skip
    county.flush()
    for number in ("H001", "H002"):  # H001 and H002 registered poor alike, H003 not
        county.add(
            PovertyStatusPeriod(
                household_id=homes[number],
                person_id=None,
                status=PovertyStatus.REGISTERED_POOR,
                valid_from=date(2015, 1, 1),
                department="poverty office",
            )
        )
    county.commit()  # fmt: skip
    mover = rows[0][0]
    before = county.scalar(select(Person.id).where(Person.resident_id == mover))
    assert statuses_on(county, before, date(2016, 6, 1)) == {PovertyStatus.REGISTERED_POOR}
    rows[0][4], rows[0][6] = "H003", VILLAGE_B  # a poor household to an ordinary one
    rows[3][4] = "H002"  # to a household of the same statuses: nothing to say
    rows[5][6] = "341822100201"  # the same household, a village of another county
    result = import_file(county, "persons", write_csv(tmp_path / "b.csv", PERSON_HEADER_EN, rows))
    assert result.ok, result.errors
    assert [(w.row, w.column, w.code) for w in result.warnings if w.code.startswith("person.")] == [
        (2, "household_no", "person.household_statuses"),
        (7, "village_code", "person.county_changed"),
    ]
    said = " ".join(str(w) for w in result.warnings)
    assert "from household H001 to household H003" in said and "every date" in said
    assert "341822100201" in said
    county.expire_all()
    # what the warning says: the move is written, and the old statuses are gone on every date
    assert statuses_on(county, before, date(2016, 6, 1)) == {PovertyStatus.ORDINARY}
