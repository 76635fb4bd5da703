"""Households, poverty lists and institutions: Chinese vocabularies, dated periods, upserts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.codes import InstitutionLevel, PovertyStatus
from safetynet.imports import import_file
from safetynet.store.models import Household, Institution, Person, PovertyStatusPeriod
from tests.registry_imports.helpers import (
    COUNTY,
    PERSON_HEADER_ZH,
    TOWNSHIP,
    VILLAGE_A,
    VILLAGE_B,
    make_id,
    person_rows,
    table_counts,
    write_csv,
    write_xlsx,
)


def test_households_import_and_update(county: Session, tmp_path: Path) -> None:
    header = ["户编号", "村代码", "地址"]
    rows = [["H010", VILLAGE_A, "10 West Road"], ["H001", VILLAGE_A, "1 East Lane"]]
    result = import_file(county, "households", write_csv(tmp_path / "h.csv", header, rows))
    assert (result.inserted, result.updated, result.unchanged) == (1, 0, 1)
    rows[1][1] = VILLAGE_B  # H001 moved
    result = import_file(county, "households", write_csv(tmp_path / "h2.csv", header, rows))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    county.expire_all()
    moved = county.scalars(select(Household).where(Household.number == "H001")).one()
    assert moved.region_code == VILLAGE_B and moved.address == "1 East Lane"


def test_household_in_a_township_is_an_error(county: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", ["household_no", "village_code"], [["H010", TOWNSHIP]])
    before = table_counts(county)
    result = import_file(county, "households", path)
    assert [str(e) for e in result.errors] == [
        f"row 2, column village_code: {TOWNSHIP} is a township, not a village"
    ]
    assert table_counts(county) == before


def _persons(county: Session, tmp_path: Path) -> list[list[str]]:
    rows = person_rows(6)
    assert import_file(county, "persons", write_csv(tmp_path / "p.csv", PERSON_HEADER_ZH, rows)).ok
    return rows


POVERTY_HEADER = ["身份证号", "贫困属性", "开始日期", "结束日期", "认定部门", "文号", "范围"]


def test_poverty_list_creates_dated_periods(county: Session, tmp_path: Path) -> None:
    people = _persons(county, tmp_path)
    rows = [
        [people[0][0], "建档立卡", "2016-01-01", "2021-01-01", "扶贫办", "皖扶〔2016〕1号", "户"],
        [people[1][0], "低保", "2019/7/1", "", "民政局", "", "个人"],
        [people[2][0], "extremely_poor", "20200301", "", "民政局", "", ""],
    ]
    path = write_csv(tmp_path / "poor.csv", POVERTY_HEADER, rows)
    result = import_file(county, "poverty", path)
    assert result.ok, result.errors
    assert result.inserted == 3
    periods = county.scalars(select(PovertyStatusPeriod).order_by(PovertyStatusPeriod.id)).all()
    by_id = {p.id: p for p in county.scalars(select(Person))}
    first, second, third = periods
    assert first.status is PovertyStatus.REGISTERED_POOR and first.person_id is None
    assert (first.valid_from, first.valid_to) == (date(2016, 1, 1), date(2021, 1, 1))
    assert first.household_id == next(
        p.household_id for p in by_id.values() if p.resident_id == people[0][0]
    )
    assert first.reference == "皖扶〔2016〕1号"
    assert second.status is PovertyStatus.LOW_INCOME
    assert by_id[second.person_id].resident_id == people[1][0]
    assert (second.valid_from, second.valid_to, second.department) == (
        date(2019, 7, 1), None, "民政局",
    )  # fmt: skip
    assert third.status is PovertyStatus.EXTREMELY_POOR and third.valid_from == date(2020, 3, 1)

    rows[1][3] = "2023-01-01"  # the low-income period ended
    again = import_file(county, "poverty", write_csv(tmp_path / "poor2.csv", POVERTY_HEADER, rows))
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 2)
    county.expire_all()
    assert county.get(PovertyStatusPeriod, second.id).valid_to == date(2023, 1, 1)


def test_poverty_list_problems(county: Session, tmp_path: Path) -> None:
    people = _persons(county, tmp_path)
    rows = [
        [make_id("19500101", 99), "低保", "2019-01-01", "", "民政局", "", ""],
        [people[1][0], "富裕", "2019-01-01", "", "民政局", "", ""],
        [people[2][0], "低保", "2019-01-01", "2018-01-01", "民政局", "", ""],
    ]
    before = table_counts(county)
    result = import_file(county, "poverty", write_csv(tmp_path / "p.csv", POVERTY_HEADER, rows))
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (2, "身份证号", "person.unknown"),
        (3, "贫困属性", "cell.choice"),
        (4, "结束日期", "period.backwards"),
    ]
    assert "建档立卡" in result.errors[1].message
    assert table_counts(county) == before


def test_institutions_with_chinese_levels_from_xlsx(county: Session, tmp_path: Path) -> None:
    header = [
        "机构编码",
        "机构名称",
        "级别",
        "县域内",
        "行政区划代码",
        "定点开始日期",
        "住院",
        "门诊",
    ]
    rows = [
        ["H34182101", "县人民医院", "县级", "是", COUNTY, "2016-01-01", "是", "是"],
        ["H34182102", "某镇卫生院", "乡镇卫生院", "是", TOWNSHIP, "", "是", "是"],
        ["H34182103", "村卫生室", "村卫生室", "是", VILLAGE_A, "", "否", "是"],
        ["H31000001", "上海某医院", "省外", "否", "", "", "", ""],
    ]
    result = import_file(county, "institutions", write_xlsx(tmp_path / "i.xlsx", header, rows))
    assert result.ok, result.errors
    assert result.inserted == 4
    got = {i.code: i for i in county.scalars(select(Institution))}
    assert got["H34182101"].level is InstitutionLevel.COUNTY
    assert got["H34182101"].designated_from == date(2016, 1, 1)
    assert got["H34182103"].inpatient is False and got["H34182103"].outpatient is True
    assert got["H31000001"].level is InstitutionLevel.OUT_OF_PROVINCE
    assert got["H31000001"].in_county is False and got["H31000001"].inpatient is True

    rows[1][1] = "某镇中心卫生院"
    again = import_file(county, "institutions", write_xlsx(tmp_path / "i2.xlsx", header, rows))
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 3)
    county.expire_all()
    assert county.get(Institution, "H34182102").name == "某镇中心卫生院"


def test_institution_problems(county: Session, tmp_path: Path) -> None:
    header = ["code", "name", "level", "in_county", "region_code"]
    rows = [
        ["A1", "x", "clinic", "yes", ""],
        ["A2", "y", "county", "maybe", ""],
        ["A1", "z", "county", "yes", "999999"],
    ]
    result = import_file(county, "institutions", write_csv(tmp_path / "i.csv", header, rows))
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (2, "level", "cell.choice"),
        (3, "in_county", "cell.choice"),
        (4, "code", "row.duplicate"),
        (4, "region_code", "region.unknown"),
    ]
    assert table_counts(county)["institution"] == 0


def test_a_later_status_of_the_same_family_ends_the_earlier(
    county: Session, tmp_path: Path
) -> None:
    """An exited list ends the registered-poor period open before it (in the database or in
    the same file), as recording the status does; another family, or a person's own period
    against the household's, is not ended; importing the old list again does not reopen it."""
    from safetynet.registry.status import statuses_on

    people = _persons(county, tmp_path)
    members: dict[int, list[Person]] = {}
    for p in county.scalars(select(Person).order_by(Person.id)):
        members.setdefault(p.household_id, []).append(p)
    head, member = next(m for m in members.values() if len(m) > 1)[:2]
    people = [[head.resident_id], [member.resident_id]]
    poor = [[people[0][0], "建档立卡", "2016-01-01", "", "扶贫办", "", "户"]]
    assert import_file(county, "poverty", write_csv(tmp_path / "a.csv", POVERTY_HEADER, poor)).ok
    later = [
        [people[0][0], "脱贫", "2017-07-01", "", "扶贫办", "", "户"],
        [people[1][0], "低保", "2017-03-01", "", "民政局", "", "个人"],
    ]
    result = import_file(county, "poverty", write_csv(tmp_path / "b.csv", POVERTY_HEADER, later))
    assert result.ok, result.errors
    county.expire_all()
    S = PovertyStatus
    assert statuses_on(county, head.id, date(2017, 6, 30)) == {S.REGISTERED_POOR}
    assert statuses_on(county, head.id, date(2017, 7, 1)) == {S.EXITED}
    assert statuses_on(county, member.id, date(2017, 7, 1)) == {S.EXITED, S.LOW_INCOME}
    ended = county.scalars(
        select(PovertyStatusPeriod).where(PovertyStatusPeriod.status == S.REGISTERED_POOR)
    ).one()
    assert ended.valid_to == date(2017, 7, 1)
    again = import_file(county, "poverty", write_csv(tmp_path / "c.csv", POVERTY_HEADER, poor))
    assert again.ok and again.inserted == 0
    county.expire_all()
    assert statuses_on(county, head.id, date(2018, 1, 1)) == {S.EXITED}
    returned = [*poor, [people[0][0], "返贫", "2019-02-01", "", "扶贫办", "", "户"]]
    path = write_csv(tmp_path / "d.csv", POVERTY_HEADER, returned)
    assert import_file(county, "poverty", path).ok
    county.expire_all()
    assert statuses_on(county, head.id, date(2019, 1, 31)) == {S.EXITED}
    assert statuses_on(county, head.id, date(2019, 2, 1)) == {S.RETURNED}


def test_a_persons_own_period_is_theirs_after_moving_household(
    county: Session, tmp_path: Path
) -> None:
    """A person's own periods apply by person, whatever household they were recorded with:
    after a move, an exited list ends the own registered-poor period recorded in the old
    household (the person held both statuses of one family before), and importing the old
    list again matches that period instead of adding a second."""
    from safetynet.registry.status import statuses_on

    _persons(county, tmp_path)
    person = county.scalars(select(Person).order_by(Person.id)).first()
    assert person is not None
    rid = person.resident_id
    poor = [[rid, "建档立卡", "2016-01-01", "", "扶贫办", "", "个人"]]
    assert import_file(county, "poverty", write_csv(tmp_path / "a.csv", POVERTY_HEADER, poor)).ok
    other = county.scalar(select(Household.id).where(Household.id != person.household_id))
    assert other is not None
    person.household_id = other  # moved (by a persons import, or by hand)
    county.commit()
    exited = [[rid, "脱贫", "2017-07-01", "", "扶贫办", "", "个人"]]
    result = import_file(county, "poverty", write_csv(tmp_path / "b.csv", POVERTY_HEADER, exited))
    assert result.ok, result.errors
    county.expire_all()
    S = PovertyStatus
    assert statuses_on(county, person.id, date(2017, 6, 30)) == {S.REGISTERED_POOR}
    assert statuses_on(county, person.id, date(2017, 7, 1)) == {S.EXITED}
    again = import_file(county, "poverty", write_csv(tmp_path / "c.csv", POVERTY_HEADER, poor))
    assert again.ok and again.inserted == 0
    county.expire_all()
    assert county.scalar(
        select(func.count()).select_from(PovertyStatusPeriod)
        .where(PovertyStatusPeriod.person_id == person.id)
    ) == 2  # fmt: skip
    assert statuses_on(county, person.id, date(2018, 1, 1)) == {S.EXITED}
