"""Reconciliation of a poverty-alleviation list with the registry and a year's enrollment."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import PovertyStatus, Sex
from safetynet.registry.reconcile import ACTIONS, TITLES, Category, reconcile, report_to_xlsx
from safetynet.store.models import Enrollment, Household, Person
from safetynet.tabular import ImportRejected
from tests.registry_imports.helpers import VILLAGE_A, make_id, write_csv, write_xlsx

YEAR = 2024
IDS = {
    "A": make_id("19600101", 11),
    "B": make_id("19610202", 13),
    "C": make_id("19620303", 15),
    "D": make_id("19630404", 17),
    "E": make_id("19700505", 19),
    "F": make_id("19400606", 21),
}
ENROLLED = {"A": PovertyStatus.REGISTERED_POOR, "C": PovertyStatus.ORDINARY,
            "D": PovertyStatus.REGISTERED_POOR, "E": PovertyStatus.LOW_INCOME}  # fmt: skip
LIST_HEADER = ["身份证号", "姓名", "人员类别"]
LIST_ROWS = [
    [IDS["A"], "甲", "建档立卡"],  # row 2: all good
    [IDS["B"], "乙", "建档立卡"],  # row 3: not enrolled in 2024
    [IDS["C"], "丙", "低保"],  # row 4: enrolled as ordinary
    [IDS["D"], "丁丁", "建档立卡"],  # row 5: the registry says 丁
    [make_id("19700505", 91), "戊", "低保"],  # row 6: E's name and birth date, another ID
    [make_id("19800808", 23), "无名", "特困"],  # row 7: nobody
    [IDS["A"], "甲", "建档立卡"],  # row 8: again
    [IDS["F"], "己", "特困"],  # row 9: died in 2023
]
EXPECTED = {
    (Category.NOT_ENROLLED, 3),
    (Category.CATEGORY_MISMATCH, 4),
    (Category.NAME_DIFFERS, 5),
    (Category.LIKELY_ID_TYPO, 6),
    (Category.NOT_IN_REGISTRY, 7),
    (Category.DUPLICATE_IN_LIST, 8),
    (Category.DECEASED, 9),
}


@pytest.fixture
def registry(county: Session) -> Session:
    s = county
    household = s.scalars(select(Household).where(Household.number == "H001")).one()
    names = {"A": "甲", "B": "乙", "C": "丙", "D": "丁", "E": "戊", "F": "己"}
    people = {}
    for key, number in IDS.items():
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        people[key] = Person(
            resident_id=number, name=names[key], sex=Sex("M" if int(number[16]) % 2 else "F"),
            birth_date=born, household_id=household.id, region_code=VILLAGE_A,
            deceased_on=date(2023, 6, 1) if key == "F" else None,
        )  # fmt: skip
    s.add_all(people.values())
    s.flush()
    s.add_all(
        Enrollment(person_id=people[k].id, year=YEAR, category=c, enrolled_on=date(2023, 12, 1))
        for k, c in ENROLLED.items()
    )
    earlier = PovertyStatus.REGISTERED_POOR
    s.add(Enrollment(person_id=people["B"].id, year=YEAR - 1, category=earlier,
                     enrolled_on=date(2022, 12, 1)))  # fmt: skip
    s.commit()
    return s


def test_each_category_is_found(registry: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", LIST_HEADER, LIST_ROWS)
    report = reconcile(registry, path, YEAR)
    assert report.list_rows == 8
    assert {(f.category, f.row) for f in report.findings} == EXPECTED
    assert all(n == 1 for n in report.counts().values())
    typo = report.of(Category.LIKELY_ID_TYPO)[0]
    assert IDS["E"] in typo.detail and typo.name == "戊"
    assert "丁" in report.of(Category.NAME_DIFFERS)[0].detail
    assert "also on row 2" in report.of(Category.DUPLICATE_IN_LIST)[0].detail
    mismatch = report.of(Category.CATEGORY_MISMATCH)[0]
    assert "ordinary" in mismatch.detail and "low_income" in mismatch.detail
    assert all(f.action for f in report.findings)
    assert report.of(Category.NOT_IN_REGISTRY)[0].detail.startswith("no person")


def test_invalid_ids_and_spaced_names(registry: Session, tmp_path: Path) -> None:
    rows = [[IDS["A"], "甲 ", "建档立卡"], [IDS["B"][:17] + "0", "某人", ""]]
    report = reconcile(registry, write_csv(tmp_path / "l.csv", LIST_HEADER, rows), YEAR)
    assert report.of(Category.NAME_DIFFERS) == []
    assert [f.row for f in report.of(Category.NOT_IN_REGISTRY)] == [3]
    assert "not a valid resident ID" in report.of(Category.NOT_IN_REGISTRY)[0].detail


def test_another_year_has_other_findings(registry: Session, tmp_path: Path) -> None:
    report = reconcile(registry, write_xlsx(tmp_path / "l.xlsx", LIST_HEADER, LIST_ROWS), 2023)
    not_enrolled = {f.row for f in report.of(Category.NOT_ENROLLED)}
    assert not_enrolled == {2, 4, 5, 9}  # B was enrolled in 2023; F died during 2023
    assert report.of(Category.CATEGORY_MISMATCH) == []


@pytest.mark.parametrize(
    ("died", "expected"),
    [(date(2022, 12, 31), False), (date(2023, 1, 1), False), (date(2023, 1, 2), True),
     (date(2023, 12, 31), True)],
)  # fmt: skip
def test_the_dead_are_expected_enrolled_only_if_alive_in_the_year(
    registry: Session, tmp_path: Path, died: date, expected: bool
) -> None:
    """F is on the list and not enrolled for 2023: a finding only if F lived some day of
    2023 (the day of death is not a day alive, as enrollment counts it)."""
    person = registry.scalars(select(Person).where(Person.resident_id == IDS["F"])).one()
    person.deceased_on = died
    registry.commit()
    report = reconcile(registry, write_csv(tmp_path / "l.csv", LIST_HEADER, LIST_ROWS), 2023)
    assert (9 in {f.row for f in report.of(Category.NOT_ENROLLED)}) == expected
    assert [f.row for f in report.of(Category.DECEASED)] == [9]


@pytest.mark.parametrize(
    ("born", "expected"), [(date(2024, 12, 31), True), (date(2025, 1, 1), False)]
)
def test_the_unborn_are_not_expected_enrolled(
    registry: Session, tmp_path: Path, born: date, expected: bool
) -> None:
    """B is on the list and not enrolled for 2024: a finding only if B was born by the year's
    last day (a list drawn up ahead may name a child not yet born)."""
    person = registry.scalars(select(Person).where(Person.resident_id == IDS["B"])).one()
    person.birth_date = born
    registry.commit()
    report = reconcile(registry, write_csv(tmp_path / "l.csv", LIST_HEADER, LIST_ROWS), 2024)
    assert (3 in {f.row for f in report.of(Category.NOT_ENROLLED)}) == expected


def test_report_xlsx_has_one_sheet_per_category(registry: Session, tmp_path: Path) -> None:
    report = reconcile(registry, write_csv(tmp_path / "list.csv", LIST_HEADER, LIST_ROWS), YEAR)
    report_to_xlsx(report, tmp_path / "report.xlsx")
    workbook = load_workbook(tmp_path / "report.xlsx")
    assert workbook.sheetnames == ["summary", *(c.value for c in Category)]

    summary = workbook["summary"]
    rows = list(summary.iter_rows(values_only=True))
    assert rows[0][0] == "list.csv: 8 row(s), year 2024"  # the title row, then a blank one
    assert rows[2] == ("category", "meaning", "count")
    assert rows[3] == ("list rows", "list.csv, year 2024", 8)
    assert rows[4:] == [(c.value, TITLES[c], 1) for c in Category]
    assert summary["C4"].number_format == "#,##0" and summary.freeze_panes == "A4"

    typo = workbook["likely_id_typo"]
    rows = list(typo.iter_rows(values_only=True))
    assert rows[0][0] == TITLES[Category.LIKELY_ID_TYPO]  # title, note, blank, header
    assert rows[1][0] == "list.csv, year 2024"
    assert rows[3] == ("row", "resident ID", "name", "detail", "what to do")
    detail = f"the registry has this name and birth date under ID {IDS['E']}"
    assert rows[4:] == [
        (6, make_id("19700505", 91), "戊", detail, ACTIONS[Category.LIKELY_ID_TYPO])
    ]
    assert typo["A5"].number_format == "#,##0" and typo["A5"].data_type == "n"
    assert typo["B5"].data_type == "s"  # an ID stays text: Excel would round an 18-digit number
    assert typo.freeze_panes == "A5"
    for category in Category:
        sheet = list(workbook[category.value].iter_rows(min_row=5, values_only=True))
        assert [r[0] for r in sheet] == [f.row for f in report.of(category)]


def test_a_list_without_resident_ids_is_rejected(registry: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", ["姓名", "人员类别"], [["甲", "低保"]])
    with pytest.raises(ImportRejected) as caught:
        reconcile(registry, path, YEAR)
    assert [(p.row, p.code) for p in caught.value.problems] == [(1, "column.missing")]
