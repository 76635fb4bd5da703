"""A bad policy file is rejected with its file, line and what is wrong; composition works."""

from __future__ import annotations

from pathlib import Path

import pytest

from safetynet.policy.loader import PolicyError, load_policy, shipped_policies

GOOD = """\
id: t
title_en: Test
title_zh: 测试
region: "34"
valid_from: 2020-01-01
valid_to: 2020-12-31
source: s
sources:
  s: {document: test, confidence: doc}
layers:
  - id: basic
    type: basic_insurance
    name_en: Basic
    name_zh: 基本
    rules:
      - id: inpatient
        name_en: Inpatient
        name_zh: 住院
        when: {kinds: [inpatient]}
        deductible: 300
        ratio: 70%
"""


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problem(tmp_path: Path, text: str) -> str:
    with pytest.raises(PolicyError) as err:
        load_policy(write(tmp_path, text))
    return str(err.value)


def test_good_file_loads(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, GOOD))
    assert policy.layers[0].rules[0].deductible == 30000  # fen


def test_bad_ratio_names_its_line(tmp_path: Path) -> None:
    msg = problem(tmp_path, GOOD.replace("ratio: 70%", "ratio: 170%"))
    assert ":21: layers[basic].rules[inpatient].ratio" in msg
    assert "between 0% and 100%" in msg


def test_unknown_key_names_its_line(tmp_path: Path) -> None:
    msg = problem(tmp_path, GOOD.replace("deductible: 300", "deductable: 300"))
    assert ":20: layers[basic].rules[inpatient].deductable: unknown key" in msg


def test_unknown_level_and_bad_amount(tmp_path: Path) -> None:
    msg = problem(tmp_path, GOOD.replace("deductible: 300", "deductible: 300.001"))
    assert ":20:" in msg and "more than two decimals" in msg


def test_unknown_source_suggests_a_close_one(tmp_path: Path) -> None:
    msg = problem(
        tmp_path, GOOD.replace("source: s\nsources:\n  s:", "source: tst\nsources:\n  test:")
    )
    assert "p.yaml:7: source: unknown source 'tst'" in msg and "did you mean 'test'?" in msg


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    msg = problem(tmp_path, GOOD + "        ratio: 60%\n")
    assert "p.yaml:22: ratio: duplicate key" in msg


def test_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    msg = problem(tmp_path, GOOD.replace("ratio: 70%", "ratio: [70%"))
    assert "p.yaml:" in msg and "not valid YAML" in msg


def test_unknown_source_and_disease_group_name_the_line_of_the_typo(tmp_path: Path) -> None:
    msg = problem(tmp_path, GOOD.replace("ratio: 70%", "ratio: {value: 70%, source: nowher}"))
    assert "p.yaml:21: layers[basic].rules[inpatient].ratio.source: unknown source 'nowher'" in msg
    msg = problem(tmp_path, GOOD.replace("ratio: 70%", "ratio: 70%\n        source: x"))
    assert "p.yaml:22: layers[basic].rules[inpatient].source: unknown source 'x'" in msg
    msg = problem(tmp_path, GOOD.replace("{kinds: [inpatient]}", "{diseases: [cancer]}"))
    assert "p.yaml:19: layers[basic].rules[inpatient].when.diseases: disease group 'cancer'" in msg


def test_every_problem_of_a_file_in_one_run(tmp_path: Path) -> None:
    """Issue 12.13: schema errors, references and duplicate keys together, not one per run."""
    text = (
        GOOD.replace("ratio: 70%", "ratio: 170%")
        .replace("    name_zh: 基本\n", "    name_zh: 基本\n    source: sourse\n")
        .replace("deductible: 300", "deductable: 300")
        .replace("{kinds: [inpatient]}", "{kinds: [inpatient], diseases: [cancer]}")
    ) + "        ratio: 60%\n"
    lines = problem(tmp_path, text).splitlines()
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in lines] == [
        "15", "20", "21", "22", "23"
    ]  # fmt: skip
    assert "unknown source 'sourse'" in lines[0] and "did you mean" not in lines[0]
    assert "disease group 'cancer'" in lines[1] and "deductable: unknown key" in lines[2]
    assert "between 0% and 100%" in lines[3] and "duplicate key" in lines[4]


def test_missing_required_field(tmp_path: Path) -> None:
    msg = problem(tmp_path, GOOD.replace("    name_zh: 基本\n", ""))
    assert "name_zh: required but missing" in msg


def test_ratio_and_tiers_are_exclusive(tmp_path: Path) -> None:
    text = GOOD.replace("ratio: 70%", "ratio: 70%\n        tiers: [{from: 0, ratio: 50%}]")
    assert "exactly one of `ratio` or `tiers`" in problem(tmp_path, text)


def test_override_changes_one_value_and_keeps_the_rest(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "base.yaml")
    reform = write(
        tmp_path,
        "extends: base.yaml\nid: reform\nlayers:\n  - id: basic\n    rules:\n"
        "      - id: inpatient\n        ratio: 75%\n",
        "reform.yaml",
    )
    policy = load_policy(reform)
    rule = policy.layers[0].rules[0]
    assert (policy.id, rule.ratio, rule.deductible) == ("reform", 7500, 30000)


def test_error_in_override_names_the_override_file(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "base.yaml")
    reform = write(
        tmp_path,
        "extends: base.yaml\nid: reform\nlayers:\n  - id: basic\n    rules:\n"
        "      - id: inpatient\n        ratio: lots\n",
        "reform.yaml",
    )
    with pytest.raises(PolicyError) as err:
        load_policy(reform)
    assert "reform.yaml:7:" in str(err.value)


def test_extends_unknown_file(tmp_path: Path) -> None:
    msg = problem(tmp_path, "extends: nowhere.yaml\n" + GOOD)
    assert "no policy file named 'nowhere.yaml'" in msg


def test_every_value_of_shipped_policies_has_a_known_source() -> None:
    for path in shipped_policies().values():
        policy = load_policy(path)
        for layer in policy.layers:
            for rule in layer.rules:
                assert (rule.source or layer.source or policy.source) in policy.sources
        assert set(policy.value_sources.values()) <= set(policy.sources)


def test_recalled_values_are_marked() -> None:
    policy = load_policy("anhui-poor-2017")
    recalled = {k for k, s in policy.sources.items() if s.confidence == "recalled"}
    assert policy.value_sources["layers.basic.rules.inpatient_poor.deductible"] in recalled


def test_sourced_override_replaces_a_per_level_mapping() -> None:
    """A reform that restates a per-level ratio with its own source replaces it whole."""
    path = Path(__file__).parents[2] / "examples" / "reform-anhui-2017-inpatient-plus5.yaml"
    reform = load_policy(path)
    base = load_policy("anhui-poor-2017")
    rule = next(r for r in reform.layers[0].rules if r.id == "inpatient")
    base_rule = next(r for r in base.layers[0].rules if r.id == "inpatient")
    assert rule.ratio is not None and base_rule.ratio is not None
    assert str(rule.ratio["county"]) != str(base_rule.ratio["county"])
    assert any(s == "reform-proposal" for s in reform.value_sources.values())
