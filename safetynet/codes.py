"""The domain's closed vocabularies, shared by the engine, the store and the interfaces.

Each is a ``StrEnum`` (the value is what files, the database and the API carry) whose
declaration order is fixed: ``code(x)`` is the small integer the engine's arrays use,
so categories index arrays instead of being looked up row by row.
"""

from __future__ import annotations

from enum import StrEnum


class InstitutionLevel(StrEnum):
    VILLAGE = "village"  # 村卫生室
    TOWNSHIP = "township"  # 乡镇卫生院
    COUNTY = "county"  # 县级医院
    CITY = "city"  # 市级医院
    PROVINCE = "province"  # 省级医院
    OUT_OF_PROVINCE = "out_of_province"  # 省外


class ClaimKind(StrEnum):
    INPATIENT = "inpatient"  # 住院
    OUTPATIENT = "outpatient"  # 普通门诊
    CHRONIC_OUTPATIENT = "chronic_outpatient"  # 慢性病/特殊病门诊


class PovertyStatus(StrEnum):
    """Poverty status of a person or household on a date (贫困属性)."""

    REGISTERED_POOR = "registered_poor"  # 建档立卡贫困户
    LOW_INCOME = "low_income"  # 低保
    EXTREMELY_POOR = "extremely_poor"  # 特困供养
    MARGINAL = "marginal"  # 边缘易致贫户
    EXITED = "exited"  # 脱贫
    RETURNED = "returned"  # 返贫
    ORDINARY = "ordinary"  # none of the above


class ItemClass(StrEnum):
    A = "A"  # 甲类: compliant in full
    B = "B"  # 乙类: compliant after the class-B self-pay share
    C = "C"  # 丙类 / out of catalog: not compliant


class ItemKind(StrEnum):
    DRUG = "drug"
    SERVICE = "service"
    MATERIAL = "material"


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


def code(member: StrEnum) -> int:
    """The stable integer code of an enum member (its declaration index)."""
    return list(type(member)).index(member)
