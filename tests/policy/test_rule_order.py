"""Rule order: the first matching rule wins, so a rule that an earlier rule always matches
first is rejected (file:line, and which rule shadows it); an override places its rule with
``before:`` / ``after:`` (issue 12.14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
from safetynet.engine.compile import compile_policy
from safetynet.engine.facts import ClaimFacts
from safetynet.engine.online import Accumulators, settle_one
from safetynet.policy.checks import covers
from safetynet.policy.loader import load_policy
from safetynet.policy.schema import When
from tests.policy.test_loader_errors import GOOD, problem, write

COUNTY_RULE = """\
extends: anhui-poor-2017
id: county
layers:
  - id: basic
    rules:
      - id: county_poor
        name_en: Inpatient of the poor in the county hospital
        name_zh: 贫困人口县内住院
        when: {kinds: [inpatient], statuses: [registered_poor], levels: [county]}
        ratio: 95%
        pool: inpatient
"""


def test_a_county_rule_appended_after_a_general_one_is_rejected(tmp_path: Path) -> None:
    msg = problem(tmp_path, COUNTY_RULE)
    assert "p.yaml:6: layers[basic].rules[county_poor]: never applies" in msg
    assert "rule 'inpatient_poor' (anhui-poor-2017.yaml:" in msg
    assert "`before: inpatient_poor`" in msg


def test_before_puts_the_county_rule_first_and_it_applies(tmp_path: Path) -> None:
    text = COUNTY_RULE.replace(
        "      - id: county_poor\n", "      - id: county_poor\n        before: inpatient_poor\n"
    )
    policy = load_policy(write(tmp_path, text))
    assert [r.id for r in policy.layers[0].rules][:2] == ["county_poor", "inpatient_poor"]
    cp = compile_policy(policy)
    claim = ClaimFacts(
        kind=ClaimKind.INPATIENT,
        level=InstitutionLevel.COUNTY,
        in_county=True,
        referral=True,
        statuses=frozenset({PovertyStatus.REGISTERED_POOR}),
        disease_mask=0,
        age=50,
        total_fen=1_000_000,
        compliant_fen=1_000_000,
    )
    basic = settle_one(cp, claim, Accumulators.empty(cp)).layers[0]
    assert basic.rule_id == "county_poor"
    assert basic.paid_fen == 950_000  # 95 %, no deductible: the county rule, not the province's


def test_after_and_moving_an_existing_rule(tmp_path: Path) -> None:
    text = (
        "extends: anhui-poor-2017\nid: moved\nlayers:\n  - id: basic\n    rules:\n"
        "      - id: general_outpatient\n        after: inpatient_poor\n"
    )
    policy = load_policy(write(tmp_path, text))
    assert [r.id for r in policy.layers[0].rules] == [
        "inpatient_poor", "general_outpatient", "inpatient", "chronic_outpatient"
    ]  # fmt: skip


def test_an_unknown_place_names_its_line(tmp_path: Path) -> None:
    text = COUNTY_RULE.replace(
        "      - id: county_poor\n", "      - id: county_poor\n        before: inpatient_pour\n"
    )
    msg = problem(tmp_path, text)
    assert "p.yaml:7: before: no item 'inpatient_pour' to go before" in msg
    assert "inpatient_poor" in msg


def test_a_rule_after_a_catch_all_is_rejected_in_one_file(tmp_path: Path) -> None:
    catch_all = GOOD.replace("        when: {kinds: [inpatient]}\n", "")
    text = catch_all + (
        "      - id: elderly\n        name_en: Elderly\n        name_zh: 老年人\n"
        "        when: {age_from: 65}\n        ratio: 80%\n"
    )
    msg = problem(tmp_path, text)
    assert (
        "p.yaml:21: layers[basic].rules[elderly]: never applies: rule 'inpatient' (p.yaml:16)"
        in msg
    )


@pytest.mark.parametrize(
    ("first", "later", "shadowed"),
    [
        ({}, {"kinds": ["inpatient"]}, True),
        ({"kinds": ["inpatient"]}, {}, False),
        ({"statuses": ["registered_poor", "exited"]}, {"statuses": ["exited"]}, True),
        ({"statuses": ["registered_poor"]}, {"statuses": ["registered_poor", "exited"]}, False),
        ({"levels": ["county"]}, {"levels": ["county"], "in_county": True}, True),
        ({"in_county": True}, {"levels": ["county"]}, False),
        ({"age_from": 60}, {"age_from": 70, "age_to": 80}, True),
        ({"age_from": 60, "age_to": 70}, {"age_from": 65}, False),
        ({"diseases": ["a", "b"]}, {"diseases": ["a"]}, True),
        ({"diseases": ["a"]}, {}, False),
        ({"referral": False}, {"referral": False, "kinds": ["inpatient"]}, True),
        ({"referral": False}, {"referral": True}, False),
    ],
)
def test_covers(first: dict, later: dict, shadowed: bool) -> None:
    assert covers(When(**first), When(**later)) is shadowed
