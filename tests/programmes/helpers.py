"""Helpers of the programme tests: the teams, contracts and follow-ups of a small county."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from safetynet.imports import import_file
from tests.programmes.conftest import People
from tests.registry_imports.helpers import TOWNSHIP, VILLAGE_A, VILLAGE_B, write_csv

TEAM_HEADER = ["团队编号", "行政区划代码", "家庭医生", "护士", "公卫人员"]
CONTRACT_HEADER = ["身份证号", "团队编号", "服务包", "签约日期", "开始日期", "疾病编码",
                   "健康档案号"]  # fmt: skip
FOLLOW_HEADER = ["身份证号", "服务类型", "服务日期", "疾病编码", "收缩压", "舒张压", "空腹血糖",
                 "用药", "下次随访日期"]  # fmt: skip


def team_rows() -> list[list[str]]:
    return [
        ["T-A", VILLAGE_A, "王医生", "李护士", "赵公卫"],
        ["T-B", VILLAGE_B, "陈医生", "", ""],
        ["T-TS", TOWNSHIP, "刘医生", "", ""],
    ]


def contract_rows(people: People) -> list[list[str]]:
    r = people.resident
    return [
        [r["poor"], "T-A", "chronic", "2017-01-01", "2017-01-01", "I10", "HR001"],
        [r["ordinary"], "T-A", "chronic", "2017-02-01", "2017-02-01", "I10", ""],
        [r["poor_b"], "T-B", "chronic", "2017-01-01", "2017-01-01", "E11.9", "HR003"],
        [r["costly"], "T-B", "basic", "2017-03-01", "2017-03-01", "", "HR004"],
    ]


def follow_rows(people: People) -> list[list[str]]:
    r = people.resident
    return [
        [r["poor"], "随访", "2017-03-20", "I10", "150", "92", "", "氨氯地平", "2017-06-20"],
        [r["poor"], "随访", "2017-06-25", "I10", "132", "84", "", "氨氯地平", ""],
        [r["poor"], "送药", "2017-03-20", "", "", "", "", "氨氯地平 30片", ""],
        [r["poor"], "体检", "2017-05-01", "", "128", "80", "5.6", "", ""],
        [r["poor_b"], "随访", "2017-03-30", "E11.9", "", "", "6.5", "二甲双胍", ""],
        [r["poor_b"], "随访", "2017-08-15", "E11.9", "", "", "7.8", "二甲双胍", ""],
        [r["ordinary"], "随访", "2017-04-20", "I10", "138", "92", "", "", ""],
    ]


def load_programme(session: Session, people: People, tmp: Path) -> None:
    """Teams, contracts and follow-ups imported (each must succeed)."""
    for kind, header, rows in (
        ("doctor-teams", TEAM_HEADER, team_rows()),
        ("contracts", CONTRACT_HEADER, contract_rows(people)),
        ("follow-ups", FOLLOW_HEADER, follow_rows(people)),
    ):
        result = import_file(session, kind, write_csv(tmp / f"{kind}.csv", header, rows))
        assert result.ok, [str(p) for p in result.errors]
