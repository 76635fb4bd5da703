"""Every rule and pool has a name in both languages; users read names, never ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from safetynet.engine.compile import compile_policy
from safetynet.policy.labels import layer_name, pool_name, rule_name
from safetynet.policy.loader import load_policy, shipped_policies
from tests.policy.test_loader_errors import GOOD, problem, write

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.mark.parametrize("name", sorted(shipped_policies()))
def test_every_shipped_rule_and_pool_is_named_in_both_languages(name: str) -> None:
    policy = load_policy(shipped_policies()[name])
    for layer in policy.layers:
        for rule in layer.rules:
            assert rule.name_en.strip() and rule.name_zh.strip(), (layer.id, rule.id)
            assert HAN.search(rule.name_zh) and not LATIN_WORD.search(rule.name_zh), rule.name_zh
            assert rule.name_zh != rule.id and rule.name_en != rule.id
        for pool in {r.pool for r in layer.rules}:
            zh = pool_name(policy, f"{layer.id}/{pool}", "zh_Hans")
            assert HAN.search(zh) and not LATIN_WORD.search(zh), (layer.id, pool, zh)


def test_a_rule_without_a_name_is_rejected_at_its_line(tmp_path: Path) -> None:
    msg = problem(tmp_path, GOOD.replace("        name_zh: 住院\n", ""))
    assert "p.yaml:16: layers[basic].rules[inpatient].name_zh: required but missing" in msg
    msg = problem(tmp_path, GOOD.replace("        name_en: Inpatient\n", ""))
    assert "p.yaml:16: layers[basic].rules[inpatient].name_en: required but missing" in msg


def test_a_named_pool_needs_a_name(tmp_path: Path) -> None:
    text = GOOD.replace("        ratio: 70%\n", "        ratio: 70%\n        pool: inpatient\n")
    msg = problem(tmp_path, text)
    assert "p.yaml:22: layers[basic].rules[inpatient].pool: pool 'inpatient' has no name" in msg
    pools = "    pools:\n      inpatient: {name_en: Inpatient, name_zh: 住院}\n"
    named = text.replace("    rules:\n", pools + "    rules:\n")
    policy = load_policy(write(tmp_path, named))
    assert pool_name(policy, "basic/inpatient", "zh_Hans") == "基本（住院）"
    assert pool_name(policy, "basic/inpatient", "en") == "Basic (Inpatient)"


def test_labels_in_both_languages() -> None:
    anhui = load_policy("anhui-poor-2017")
    assert layer_name(anhui, "basic", "zh_Hans") == "基本医疗保险"
    assert layer_name(anhui, "basic", "en") == "Basic medical insurance"
    assert rule_name(anhui, "basic", "inpatient_poor", "zh_Hans") == "贫困人口住院"
    assert rule_name(anhui, "basic", "inpatient", "zh_Hans") == "普通住院"
    assert rule_name(anhui, "basic", "chronic_outpatient", "zh_Hans") == "慢性病门诊"
    assert rule_name(anhui, "basic", "inpatient_poor", "en") == "Inpatient, the poor"
    assert pool_name(anhui, "basic/outpatient", "zh_Hans") == "基本医疗保险（普通门诊）"
    assert pool_name(anhui, "critical/annual", "zh_Hans") == "大病保险"
    compiled = compile_policy(anhui)  # a compiled policy works too
    assert rule_name(compiled, "backstop", "351", "zh") == anhui.layers[3].rules[0].name_zh


def test_an_override_keeps_the_names_of_what_it_does_not_restate() -> None:
    langxi = load_policy("anhui-langxi-2018")
    assert rule_name(langxi, "basic", "inpatient_poor", "zh_Hans") == "贫困人口住院"
    assert rule_name(langxi, "re_assistance", "above_10000", "en").startswith("60 %")


def test_unknown_ids_are_returned_as_they_are() -> None:
    anhui = load_policy("anhui-poor-2017")
    assert layer_name(anhui, "gone", "zh_Hans") == "gone"
    assert rule_name(anhui, "basic", "gone", "en") == "gone"


@pytest.mark.parametrize("name", sorted(shipped_policies()))
def test_source_documents_have_a_chinese_title_and_english_for_english_readers(name: str) -> None:
    from safetynet.policy.labels import source_title

    policy = load_policy(shipped_policies()[name])
    for sid, source in policy.sources.items():
        zh = source_title(policy, sid, "zh_Hans")
        assert HAN.search(zh) and not LATIN_WORD.search(zh), zh
        en = source_title(policy, sid, "en")
        assert en == (source.document_en or source.document)
