"""A screening rule file applies to the claims of the persons of its region only: a county's
own rule (one it adds or overrides) to its county's claims, the province file it extends (as
it stands) to the province's other claims, nothing to a claim of neither region; a file
without a region to every claim. The same at the window (the settlement's check), in the
year's screening and in the scorecard. A malformed region is refused with file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, select, update

from safetynet.codes import RegionLevel
from safetynet.policy.tree import PolicyError
from safetynet.settlement.service import submit
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import Person, Region
from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.load import load_year
from safetynet.supervision.rules import load_rules
from safetynet.supervision.schema import RuleSet
from safetynet.supervision.screen import screen
from safetynet.supervision.service import batch_hits, year_scores
from tests.settlement.conftest import County, build_county
from tests.settlement.helpers import inpatient
from tests.supervision.helpers import claim, data, line

# the province's rules from 2017 (the test claims' year), region 34
PROVINCE = """\
extends: anhui-2021
id: test-province
region: {region}
valid_from: 2017-01-01
"""
# a county's own: a stricter out-of-catalog share (5 %, the province's 15 %) and a rule of its
# own (a second over-standard check, its severity a warning)
COUNTY = """\
extends: test-province
id: test-county
region: {region}
rules:
  - id: out-of-catalog-share
    params:
      max_share: {{value: 5, unit: percent}}
  - id: county-over-standard
    kind: over_standard_charge
    name: {{en: County over-standard check, zh: 县超标准收费检查}}
    severity: warn
    article: 38
    source: decree-735
    params:
      catalog_price_ceiling: true
      bed_day_codes: []
      hourly_codes: []
      max_hours_per_day: {{value: 24, unit: hour}}
"""


def _files(tmp_path: Path, province: str = '"34"', county: str = '"341821"') -> RuleSet:
    (tmp_path / "test-province.yaml").write_text(PROVINCE.format(region=province), "utf-8")
    path = tmp_path / "test-county.yaml"
    path.write_text(COUNTY.format(region=county), "utf-8")
    return load_rules(path)


LANGXI, GUANGDE, FUJIAN = "341821100201", "341822100201", "350102001001"


def _frames(share_fen: int, villages: dict[str, str | None]):  # type: ignore[no-untyped-def]
    claims = [claim(f"c-{p}", person=p, date="2017-06-01") for p in villages]
    lines = []
    for p in villages:
        lines += [
            line(f"c-{p}", "S0004", 2600, quantity=1),  # ceiling 2,500: over standard
            line(f"c-{p}", "OUT-OF-CATALOG", share_fen, item_class="C"),
            line(f"c-{p}", "D0001", 10_000 - 2600 - share_fen),
        ]
    persons = [{"person_id": p, "sex": "M", "village": v} for p, v in villages.items()]
    return data(claims, lines, persons)


def _hits(rules: RuleSet, inp) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = screen(rules, inp, check=False)
    return {(h["claim_no"], h["rule_id"]) for h in found.iter_rows(named=True)}


@pytest.mark.parametrize("county", ['"341821"', '"341821000000"'])
def test_a_county_rule_hits_its_county_and_the_province_rule_both(
    tmp_path: Path, county: str
) -> None:
    rules = _files(tmp_path, county=county)
    inp = _frames(1000, {"lx": LANGXI, "gd": GUANGDE, "fj": FUJIAN})  # 10 % out of catalog
    assert _hits(rules, inp) == {
        ("c-lx", "over-standard-charge"), ("c-gd", "over-standard-charge"),  # the province's
        ("c-lx", "county-over-standard"),  # the county's own rule: its county only
        ("c-lx", "out-of-catalog-share"),  # 10 % > the county's 5 %, not > the province's 15 %
    }  # fmt: skip
    twenty = _frames(2000, {"lx": LANGXI, "gd": GUANGDE, "fj": FUJIAN})  # 20 %: above both
    assert {h for h in _hits(rules, twenty) if h[1] == "out-of-catalog-share"} == {
        ("c-lx", "out-of-catalog-share"), ("c-gd", "out-of-catalog-share"),
    }  # fmt: skip


def test_the_named_files_validity_is_every_claims(tmp_path: Path) -> None:
    """The shipped county file starts in 2017, the province's on 2021-05-01: screening set up
    with the county's file screens a neighbouring county's 2017 claim with the province's
    rules from the county's date; with the province's file, not before its own date."""
    rules = load_rules("anhui-langxi-2021")
    inp = _frames(0, {"lx": LANGXI, "gd": GUANGDE, "fj": FUJIAN})
    both = {("c-lx", "over-standard-charge"), ("c-gd", "over-standard-charge")}
    assert _hits(rules, inp) == both
    assert _hits(load_rules("anhui-2021"), inp) == set()
    later = ScreenInput(inp.claims.with_columns(pl.lit(dt.date(2021, 5, 1)).alias("date")),
                        inp.lines, inp.persons)  # fmt: skip
    assert _hits(load_rules("anhui-2021"), later) == both


def test_a_file_without_a_region_screens_every_claim(tmp_path: Path) -> None:
    rules = _files(tmp_path, province="null", county="null")
    hits = _hits(rules, _frames(1000, {"lx": LANGXI, "fj": FUJIAN}))
    assert ("c-fj", "county-over-standard") in hits and ("c-fj", "out-of-catalog-share") in hits


def test_a_person_of_no_known_region_is_taken_as_of_the_files(tmp_path: Path) -> None:
    """A claim file without persons' villages: the file's own rules (as before)."""
    rules = _files(tmp_path)
    hits = _hits(rules, _frames(1000, {"xx": None}))  # type: ignore[dict-item]
    assert ("c-xx", "county-over-standard") in hits


def test_a_person_in_a_county_whose_code_only_starts_alike_is_not_of_it(tmp_path: Path) -> None:
    """341821 holds 341821100201 and not 3418211… of another length nor 34182 of a city."""
    rules = _files(tmp_path)
    assert rules.layer_of("341821") == 0 and rules.layer_of("341821000000") == 0
    assert rules.layer_of("341822") == 1 and rules.layer_of("341800000000") == 1
    assert rules.layer_of("350102") is None


@pytest.mark.parametrize(
    ("region", "what"),
    [('"34182"', "5 digits"), ('"3418a1"', "not a region code"), ("341821.5", "valid string"),
     ('"0000"', "no province"), ('""', "not a region code"), ('"3418210000001"', "13 digits")],
)  # fmt: skip
def test_a_malformed_region_is_refused_with_file_and_line(
    tmp_path: Path, region: str, what: str
) -> None:
    (tmp_path / "test-province.yaml").write_text(PROVINCE.format(region='"34"'), "utf-8")
    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: test-province\nid: bad\nregion: {region}\n", "utf-8")
    with pytest.raises(PolicyError) as refused:
        load_rules(path)
    text = str(refused.value)
    assert "bad.yaml:3" in text and "region" in text and what in text, text


# --- the database: the window's check and the year's screening and scorecard, both DBs ---


@pytest.fixture
def county(db_engine: Engine) -> County:
    with session_scope(db_engine) as s:
        return build_county(s)


WORKER = "340422100201"  # another county's village (the test county is 340421)


def _move_ordinary(engine: Engine, county: County) -> None:
    with session_scope(engine) as s:
        s.add_all([
            Region(code="34", name="省", level=RegionLevel.PROVINCE, parent_code=None),
            Region(code="340422", name="邻县", level=RegionLevel.COUNTY, parent_code="34"),
            Region(code="340422100", name="镇", level=RegionLevel.TOWNSHIP, parent_code="340422"),
            Region(code=WORKER, name="村", level=RegionLevel.VILLAGE, parent_code="340422100"),
        ])  # fmt: skip
        s.flush()
        s.execute(update(Region).where(Region.code == "340421").values(parent_code="34"))
        moved = update(Person).where(Person.resident_id == county.ordinary_id)
        s.execute(moved.values(region_code=WORKER))


def _stay(resident_id: str, c_amount: str) -> ClaimSubmission:
    """A 2017 stay of 10,000 yuan of which ``c_amount`` is a class C drug."""
    rest = 10_000 - int(c_amount)
    return inpatient(
        resident_id, discharge_date=dt.date(2017, 3, 6),
        items=[{"code": "BED", "amount": f"{rest}.00"}, {"code": "DRUG-C", "amount": c_amount}],
    )  # fmt: skip


def test_the_window_and_the_year_follow_the_files_regions(
    db_engine: Engine, county: County, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _move_ordinary(db_engine, county)
    rules = _files(tmp_path, county='"340421"')
    poor, other = _stay(county.poor_id, "1000"), _stay(county.ordinary_id, "1000")
    with session_scope(db_engine) as s:
        people = {p.resident_id: p for p in s.scalars(select(Person))}
        found = batch_hits(
            s, [(poor, people[county.poor_id]), (other, people[county.ordinary_id])], rules
        )
    # 10 %: above the county's 5 % (its own person), not the province's 15 % (the other)
    assert [f["rule_id"].to_list() for f in found] == [["out-of-catalog-share"], []]
    twenty = _stay(county.ordinary_id, "2000")
    with session_scope(db_engine) as s:
        person = s.scalar(select(Person).where(Person.resident_id == county.ordinary_id))
        (alone,) = batch_hits(s, [(twenty, person)], rules)
    assert alone["rule_id"].to_list() == ["out-of-catalog-share"]  # above 15 %: the province's
    assert "max_share_bp" in alone["facts"][0] and "1500" in alone["facts"][0]
    # settled (screening off), then the year: the same hits, and the scorecard's
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, poor, user="t")
        submit(s, other, user="t")
    with session_scope(db_engine) as s:
        year = load_year(s.connection(), None, 2017, rules)
        hits = screen(rules, year, check=False)
        assert sorted(hits["rule_id"].to_list()) == ["out-of-catalog-share"]
        poor_id = s.scalar(select(Person.id).where(Person.resident_id == county.poor_id))
        assert hits["person_id"].to_list() == [str(poor_id)]
        scored = year_scores(s, "34", 2017, rules=str(tmp_path / "test-county.yaml"))
        assert scored.claims == 2 and scored.hits["person_id"].to_list() == [str(poor_id)]

    # the scorecard's default is the county's rule set, the one the window screens with
    # (SAFETYNET_SCREENING_RULES), not the shipped file: the shipped county's 15 % flags none
    for setting, hit in ((str(tmp_path / "test-county.yaml"), [str(poor_id)]), ("", []),
                         ("off", [])):  # fmt: skip
        monkeypatch.setenv("SAFETYNET_SCREENING_RULES", setting)
        with session_scope(db_engine) as s:
            assert year_scores(s, "34", 2017).hits["person_id"].to_list() == hit, setting


def test_a_rule_the_county_inherits_unchanged_is_the_provinces_everywhere(tmp_path: Path) -> None:
    """The shipped county file writes only the out-of-catalog share: every other rule is the
    province's and screens its whole region; the share is the province's outside the
    county (the same 15 %), and a rule the county removes still screens outside it."""
    rules = load_rules("anhui-langxi-2021")
    outside = rules.layer(rules.layer_of(GUANGDE) or 0)
    assert outside is not None and outside.region == "34"
    assert [r.id for r in outside.rules] == [r.id for r in rules.rules]
    path = tmp_path / "county.yaml"
    path.write_text(
        'extends: anhui-2021\nid: c\nregion: "341821"\nvalid_from: 2017-01-01\n'
        "rules:\n  - id: over-standard-charge\n    remove: true\n", "utf-8"
    )  # fmt: skip
    removed = load_rules(path)
    assert _hits(removed, _frames(0, {"lx": LANGXI, "gd": GUANGDE})) == {
        ("c-gd", "over-standard-charge")
    }
