"""Imports of family-doctor teams, contracts and follow-ups, on SQLite and PostgreSQL: whole
files or nothing, every problem with its row and column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.imports import import_file
from safetynet.store.models import DoctorContract, FollowUp
from tests.programmes.conftest import People
from tests.programmes.helpers import (
    CONTRACT_HEADER,
    FOLLOW_HEADER,
    TEAM_HEADER,
    contract_rows,
    follow_rows,
    load_programme,
    team_rows,
)
from tests.registry_imports.helpers import make_id, table_counts, write_csv, write_xlsx


def test_contracts_and_follow_ups_are_imported(county: Session, people: People,
                                               tmp_path: Path) -> None:  # fmt: skip
    load_programme(county, people, tmp_path)
    contracts = {c.person_id: c for c in county.scalars(select(DoctorContract)).all()}
    poor = contracts[people.ids["poor"]]
    # one year's term, free for the poor; the ordinary person pays the package's 60 yuan
    assert (poor.valid_to, poor.free, poor.fee_fen, poor.disease_code) == (
        date(2018, 1, 1), True, 0, "I10",
    )  # fmt: skip
    ordinary = contracts[people.ids["ordinary"]]
    assert (ordinary.free, ordinary.fee_fen) == (False, 6000)
    assert contracts[people.ids["costly"]].free  # a household period's member
    follow = county.scalars(select(FollowUp).order_by(FollowUp.id)).all()
    assert len(follow) == 7
    first = follow[0]
    assert (first.contract_id, first.systolic, first.diastolic, first.next_on) == (
        poor.id, 150, 92, date(2017, 6, 20),
    )  # fmt: skip
    assert [f.glucose_tenths for f in follow if f.person_id == people.ids["poor_b"]] == [65, 78]
    # the same file again: already imported; forced, nothing changes
    again = import_file(county, "follow-ups", tmp_path / "follow-ups.csv", force=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 7)


def test_a_renewal_names_the_contract_it_renews(county: Session, people: People,
                                                tmp_path: Path) -> None:  # fmt: skip
    load_programme(county, people, tmp_path)
    r = people.resident["poor"]
    path = write_xlsx(
        tmp_path / "renew.xlsx",
        CONTRACT_HEADER,
        [[r, "T-A", "chronic", "2017-12-20", "2018-01-01", "I10", "HR001"]],
    )
    result = import_file(county, "contracts", path)
    assert result.ok and result.inserted == 1
    new = county.scalar(select(DoctorContract).where(DoctorContract.valid_from == date(2018, 1, 1)))
    old = county.scalar(select(DoctorContract).where(
        DoctorContract.person_id == people.ids["poor"],
        DoctorContract.valid_from == date(2017, 1, 1),
    ))  # fmt: skip
    assert new is not None and old is not None and new.renews_id == old.id


def test_a_renewal_in_the_same_file_names_the_contract_it_renews(
    county: Session, people: People, tmp_path: Path
) -> None:
    """Both years in one file: the second names the first (it named only a contract already
    in the database); the same file forced again changes nothing."""
    import_file(county, "doctor-teams", write_csv(tmp_path / "t.csv", TEAM_HEADER, team_rows()))
    r = people.resident["poor"]
    rows = [
        [r, "T-A", "chronic", "2016-12-20", "2017-01-01", "I10", "HR001"],
        [r, "T-A", "chronic", "2017-12-20", "2018-01-01", "I10", "HR001"],
        [r, "T-A", "chronic", "2019-01-05", "2019-01-05", "I10", "HR001"],
    ]  # a gap: new
    path = write_csv(tmp_path / "two-years.csv", CONTRACT_HEADER, rows)
    assert import_file(county, "contracts", path).ok
    got = {c.valid_from: c for c in county.scalars(select(DoctorContract)).all()}
    first, second, third = (got[date(2017, 1, 1)], got[date(2018, 1, 1)], got[date(2019, 1, 5)])
    assert (first.renews_id, second.renews_id, third.renews_id) == (None, first.id, None)
    again = import_file(county, "contracts", path, force=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_bad_contracts_are_refused_and_nothing_is_written(county: Session, people: People,
                                                          tmp_path: Path) -> None:  # fmt: skip
    import_file(county, "doctor-teams", write_csv(tmp_path / "t.csv", TEAM_HEADER, team_rows()))
    before = table_counts(county)
    rows = contract_rows(people)
    rows[0][5] = "I1O"  # a letter O: no ICD-10 code
    rows[1][0] = make_id("19900101", 77)  # a valid ID the registry lacks
    rows[2][1] = "T-X"
    rows[3][2] = "gold"
    rows.append([people.resident["poor"], "T-A", "chronic", "2017-05-01", "2017-06-01", "", ""])
    result = import_file(county, "contracts", write_csv(tmp_path / "c.csv", CONTRACT_HEADER, rows))
    assert not result.ok
    lines = [str(p) for p in result.errors]
    assert lines == [
        'row 2, column 疾病编码: "I1O" is not an ICD-10 code such as I10 or E11.9',
        # the two contracts of one person overlap: each row says so
        "row 2, column 开始日期: overlaps the person's contract from 2017-06-01 to 2018-06-01",
        f"row 3, column 身份证号: the registry has no person with resident ID {rows[1][0]}; "
        "import the persons first",
        "row 4, column 团队编号: there is no family-doctor team T-X; import the teams first",
        'row 5, column 服务包: "gold" is not a service package; use one of basic, chronic',
        "row 6, column 开始日期: overlaps the person's contract from 2017-01-01 to 2018-01-01",
    ]
    assert "nothing written" in result.summary()
    assert table_counts(county) == before


def test_bad_follow_ups_are_refused_and_nothing_is_written(county: Session, people: People,
                                                           tmp_path: Path) -> None:  # fmt: skip
    import_file(county, "doctor-teams", write_csv(tmp_path / "t.csv", TEAM_HEADER, team_rows()))
    import_file(
        county,
        "contracts",
        write_csv(tmp_path / "c.csv", CONTRACT_HEADER, contract_rows(people)[:3]),
    )
    before = table_counts(county)
    rows = follow_rows(people)
    rows[0][2] = "2016-12-20"  # before the contract
    rows[1][3] = "X99.99"  # not ICD-10
    rows[2][0] = make_id("19900101", 78)  # unknown person
    rows[3][4] = "400"  # systolic out of range
    rows[4][6] = "6.55"  # two decimals
    rows[5][8] = "2017-08-01"  # next date before the day
    rows.append([people.resident["costly"], "随访", "2017-04-01", "", "", "", "", "", ""])
    path = write_csv(tmp_path / "f.csv", FOLLOW_HEADER, rows)
    result = import_file(county, "follow-ups", path)
    lines = [str(p) for p in result.errors]
    assert lines == [
        "row 2, column 服务日期: the service on 2016-12-20 is before the person's contract, "
        "which starts on 2017-01-01",
        'row 3, column 疾病编码: "X99.99" is not an ICD-10 code such as I10 or E11.9',
        f"row 4, column 身份证号: the registry has no person with resident ID {rows[2][0]}; "
        "import the persons first",
        'row 5, column 收缩压: "400" is not a whole number from 50 to 300',
        'row 6, column 空腹血糖: "6.55" is not a number from 1.0 to 40.0 with at most one decimal',
        "row 7, column 下次随访日期: the next date 2017-08-01 is not after the day of the service "
        "2017-08-15",
        f"row 9, column 身份证号: {people.resident['costly']} has no family-doctor contract; "
        "import the contract first",
    ]
    assert table_counts(county) == before


def test_exported_csv_imports_back_unchanged(county: Session, people: People,
                                             tmp_path: Path) -> None:  # fmt: skip
    from openpyxl import load_workbook

    from safetynet.programmes import exports
    from tests.registry_imports.helpers import COUNTY, VILLAGE_A

    load_programme(county, people, tmp_path)
    year = (date(2017, 1, 1), date(2018, 1, 1))
    for kind, body in (("contracts", exports.contracts_csv(county, COUNTY, *year)),
                       ("follow-ups", exports.follow_ups_csv(county, COUNTY, *year))):  # fmt: skip
        result = import_file(county, kind, body, file_name=f"{kind}-export.csv")
        assert result.ok, [str(p) for p in result.errors]
        assert (result.inserted, result.updated) == (0, 0)
        assert result.unchanged == {"contracts": 4, "follow-ups": 7}[kind]
    village = exports.follow_ups_frame(county, VILLAGE_A, *year)
    assert set(village["name"]) == {"Person poor", "Person ordinary"}  # village B's are not
    book = load_workbook(__import__("io").BytesIO(exports.workbook(county, COUNTY, *year, "en")))
    assert book.sheetnames == ["Family-doctor contracts", "Services done"]


def test_an_end_on_the_eve_of_a_full_term_is_warned(county: Session, people: People,
                                                     tmp_path: Path) -> None:  # fmt: skip
    """结束日期 is exclusive (the day after the last day): a contract "from 1 January to
    31 December", as its text writes it, would lose 31 December (the slot due on it and the
    renewal from 1 January). Imported as given, with a warning naming the day to give; an end
    on an anniversary, or on any other day, is not warned."""
    import_file(county, "doctor-teams", write_csv(tmp_path / "t.csv", TEAM_HEADER, team_rows()))
    r = people.resident
    header = [*CONTRACT_HEADER, "结束日期"]
    rows = [
        [r["poor"], "T-A", "chronic", "2017-01-01", "2017-01-01", "I10", "", "2017-12-31"],
        [r["ordinary"], "T-A", "chronic", "2017-02-01", "2017-02-01", "I10", "", "2018-02-01"],
        [r["poor_b"], "T-B", "chronic", "2017-03-01", "2017-03-01", "E11.9", "", "2019-02-28"],
        [r["costly"], "T-B", "basic", "2017-03-01", "2017-03-01", "", "", "2017-12-30"],
    ]
    result = import_file(county, "contracts", write_csv(tmp_path / "c.csv", header, rows))
    assert result.ok and result.inserted == 4
    assert [str(p) for p in result.warnings] == [
        "row 2, column 结束日期: the contract ends on 2017-12-31, the day before a full term: "
        "the end date is the day after the last day, so 2017-12-31 is not in the contract; "
        "if it is, give 2018-01-01",
        "row 4, column 结束日期: the contract ends on 2019-02-28, the day before a full term: "
        "the end date is the day after the last day, so 2019-02-28 is not in the contract; "
        "if it is, give 2019-03-01",
    ]
    poor = county.scalar(select(DoctorContract).where(
        DoctorContract.person_id == people.ids["poor"]))  # fmt: skip
    assert poor is not None and poor.valid_to == date(2017, 12, 31)  # as given
