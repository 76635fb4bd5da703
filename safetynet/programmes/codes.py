"""The programme's vocabularies: batches, patient states, services, follow-up kinds."""

from __future__ import annotations

from enum import StrEnum


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


OUTCOMES = (PatientState.TREATED, PatientState.MANAGED, PatientState.BACKSTOPPED)
# The order of the states; an outcome is the last step of its batch.
NEXT = {
    PatientState.SCREENED: (PatientState.VERIFIED,),
    PatientState.VERIFIED: (PatientState.PLAN,),
    PatientState.PLAN: OUTCOMES,
}


class Service(StrEnum):
    FOLLOW_UP = "follow_up"  # 随访 (face to face)
    HEALTH_CHECK = "health_check"  # 年度健康体检
    DRUG_DELIVERY = "drug_delivery"  # 送药上门


class Screening(StrEnum):
    """Where a screened patient was found."""

    CLAIMS = "claims"  # a claim's diagnosis
    REGISTRY = "registry"  # a chronic-disease certificate / list of the registry
    IMPORT = "import"  # a list delivered by the health commission
