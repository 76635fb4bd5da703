"""Supervision rule files: the shipped ones load; bad ones are reported with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from safetynet.policy.tree import PolicyError
from safetynet.supervision.rules import load_rules, shipped_rule_files
from safetynet.supervision.schema import KINDS

BASE = """\
id: t
title_en: Test
title_zh: 测试
region: "34"
valid_from: 2021-05-01
source: d
sources:
  d: {document: Decree No. 735, confidence: compiled}
rules:
  - id: split
    kind: split_admission
    name: {en: Split admission, zh: 分解住院}
    severity: warn
    article: 38
    params:
      window_days: {value: 15, unit: day}
scoring:
  readmission_days: {value: 14, unit: day}
  group_size: {value: 3, unit: count}
  min_admissions: {value: 5, unit: count}
  z_cap: {value: 10, unit: sd}
  flag_z: {value: 3, unit: sd}
  weights:
    length_of_stay: {value: 1, unit: weight}
    cost_per_admission: {value: 1, unit: weight}
    cost_per_bed_day: {value: 1, unit: weight}
    drug_share: {value: 1, unit: weight}
    admissions_per_1000: {value: 1, unit: weight}
    readmission_rate: {value: 1, unit: weight}
    hit_amount_rate: {value: 1, unit: weight}
    low_threshold_share: {value: 1, unit: weight}
    group_admission_share: {value: 1, unit: weight}
"""


def write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_file_loads_with_every_kind() -> None:
    files = shipped_rule_files()
    assert {"anhui-2021", "anhui-langxi-2021"} <= set(files)
    county = load_rules("anhui-langxi-2021")
    assert county.region == "341821"
    assert sorted(r.kind for r in county.rules) == sorted(KINDS)
    split = next(r for r in county.rules if r.kind == "split_admission")
    assert split.params.window_days.value == 15  # type: ignore[union-attr]
    assert split.article == 38 and split.name.zh == "分解住院"


def test_a_good_file_loads(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, BASE))
    assert [r.id for r in rules.rules] == ["split"]


def test_a_county_file_extends_and_overrides_by_id(tmp_path: Path) -> None:
    write(tmp_path, BASE, "province.yaml")
    county = write(
        tmp_path,
        "extends: province\nid: c\nregion: '341821'\nrules:\n"
        "  - id: split\n    params:\n      window_days: {value: 10, unit: day}\n",
        "county.yaml",
    )
    rules = load_rules(county)
    assert rules.region == "341821" and rules.title_en == "Test"
    assert rules.rules[0].params.window_days.value == 10  # type: ignore[union-attr]
    assert rules.rules[0].severity == "warn"


@pytest.mark.parametrize("value", ["15.5", "14.999"])
def test_a_fraction_of_a_day_is_refused_naming_file_and_line(tmp_path: Path, value: str) -> None:
    """A rule counts whole days (and counts, hours, months): 15.5 days was cut to 15 unseen."""
    path = write(
        tmp_path, BASE.replace("window_days: {value: 15,", f"window_days: {{value: {value},")
    )
    with pytest.raises(PolicyError) as exc:
        load_rules(path)
    text = str(exc.value)
    assert f"{path}:16" in text and "window_days" in text and "a whole number of days" in text


def test_a_parameter_of_the_wrong_unit_names_file_line_and_unit(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("unit: day", "unit: hour"))
    with pytest.raises(PolicyError) as exc:
        load_rules(path)
    text = str(exc.value)
    assert f"{path}:16" in text
    assert "window_days.unit" in text and "'day'" in text


def test_an_unknown_rule_kind_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("kind: split_admission", "kind: teleport"))
    with pytest.raises(PolicyError) as exc:
        load_rules(path)
    text = str(exc.value)
    assert f"{path}:10" in text and "teleport" in text and "split_admission" in text


def test_a_bad_severity_an_unknown_key_and_a_duplicate_key(tmp_path: Path) -> None:
    bad = BASE.replace("severity: warn", "severity: fine\n    colour: red")
    with pytest.raises(PolicyError) as exc:
        load_rules(write(tmp_path, bad))
    text = str(exc.value)
    assert ":13: rules[split].severity" in text
    assert ":14: rules[split].colour: unknown key" in text
    with pytest.raises(PolicyError) as exc:
        load_rules(write(tmp_path, BASE + "region: '35'\n"))
    assert ":33: region: duplicate key" in str(exc.value)  # the line after BASE


def test_an_unlisted_source_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as exc:
        load_rules(write(tmp_path, BASE.replace("article: 38", "article: 38\n    source: nope")))
    assert "nope" in str(exc.value)
    with pytest.raises(PolicyError, match="file not found"):
        load_rules(tmp_path / "absent.yaml")
