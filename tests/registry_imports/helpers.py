"""Helpers for the import tests: valid resident IDs, file writers, table counts, person rows."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.registry.resident_id import check_char
from safetynet.store.models import Base

COUNTY = "341821000000"
TOWNSHIP = "341821100000"
VILLAGE_A = "341821100201"
VILLAGE_B = "341821100202"


def make_id(birth: str = "19800101", seq: int = 1, region: str = "341821") -> str:
    body = f"{region}{birth}{seq:03d}"
    return body + check_char(body)


def bad_check(number: str) -> tuple[str, str, str]:
    """The ID with a wrong check character, the wrong one and the right one."""
    right = number[17]
    wrong = "5" if right != "5" else "6"
    return number[:17] + wrong, wrong, right


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]],
              encoding: str = "utf-8") -> Path:  # fmt: skip
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def table_counts(session: Session) -> dict[str, int]:
    """Rows of every table: the database-unchanged check."""
    session.rollback()
    return {
        t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
        for t in Base.metadata.sorted_tables
    }


PERSON_HEADER_ZH = ["身份证号", "姓名", "性别", "出生日期", "户编号", "与户主关系", "村代码",
                    "电话"]  # fmt: skip
PERSON_HEADER_EN = ["resident_id", "name", "sex", "birth_date", "household_no", "relation",
                    "village_code", "phone"]  # fmt: skip


def person_rows(n: int = 8) -> list[list[str]]:
    """``n`` good persons in H001-H003; sex and birth date agree with the IDs."""
    rows = []
    for i in range(n):
        seq = 11 + i
        birth = f"19{60 + i:02d}0{1 + i % 9}1{i % 10}"
        number = make_id(birth, seq)
        sex = "男" if seq % 2 else "女"
        household = ("H001", "H002", "H003")[i % 3]
        village = VILLAGE_B if household == "H003" else VILLAGE_A
        iso = f"{birth[:4]}-{birth[4:6]}-{birth[6:]}"
        relation = "户主" if i < 3 else "子女"
        rows.append([number, f"张{i}", sex, iso, household, relation, village, f"1390000{i:04d}"])
    return rows
