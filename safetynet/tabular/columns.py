"""Column specs per import file kind: accepted headers (English or Chinese) and value vocabularies.

Headers match case-insensitively, ignoring spaces, ``_`` and ``-``. docs/formats-import.md
lists the same names; keep the two in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from safetynet.codes import InstitutionLevel, PovertyStatus, Sex
from safetynet.i18n import N_
from safetynet.numerals import numeric_expr
from safetynet.tabular.problems import Problem, error, warning
from safetynet.tabular.reading import Sheet


@dataclass(frozen=True, slots=True)
class Column:
    field: str  # canonical name, also the first accepted header
    aliases: tuple[str, ...]  # other accepted headers (Chinese first)
    required: bool = False
    numeric: bool = False  # a number: its text read by the one rule (safetynet.numerals)

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.field, *self.aliases)


RESIDENT_ID = Column("resident_id", ("身份证号", "身份证号码", "公民身份号码", "证件号码"), True)
NAME = Column("name", ("姓名",), True)
SEX = Column("sex", ("性别",))
BIRTH_DATE = Column("birth_date", ("出生日期",))
HOUSEHOLD_NO = Column("household_no", ("户编号", "户号", "家庭编号", "household_number"), True)
RELATION = Column("relation", ("与户主关系",))
VILLAGE_CODE = Column("village_code", ("村代码", "村编码", "村级区划代码"))
PHONE = Column("phone", ("电话", "联系电话", "手机号码"))
DECEASED_ON = Column("deceased_on", ("死亡日期",))

PERSON_COLUMNS = (
    RESIDENT_ID,
    NAME,
    SEX,
    BIRTH_DATE,
    HOUSEHOLD_NO,
    RELATION,
    VILLAGE_CODE,
    PHONE,
    DECEASED_ON,
)
HOUSEHOLD_COLUMNS = (
    HOUSEHOLD_NO,
    Column("village_code", VILLAGE_CODE.aliases, True),
    Column("address", ("地址", "家庭住址")),
)
POVERTY_COLUMNS = (
    RESIDENT_ID,
    Column("status", ("贫困属性", "人员类别", "身份类别"), True),
    Column("valid_from", ("开始日期", "起始日期", "认定日期"), True),
    Column("valid_to", ("结束日期", "终止日期")),
    Column("department", ("认定部门", "报送单位"), True),
    Column("reference", ("文号", "名单编号")),
    Column("scope", ("范围", "认定范围")),
    Column("name", NAME.aliases),  # ignored by the import, allowed so lists can be read as is
)
INSTITUTION_COLUMNS = (
    Column("code", ("机构编码", "机构代码"), True),
    Column("name", ("机构名称", "名称"), True),
    Column("level", ("级别", "机构级别"), True),
    Column("in_county", ("县域内", "是否县域内"), True),
    Column("region_code", ("行政区划代码", "所在地区划代码")),
    Column("designated_from", ("定点开始日期",)),
    Column("designated_to", ("定点结束日期",)),
    Column("inpatient", ("住院",)),
    Column("outpatient", ("门诊",)),
)
RECONCILE_COLUMNS = (
    RESIDENT_ID,
    NAME,
    Column("status", POVERTY_COLUMNS[1].aliases),
    BIRTH_DATE,
)

MALE, FEMALE = Sex("M"), Sex("F")
SEX_VALUES = {
    "m": MALE, "male": MALE, "男": MALE, "1": MALE,
    "f": FEMALE, "female": FEMALE, "女": FEMALE, "2": FEMALE,
}  # fmt: skip
STATUS_VALUES = {
    **{s.value: s for s in PovertyStatus},
    "建档立卡": PovertyStatus.REGISTERED_POOR,
    "建档立卡贫困户": PovertyStatus.REGISTERED_POOR,
    "贫困户": PovertyStatus.REGISTERED_POOR,
    "低保": PovertyStatus.LOW_INCOME,
    "低保户": PovertyStatus.LOW_INCOME,
    "低保对象": PovertyStatus.LOW_INCOME,
    "特困": PovertyStatus.EXTREMELY_POOR,
    "特困供养": PovertyStatus.EXTREMELY_POOR,
    "特困人员": PovertyStatus.EXTREMELY_POOR,
    "边缘易致贫": PovertyStatus.MARGINAL,
    "边缘易致贫户": PovertyStatus.MARGINAL,
    "边缘户": PovertyStatus.MARGINAL,
    "脱贫": PovertyStatus.EXITED,
    "脱贫户": PovertyStatus.EXITED,
    "已脱贫": PovertyStatus.EXITED,
    "返贫": PovertyStatus.RETURNED,
    "返贫户": PovertyStatus.RETURNED,
    "普通": PovertyStatus.ORDINARY,
    "一般": PovertyStatus.ORDINARY,
}
POVERTY_LIST_STATUS = {k: v for k, v in STATUS_VALUES.items() if v is not PovertyStatus.ORDINARY}
LEVEL_VALUES = {
    **{lv.value: lv for lv in InstitutionLevel},
    "村卫生室": InstitutionLevel.VILLAGE,
    "村级": InstitutionLevel.VILLAGE,
    "乡镇卫生院": InstitutionLevel.TOWNSHIP,
    "乡镇级": InstitutionLevel.TOWNSHIP,
    "乡级": InstitutionLevel.TOWNSHIP,
    "县级": InstitutionLevel.COUNTY,
    "县级医院": InstitutionLevel.COUNTY,
    "市级": InstitutionLevel.CITY,
    "市级医院": InstitutionLevel.CITY,
    "省级": InstitutionLevel.PROVINCE,
    "省级医院": InstitutionLevel.PROVINCE,
    "省外": InstitutionLevel.OUT_OF_PROVINCE,
}
SCOPE_VALUES = {"person": "person", "个人": "person", "人": "person",
                "household": "household", "户": "household", "家庭": "household"}  # fmt: skip
BOOL_VALUES = {
    "true": True, "yes": True, "y": True, "1": True, "是": True, "有": True, "√": True,
    "false": False, "no": False, "n": False, "0": False, "否": False, "无": False, "×": False,
}  # fmt: skip

_IGNORED = re.compile(r"[\s_\-]+")


def normalise_header(text: str) -> str:
    return _IGNORED.sub("", text).lower()


@dataclass
class Bound:
    """A sheet whose columns are renamed to canonical fields; ``header`` maps back for messages."""

    sheet: Sheet
    frame: pl.DataFrame  # one column per field present, plus _row
    header: dict[str, str]  # field -> header as written
    problems: list[Problem] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.header

    def column_index(self, name: str) -> int:
        return self.sheet.headers.index(self.header[name])


def bind(sheet: Sheet, specs: tuple[Column, ...]) -> Bound:
    """Match the file's headers to ``specs``; missing required or doubled columns are errors."""
    lookup = {normalise_header(h): spec for spec in specs for h in spec.headers}
    header: dict[str, str] = {}
    renames: dict[str, str] = {}
    problems: list[Problem] = list(sheet.problems)
    for j, text in enumerate(sheet.headers):
        spec = lookup.get(normalise_header(text)) if text else None
        if spec is None:
            if text:
                problems.append(warning(1, text, "column.unknown", N_("this column is not used")))
            continue
        if spec.field in header:
            problems.append(
                error(
                    1,
                    text,
                    "column.twice",
                    N_("says the same as column %(other)s; keep only one of them"),
                    other=header[spec.field],
                )
            )
            continue
        header[spec.field] = text
        renames[f"c{j}"] = spec.field
    for spec in specs:
        if spec.required and spec.field not in header:
            problems.append(
                error(
                    1,
                    None,
                    "column.missing",
                    N_("a column %(headers)s is required and missing"),
                    headers=" / ".join(spec.headers[:2]),
                    field=spec.field,
                )
            )
    numeric = {s.field for s in specs if s.numeric}
    frame = sheet.frame.select(
        [(numeric_expr(c) if f in numeric else pl.col(c)).alias(f) for c, f in renames.items()]
        + ["_row"]
    )
    return Bound(sheet, frame, header, problems)
