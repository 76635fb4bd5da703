"""The domain's closed vocabularies, shared by the engine, the store and the interfaces.

Each is a ``StrEnum`` (the value is what files, the database and the API carry) whose
declaration order is fixed: ``code(x)`` is the small integer the engine's arrays use,
so categories index arrays instead of being looked up row by row.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

# the scheme years every interface takes (the command line's options, the web's forms and
# queries): a year outside was a traceback or wrote rows of year 0 or 99999
FIRST_YEAR, LAST_YEAR = 2000, 2100


def diagnosis_code(text: str | None) -> str | None:
    """The one spelling of an ICD-10 code every entry point stores (the API, FHIR, the
    window's form, the claims files): upper case without the spaces around it (`` j18.9 ``
    is ``J18.9``, as the diagnosis catalog writes it); blank is no diagnosis. Anything else
    (a space inside, another character) is kept as sent, and the catalog refuses it."""
    if text is None:
        return None
    return text.strip().upper() or None


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
    return _indexes(type(member))[member]


@cache
def _indexes(enum: type[StrEnum]) -> dict[StrEnum, int]:
    """Each member's declaration index, per enum type (a settlement asks many times)."""
    return {m: i for i, m in enumerate(enum)}


# Early warning of poverty due to illness (safetynet.early_warning).


class MonitoredCategory(StrEnum):
    """The households monitored to prevent (a return to) poverty (防止返贫监测对象).

    They sit beside the poverty status (:class:`safetynet.codes.PovertyStatus`): an exited
    household can be monitored as unstable, any household as in sudden hardship. A household
    whose poverty status is ``marginal`` is monitored as marginal without a period here.
    """

    UNSTABLE_EXITED = "unstable_exited"  # 脱贫不稳定户
    MARGINAL = "marginal"  # 边缘易致贫户
    SUDDEN_HARDSHIP = "sudden_hardship"  # 突发严重困难户


class IncomeSource(StrEnum):
    DECLARED = "declared"  # 农户申报
    POVERTY_OFFICE = "poverty_office"  # 乡村振兴（扶贫）部门


class WarningState(StrEnum):
    """Where a warning is in the monitoring workflow."""

    OPEN = "open"  # detected, to be verified by the township
    VERIFIED = "verified"  # home visit done
    HANDED_OVER = "handed_over"  # packet sent to civil affairs and the poverty office
    MEASURES = "measures"  # at least one measure recorded; monthly follow-up
    CLOSED = "closed"  # below the lines for the months the rules ask
    DISMISSED = "dismissed"  # the visit found no risk


# claim review (safetynet.review)


class CaseState(StrEnum):
    SUBMITTED = "submitted"  # opened on a settled claim, waiting for the institution
    SELF_CHECKED = "self_checked"  # the institution's office has checked it
    REVIEWED = "reviewed"  # every line decided; the institution may appeal until the deadline
    APPEALED = "appealed"  # waiting for the second decision
    CLOSED = "closed"  # final
    VOID = "void"  # the claim's settlement was refunded: nothing left to review


class Outcome(StrEnum):
    APPROVED = "approved"
    ADJUSTED = "adjusted"
    REJECTED = "rejected"


class LineDecision(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    ADJUSTED = "adjusted"
    REJECTED = "rejected"


class DeductionKind(StrEnum):
    DECISION = "decision"  # a first-round line decision (or its change)
    APPEAL = "appeal"  # the second decision changed the line
    SPOT_CHECK = "spot_check"  # extrapolated recovery of a spot check (no line)
    REFUND = "refund"  # the claim's settlement was refunded: the deductions are undone


class SuspensionScope(StrEnum):
    DEPARTMENT = "department"  # an institution's department (art. 38, 40): 6–12 months
    PERSON = "person"  # a person's direct settlement (art. 41): 3–12 months


class SanctionState(StrEnum):
    OPEN = "open"  # something outstanding
    SETTLED = "settled"  # loss and fine recovered in full


# the three batches and family-doctor contracts (safetynet.programmes)


class Batch(StrEnum):
    SERIOUS = "serious"  # 大病集中救治一批
    CHRONIC = "chronic"  # 慢病签约服务管理一批
    CRITICAL = "critical"  # 重病兜底保障一批


class PatientState(StrEnum):
    SCREENED = "screened"  # found in claims or the registry, not yet checked
    VERIFIED = "verified"  # 核准: the diagnosis confirmed by the health commission
    PLAN = "plan"  # an individual treatment or management plan made
    TREATED = "treated"  # 已救治 (serious diseases)
    MANAGED = "managed"  # 签约管理 (chronic diseases)
    BACKSTOPPED = "backstopped"  # 兜底保障 (critical illness)


class Service(StrEnum):
    FOLLOW_UP = "follow_up"  # 随访 (face to face)
    HEALTH_CHECK = "health_check"  # 年度健康体检
    DRUG_DELIVERY = "drug_delivery"  # 送药上门


class Screening(StrEnum):
    """Where a screened patient was found."""

    CLAIMS = "claims"  # a claim's diagnosis
    REGISTRY = "registry"  # a chronic-disease certificate / list of the registry
    IMPORT = "import"  # a list delivered by the health commission
