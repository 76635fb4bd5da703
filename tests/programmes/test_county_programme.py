"""A county's own programme file is the one in force for its persons, whoever reads it (as
settlement chooses a county's own policy, safetynet.policy.in_force): the contract import
(its packages' fees and the contract's term), the screening at any level (a city's
screening takes the county's own lists for the county's persons) and the serious-disease
rule of early warning (the county's own lists, not the national file's, for its
households), the worklist (the county's package's services). The county's file here
differs from the national one: the chronic package costs 30 yuan and delivers no drugs, a
contract runs 24 months, the serious batch has its own list (K80) and not the national 30
(C73). SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.early_warning import serious
from safetynet.programmes import rules as programme_rules
from safetynet.programmes.patients import screen_year
from safetynet.programmes.worklist import contract_view, due_list
from safetynet.store.models import DoctorContract, ProgrammePatient, Region
from tests.programmes.conftest import People, _claim
from tests.programmes.helpers import load_programme
from tests.registry_imports.helpers import COUNTY

CITY = "341800000000"
OWN = "county_341821"


@pytest.fixture
def own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shipped national file and a county file of the test county (341821) beside it."""
    national = programme_rules.shipped_rules()["national-2017"]
    data = yaml.safe_load(national.read_text(encoding="utf-8"))
    data.update(id=OWN, region="341821", title_en="The county's own programme")
    lists = data["batches"][0]["lists"]
    data["batches"][0]["lists"] = [dl for dl in lists if dl["id"] != "national_30"] + [{
        "id": "county_own", "title_en": "The county's own list", "title_zh": "本县大病",
        "source": lists[0]["source"], "valid_from": dt.date(2017, 1, 1),
        "designated_levels": ["county", "city", "province"],
        "diseases": [{"code": "K80", "name_zh": "胆石症", "name_en": "Cholelithiasis"}],
    }]  # fmt: skip
    chronic = next(p for p in data["packages"] if p["id"] == "chronic")
    chronic["fee"] = 30
    chronic["services"] = [s for s in chronic["services"] if s["kind"] != "drug_delivery"]
    data["contracts"]["term_months"] = 24
    folder = tmp_path / "programme-files"
    folder.mkdir()
    (folder / national.name).write_text(national.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "county-341821.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    monkeypatch.setattr(programme_rules, "FILES", folder)
    yield


def _in_a_city(county: Session) -> None:
    county.add(Region(code=CITY, name="Test city", level=RegionLevel.CITY))
    county.flush()
    county.get(Region, COUNTY).parent_code = CITY  # type: ignore[union-attr]
    county.flush()


def test_the_county_file_is_the_one_in_force_for_its_regions(own_file: None) -> None:
    day = dt.date(2017, 6, 1)
    assert programme_rules.rules_for("341821100201", day).id == OWN
    assert programme_rules.rules_for("340100000000", day).id == "national-2017"


def test_contracts_are_imported_by_the_persons_county_file(
    own_file: None, county: Session, people: People, tmp_path: Path
) -> None:
    load_programme(county, people, tmp_path)
    contracts = {c.person_id: c for c in county.scalars(select(DoctorContract)).all()}
    poor, ordinary = contracts[people.ids["poor"]], contracts[people.ids["ordinary"]]
    assert poor.valid_to == dt.date(2019, 1, 1)  # the county's term: 24 months
    assert (ordinary.free, ordinary.fee_fen) == (False, 3000)  # the county's 30 yuan


def test_a_citys_screening_takes_the_county_files_lists(
    own_file: None, county: Session, people: People
) -> None:
    _in_a_city(county)
    county.add(_claim(90, people.ids["poor_b"], "K80.2", dt.date(2017, 10, 1), 800_000))
    county.flush()
    screen_year(county, 2017, CITY, by="test")
    rows = county.scalars(
        select(ProgrammePatient).where(ProgrammePatient.person_id == people.ids["poor_b"],
                                       ProgrammePatient.batch == "serious")
    ).all()  # fmt: skip
    assert [(p.list_id, p.disease_code, p.rules) for p in rows] == [("county_own", "K80.2", OWN)]


def test_the_serious_disease_rule_reads_the_county_file(own_file: None) -> None:
    claims = pl.DataFrame(
        {
            "diagnosis": ["K80.2", "K80.2", "C73", "C73"],
            "claim_date": [dt.date(2021, 3, 1)] * 4,
            "region_code": ["341821100201", "340100000000", "341821100201", "340100000000"],
            "age": [50] * 4,
        }
    )
    hits = claims.select(serious.expr("serious").alias("hit")).get_column("hit").to_list()
    # K80 is the county's own list, C73 (the national 30, from 2020) the national file's only
    assert hits == [True, False, False, True]
    windows = serious.windows("serious")
    one = [any(w.matches(c, d, r, a) for w in windows) for c, d, r, a in claims.iter_rows()]
    assert one == hits


def test_the_worklist_plans_by_the_persons_county_file(
    own_file: None, county: Session, people: People, tmp_path: Path
) -> None:
    load_programme(county, people, tmp_path)
    _in_a_city(county)
    on = dt.date(2017, 6, 20)  # the second quarter's follow-ups fall due on 1 July
    contract = county.scalars(
        select(DoctorContract).where(DoctorContract.person_id == people.ids["poor"])
    ).one()
    assert set(contract_view(county, contract, on).record) == {"health_check", "follow_up"}
    for region in (CITY, COUNTY, "341821100201"):
        kinds = {r["kind"] for r in due_list(county, region, on)}
        assert kinds and "drug_delivery" not in kinds
