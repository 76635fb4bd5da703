""" "Diagnose first, pay later" as policy data: who is admitted without a deposit."""

from __future__ import annotations

from pathlib import Path

import pytest

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
from safetynet.engine.compile import compile_policy
from safetynet.engine.facts import ClaimFacts
from safetynet.engine.online import pays_later
from safetynet.policy.loader import load_policy, shipped_policies
from tests.policy.test_loader_errors import GOOD, problem

S = PovertyStatus


def _claim(kind: ClaimKind, level: InstitutionLevel, *statuses: PovertyStatus) -> ClaimFacts:
    in_county = level in ("village", "township", "county")
    return ClaimFacts(kind=kind, level=level, in_county=in_county, referral=False,
                      statuses=frozenset(statuses or {S.ORDINARY}), disease_mask=0, age=50,
                      total_fen=500_000, compliant_fen=450_000)  # fmt: skip


@pytest.fixture(scope="module")
def anhui():
    return compile_policy(load_policy(shipped_policies()["anhui-poor-2017"]))


@pytest.mark.parametrize(
    ("kind", "level", "statuses", "expected"),
    [
        (ClaimKind.INPATIENT, InstitutionLevel.COUNTY, (S.REGISTERED_POOR,), True),
        (ClaimKind.INPATIENT, InstitutionLevel.PROVINCE, (S.RETURNED,), True),
        (ClaimKind.INPATIENT, InstitutionLevel.COUNTY, (S.EXITED,), True),  # 脱贫不脱政策
        (ClaimKind.INPATIENT, InstitutionLevel.TOWNSHIP, (S.REGISTERED_POOR, S.LOW_INCOME), True),
        (ClaimKind.INPATIENT, InstitutionLevel.COUNTY, (), False),  # ordinary: a deposit
        (ClaimKind.INPATIENT, InstitutionLevel.COUNTY, (S.LOW_INCOME,), False),
        (ClaimKind.INPATIENT, InstitutionLevel.OUT_OF_PROVINCE, (S.REGISTERED_POOR,), False),
        (ClaimKind.OUTPATIENT, InstitutionLevel.COUNTY, (S.REGISTERED_POOR,), False),
    ],
)
def test_who_pays_later_under_anhui(anhui, kind, level, statuses, expected) -> None:
    assert pays_later(anhui, _claim(kind, level, *statuses)) is expected


def test_langxi_inherits_pay_later_and_policies_without_it_never_do() -> None:
    langxi = compile_policy(load_policy(shipped_policies()["anhui-langxi-2018"]))
    poor = _claim(ClaimKind.INPATIENT, InstitutionLevel.COUNTY, S.REGISTERED_POOR)
    assert pays_later(langxi, poor)
    nanchang = compile_policy(load_policy(shipped_policies()["jiangxi-nanchang-2022"]))
    assert nanchang.policy.pay_later is None and not pays_later(nanchang, poor)


def test_pay_later_with_unknown_group_or_source_is_refused(tmp_path: Path) -> None:
    section = "pay_later:\n  when: {kinds: [inpatient], diseases: [cancer]}\nlayers:\n"
    msg = problem(tmp_path, GOOD.replace("layers:\n", section))
    assert "p.yaml:11: pay_later.when.diseases: disease group 'cancer' is not defined" in msg
    section = "pay_later:\n  when: {kinds: [inpatient]}\n  source: nowhere\nlayers:\n"
    msg = problem(tmp_path, GOOD.replace("layers:\n", section))
    assert "p.yaml:12: pay_later.source: unknown source 'nowhere'" in msg
    section = "pay_later:\n  when: {kinds: [surgery]}\nlayers:\n"
    msg = problem(tmp_path, GOOD.replace("layers:\n", section))
    assert "p.yaml:11: pay_later.when.kinds[0]: Input should be 'inpatient'" in msg
