"""A county's programme file that names its hospitals for appendicitis, and the admissions
whose fixed fee and designation are computed by hand, shared by the tests of the three paths
(online, the year batch, claim files) and of the pathways.

Appendicitis (K35: county 4,500 yuan, township 3,000) is designated at the county's township
and county hospitals until 30 June 2017, then (from 1 July, ``valid_to`` exclusive) only at
the two hospitals the county names: H-COUNTY and H-TCM, in or out of the county."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from safetynet.programmes.rules import load_rules, shipped_rules

NATIONAL = shipped_rules()["national-2017"]
LEVELS = ("      - {levels: [township, county], in_county_only: true, valid_from: 2017-01-01, "
          "source: county-001}")  # fmt: skip
DATED = LEVELS.replace("2017-01-01,", "2017-01-01, valid_to: 2017-07-01,")
NAMED = "      - {institutions: [H-COUNTY, H-TCM], valid_from: 2017-07-01, source: county-001}"
BEFORE, FROM = dt.date(2017, 6, 30), dt.date(2017, 7, 1)
# (date, institution, level, in county, the fee by hand in fen; 0: settled on the bill)
CASES = [
    (BEFORE, "H-OTHER", "county", True, 450_000),  # any county hospital of the county
    (BEFORE, "H-TOWN", "township", True, 300_000),
    (FROM, "H-OTHER", "county", True, 0),  # not named
    (FROM, "H-TOWN", "township", True, 0),  # not named
    (FROM, "H-COUNTY", "county", True, 450_000),  # named
    (FROM, "H-TCM", "county", True, 450_000),  # named
    (BEFORE, "H-NEAR", "county", False, 0),  # out of the county: in_county_only
]


def county_file(tmp_path: Path, region: str, designations: str | None = None) -> Path:
    """The national file as a county's own (``region``), appendicitis designated as above
    (or by ``designations``)."""
    text = NATIONAL.read_text(encoding="utf-8")
    assert text.count(LEVELS) == 2  # appendicitis, then delivery
    text = text.replace(LEVELS, designations or f"{DATED}\n{NAMED}", 1)
    text = text.replace("id: national-2017", "id: county-2017", 1)
    text = text.replace("region: null", f'region: "{region}"', 1)
    path = tmp_path / "county-2017.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def use_county_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """The county's file beside the national one: the deployment's own programme file
    (``SAFETYNET_RULES_DIR``), for this test only."""
    load_rules(path)  # sound
    folder = path.parent / f"rules-{path.stem}" / "programmes"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("SAFETYNET_RULES_DIR", str(folder.parent))
