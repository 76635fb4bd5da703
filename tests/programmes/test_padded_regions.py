"""A county's own disease list (and a programme file's region) written with a short or a
padded 12-digit region code applies to the county's region codes in either spelling; the
serious-disease rule of early warning reads the lists the same way (one helper:
``safetynet.regions``)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from safetynet.early_warning.serious import Window
from safetynet.programmes.rules import load_rules, shipped_rules
from safetynet.regions import in_region

DAY = dt.date(2018, 6, 1)
SPELLINGS = ("341821", "341821000000")
# region code -> in Langxi county
CODES = {
    "341821100201": True,  # a village
    "341821100000": True,  # a township, padded
    "341821100": True,  # the same township, short
    "341821000000": True,  # the county, padded
    "341821": True,
    "341822100201": False,  # the next county's village
    "340000000000": False,  # the province: not within the county
}


@pytest.mark.parametrize("county", SPELLINGS)
def test_a_county_list_applies_to_its_codes_short_or_padded(county: str) -> None:
    rules = load_rules(shipped_rules()["national-2017"])
    langxi = rules.disease_list("langxi_15").model_copy(update={"region": county})
    assert {c: langxi.applies(c, DAY) for c in CODES} == CODES
    assert {c: in_region(c, county) for c in CODES} == CODES


def test_a_county_programme_file_short_or_padded_applies_to_its_codes() -> None:
    national = load_rules(shipped_rules()["national-2017"])
    for county in SPELLINGS:
        own = national.model_copy(update={"region": county})
        assert {c: own.applies(c, DAY) for c in CODES} == CODES


@pytest.mark.parametrize("county", SPELLINGS)
def test_the_serious_rule_reads_a_county_list_short_or_padded(county: str) -> None:
    window = Window("^(?:C910)", dt.date(2017, 1, 1), None, county)
    assert {c: window.matches("C91.0", DAY, c) for c in CODES} == CODES
    claims = pl.DataFrame(
        {"diagnosis": ["C910"] * len(CODES), "claim_date": [DAY] * len(CODES),
         "region_code": list(CODES)}
    )  # fmt: skip
    hit = claims.select(window.expr(pl.col("diagnosis"), pl.col("claim_date"))).to_series()
    assert dict(zip(CODES, hit.to_list(), strict=True)) == CODES
