"""The rule files: the shipped one reads, mistakes are reported with file and line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from safetynet.early_warning.rules import (
    FILES,
    Level,
    PersonSelfPay,
    PolicyError,
    load_rules,
    rules_for,
)


def test_shipped_rules_read_with_sources_in_fen() -> None:
    rules = load_rules(FILES / "county-2018.yaml")
    first = rules.rules[0]
    assert isinstance(first, PersonSelfPay)
    assert (first.line, first.level, first.source) == (1_000_000, Level.WATCH, "langxi-004")
    assert rules.re_assistance is not None
    assert (rules.re_assistance.line, rules.re_assistance.ratio) == (1_000_000, 6_000)
    assert rules.re_assistance.budget == 270_000_000
    assert rules.sources["guyuan-000"].confidence == "doc"


def test_rules_for_a_region_and_date() -> None:
    assert rules_for("341821", date(2018, 5, 1)).id == "county-2018"
    with pytest.raises(LookupError):
        rules_for("341821", date(2016, 5, 1))


BAD = """\
id: x
title_en: x
title_zh: x
valid_from: 2018-01-01
sources:
  s: {document: d, confidence: doc}
rules:
  - id: a
    kind: person_self_pay
    level: watch
    source: s
    line: 10000
  - id: b
    kind: household_share
    level: loud
    source: s
    share: 150%
workflow: {source: s, verify_within_days: 15, follow_up_every_days: 31, close_after_months: 3}
"""


def test_mistakes_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        load_rules(path)
    text = str(err.value)
    assert "bad.yaml:15" in text and "level" in text  # the unknown level
    assert "bad.yaml:17" in text and "100%" in text  # a share above 100 %


def test_an_unlisted_source_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "src.yaml"
    path.write_text(
        BAD.replace("source: s\n    line", "source: t\n    line")
        .replace("level: loud", "level: alert")
        .replace("150%", "50%"),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="sources not listed"):
        load_rules(path)
