"""The programme files: the shipped one loads with every list's ICD-10 codes checked, and a bad
file is refused with its line and what is wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from safetynet.catalogs.diseases import list_entries
from safetynet.codes import Batch, PatientState
from safetynet.policy.loader import PolicyError
from safetynet.programmes.rules import load_rules, rules_for, shipped_rules

SHIPPED = shipped_rules()["national-2017"]


def test_shipped_rules_name_their_batches_lists_and_sources() -> None:
    rules = load_rules(SHIPPED)
    assert [b.id for b in rules.batches] == [Batch.SERIOUS, Batch.CRITICAL, Batch.CHRONIC]
    assert rules.batch(Batch.CHRONIC).outcome is PatientState.MANAGED
    # the nine come from the catalogs, not a copy
    nine = rules.disease_list("nine_major")
    assert nine.catalog_list == "nine_major"
    assert nine.prefixes() == sorted(list_entries("nine_major")["icd_prefix"].to_list())
    assert len(nine.prefixes()) == 9
    assert len(rules.disease_list("national_30").prefixes()) == 30
    assert len(rules.disease_list("langxi_15").prefixes()) == 15
    assert rules.package("chronic").services[1].per_year == 4
    assert rules.control.systolic_below == 140
    assert {f.fee for f in rules.fixed_fees if f.code == "H25"} == {350_000}  # fen


def test_the_contracts_timing_is_not_credited_to_a_seed() -> None:
    """The term and the on-time and due-soon days are in no seed: their source says so
    (recalled, L) and names them; they were credited to seed 004 (doc), which gives none."""
    rules = load_rules(SHIPPED)
    source = rules.sources[rules.contracts.source]
    assert source.confidence.value == "recalled"
    assert source.note is not None and "14 days" in source.note and "one-year" in source.note
    text = SHIPPED.read_text(encoding="utf-8")
    block = text[text.index("\ncontracts:") :]
    for key in ("term_months", "on_time_days", "due_soon_days"):
        line = next(x for x in block.splitlines() if x.strip().startswith(key))
        assert "L)" in line, line  # marked L where it is set


def test_lists_apply_by_region_and_date() -> None:
    rules = rules_for("341821000000", dt.date(2017, 6, 1))
    langxi = rules.disease_list("langxi_15")
    assert langxi.applies("341821100201", dt.date(2017, 6, 1))
    assert not langxi.applies("640402000000", dt.date(2017, 6, 1))
    assert not rules.disease_list("national_30").applies("341821", dt.date(2019, 12, 31))


def _write(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_code_not_in_icd10_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "{code: C50, name_zh: 乳腺癌", "{code: X999, name_zh: 乳腺癌")
    with pytest.raises(PolicyError) as err:
        load_rules(path)
    text = str(err.value)
    assert "'X999' is not an ICD-10 code" in text
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "X999" in t)
    assert f"bad.yaml:{line}" in text


def test_an_unknown_catalog_list_or_source_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "catalog_list: nine_major", "catalog_list: nine_majors")
    with pytest.raises(PolicyError, match="no disease list 'nine_majors'"):
        load_rules(path)
    path = _write(tmp_path, "source: anhui-15", "source: anhui-16")
    with pytest.raises(PolicyError, match="sources not listed under sources"):
        load_rules(path)
