"""One written definition per indicator, loaded strictly (file and line in every problem)."""

from __future__ import annotations

from pathlib import Path

import pytest

from safetynet.indicators.compute import indicator_ids, indicator_parts
from safetynet.indicators.definitions import (
    DEFINITIONS_FILE,
    DefinitionsError,
    definitions,
    load_definitions,
)


def test_every_indicator_has_one_definition_in_report_order() -> None:
    defs = definitions()
    assert [d.id for d in defs.indicators] == indicator_ids()
    for d in defs.indicators:
        assert d.parts == indicator_parts()[d.id]
        for text in (d.name_zh, d.formula_zh, d.counted_zh):
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), f"{d.id}: not Chinese"
        assert d.name("zh_Hans") == d.name_zh and d.counted("en") == d.counted_en
    assert len(defs.conventions) >= 4


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFINITIONS_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "definitions.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_unknown_key_names_file_and_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, "    unit: count\n", "    unit: count\n    colour: red\n")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(path)
    message = str(exc.value)
    assert f"{path}:" in message and "unknown key" in message


def test_missing_text_and_bad_unit(tmp_path: Path) -> None:
    path = _broken(tmp_path, "    name_en: Persons enrolled\n", "")
    with pytest.raises(DefinitionsError, match="required but missing"):
        load_definitions(path)
    path = _broken(tmp_path, "    unit: count\n", "    unit: litres\n")
    with pytest.raises(DefinitionsError, match=r"litres|Input should be"):
        load_definitions(path)


def test_definitions_and_computation_must_agree(tmp_path: Path) -> None:
    path = _broken(tmp_path, "  - id: admissions\n", "  - id: admissionz\n")
    with pytest.raises(DefinitionsError) as exc:
        load_definitions(path)
    assert "no indicator 'admissionz' is computed" in str(exc.value)
    assert "no definition for: admissions" in str(exc.value)
    path = _broken(tmp_path, "    per: visit\n    parts: institution_level\n", "    per: visit\n")
    with pytest.raises(DefinitionsError, match="cost_per_visit is computed with parts"):
        load_definitions(path)
