"""Clinical pathways and designated hospitals: the shipped pathways load; a bad pathway is
refused with its file, line and what is wrong; an admission's deviations by hand; the fixed fee
and the pathway agree on where the disease's hospitals are designated, at the dates the
designation starts and ends; the pathway rates of a small county by hand (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.codes import ClaimKind, InstitutionLevel, ItemClass, ItemKind
from safetynet.policy.loader import PolicyError
from safetynet.programmes import load
from safetynet.programmes.fixed_fee import fee_of_claim, fees_of
from safetynet.programmes.pathways import evaluate
from safetynet.programmes.rules import load_rules, rules_for, shipped_rules
from safetynet.programmes.schema import ProgrammeRules
from safetynet.programmes.service import rates
from safetynet.store.models import CatalogItem, Claim, ClaimItem, Institution
from tests.programmes.conftest import People
from tests.programmes.test_rates import programme
from tests.registry_imports.helpers import COUNTY

__all__ = ["programme"]

SHIPPED = shipped_rules()["national-2017"]
APPENDICITIS = ("- {levels: [township, county], in_county_only: true, valid_from: 2017-01-01, "
                "source: county-001}")  # fmt: skip


def _write(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "pathways.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line(path: Path, needle: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if needle in t)


def test_the_shipped_pathways() -> None:
    rules = load_rules(SHIPPED)
    assert [pw.id for pw in rules.pathways] == ["cataract", "appendicitis", "cholelithiasis",
                                                "delivery"]  # fmt: skip
    # every fixed fee has its pathway; the stays are L (recalled), the designation seed 001's
    assert {f.code for f in rules.fixed_fees} == {pw.code for pw in rules.pathways}
    assert all(rules.sources[pw.stay.source].confidence == "recalled" for pw in rules.pathways)
    assert {rules.sources[d.source].confidence for pw in rules.pathways
            for d in pw.designated} == {"doc"}  # fmt: skip
    assert rules.pathway("K35.8") is not None and rules.pathway("K35.8").id == "appendicitis"
    assert rules.pathway("J18.9") is None


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("stay: {min_days: 2, max_days: 7", "stay: {min_days: 9, max_days: 7", "min_days: 9",
         "min_days must not exceed max_days"),
        ("required_items: [service]", "required_items: [surgery]", "[surgery]",
         "Input should be 'drug', 'service' or 'material'"),
        (APPENDICITIS, APPENDICITIS.replace("2017-01-01,", "2017-01-01, valid_to: 2016-06-01,"),
         "2016-06-01", "valid_to must be after valid_from"),
        ("    code: K35\n", "    code: K99.9\n", "K99.9", "'K99.9' is not an ICD-10 code"),
        ("stay: {min_days: 2, max_days: 7, source: pathway-practice}",
         "stay: {min_days: 2, max_days: 7, source: pathway-practise}", "pathway-practise",
         "sources not listed under sources: ['pathway-practise']"),
    ],
)  # fmt: skip
def test_a_bad_pathway_is_refused_with_its_line(
    tmp_path: Path, old: str, new: str, needle: str, message: str
) -> None:
    path = _write(tmp_path, old, new)
    with pytest.raises(PolicyError) as err:
        load_rules(path)
    text = str(err.value)
    assert message in text
    if "sources not listed" not in message:  # a whole-file check names the file
        assert f"pathways.yaml:{_line(path, needle)}" in text
    assert "pathways.yaml" in text


def test_a_fixed_fee_without_a_pathway_or_overlapping_designations_are_refused(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "  - id: cholelithiasis\n    code: K80\n",
                  "  - id: cholelithiasis\n    code: K81\n")  # fmt: skip
    with pytest.raises(PolicyError, match=r"fixed fees without a pathway .*\['K80'\]"):
        load_rules(path)
    twice = f"{APPENDICITIS}\n      {APPENDICITIS.replace('2017-01-01', '2017-06-01')}"
    with pytest.raises(PolicyError, match="designations overlap"):
        load_rules(_write(tmp_path, APPENDICITIS, twice))


def _admissions(**cols: list[object]) -> pl.DataFrame:
    n = len(cols["diagnosis"])
    base: dict[str, list[object]] = {
        "claim_id": list(range(1, n + 1)), "person_id": [1] * n, "kind": ["inpatient"] * n,
        "level": ["county"] * n, "in_county": [True] * n, "institution_code": ["H-C"] * n,
        "start_date": [date(2017, 5, 1)] * n,
        "total_fen": [100_000] * n, "item_kinds": [None] * n,
    }  # fmt: skip
    base |= cols
    if "end_date" not in cols:
        base["end_date"] = [d + timedelta(days=3) for d in base["start_date"]]  # type: ignore[operator]
    return pl.DataFrame(base, schema_overrides={"item_kinds": pl.List(pl.String)})


def test_deviations_by_hand() -> None:
    rules = rules_for("340421", date(2017, 5, 1))
    day = date(2017, 5, 1)
    frame = evaluate(rules, _admissions(
        diagnosis=["H25.1", "H25.1", "K35.8", "K80.2", "O80", "J18.9", "K35"],
        level=["county", "county", "county", "county", "township", "county", "county"],
        in_county=[True, True, False, True, True, True, True],
        end_date=[day + timedelta(days=d) for d in (3, 3, 3, 11, 0, 3, 7)],
        total_fen=[350_000, 350_001, 900_000, 500_000, 100_000, 1, 450_000],
        item_kinds=[["material", "service"], ["drug", "service"], None, None, ["service"],
                    None, None],
    ))  # fmt: skip
    got = {r["claim_id"]: (r["pathway"], r["reasons"], r["fee_fen"], r["stay_days"])
           for r in frame.to_dicts()}  # fmt: skip
    assert got == {
        # cataract at the county hospital, 3 days (1-7), exactly the 3,500 fee, lens and
        # operation: completed
        1: ("cataract", [], 350_000, 3),
        # one fen over the fee and no lens on the bill
        2: ("cataract", ["over_fixed_fee", "missing_items"], 350_000, 3),
        # appendicitis at a county-level hospital outside the county: not designated, no fee
        # (settled on the bill), so not "over the fee" either
        3: ("appendicitis", ["not_designated"], None, 3),
        # gallstones 11 days (2-10)
        4: ("cholelithiasis", ["stay_too_long"], 800_000, 11),
        # a delivery discharged the day of admission (1-4 days) at a township hospital
        5: ("delivery", ["stay_too_short"], 120_000, 0),
        # appendicitis, 7 days (the upper bound) and the fee exactly: completed; pneumonia has
        # no pathway
        7: ("appendicitis", [], 450_000, 7),
    }
    assert frame.filter(pl.col("claim_id") == 2)["missing_items"].to_list() == [["material"]]
    assert frame["completed"].to_list() == [True, False, False, False, False, True]


def test_designation_dates_at_the_boundaries(tmp_path: Path) -> None:
    # appendicitis designated only from 1 January 2018 to 1 January 2019 (exclusive)
    dated = APPENDICITIS.replace("2017-01-01,", "2018-01-01, valid_to: 2019-01-01,")
    rules = load_rules(_write(tmp_path, APPENDICITIS, dated))

    def rules_of(region: str, on: dt.date) -> ProgrammeRules:
        return rules

    days = [date(2017, 12, 31), date(2018, 1, 1), date(2018, 12, 31), date(2019, 1, 1)]
    claims = _admissions(diagnosis=["K35.8"] * 4, start_date=days, total_fen=[400_000] * 4)
    with_keys = claims.with_columns(pl.col("start_date").alias("date"),
                                    pl.lit("340421").alias("region_code"))  # fmt: skip
    want = [0, 450_000, 450_000, 0]
    assert fees_of(with_keys, rules_of).to_list() == want  # batch and claim files
    assert [fee_of_claim("inpatient", "county", True, "H-C", "K35.8", d, "340421", rules_of)
            for d in days] == want  # online  # fmt: skip
    frame = evaluate(rules, claims)
    assert frame["designated"].to_list() == [False, True, True, False]
    assert frame["reasons"].to_list() == [["not_designated"], [], [], ["not_designated"]]


@pytest.fixture
def pathways_county(programme: Session, people: People) -> Session:
    """The rates' county plus: poor's cataract at the county hospital (3 days, 3,000 yuan,
    operation and lens) and gallstones at a county-level hospital outside the county (5 days,
    9,000 yuan); costly's delivery at the county hospital after verification (6 days, 1,500
    yuan, drugs only)."""
    s, ids = programme, people.ids
    s.add_all([
        Institution(code="H-OUT", name="Neighbouring county hospital",
                    level=InstitutionLevel.COUNTY, in_county=False),
        CatalogItem(code="PW-OP", name="手术", kind=ItemKind.SERVICE, item_class=ItemClass.A),
        CatalogItem(code="PW-IOL", name="人工晶体", kind=ItemKind.MATERIAL,
                    item_class=ItemClass.B),
        CatalogItem(code="PW-DRUG", name="缩宫素", kind=ItemKind.DRUG, item_class=ItemClass.A),
    ])  # fmt: skip
    s.flush()
    claims = [
        ("C20", "poor", "H-COUNTY", "H25.1", date(2017, 6, 1), 3, 300_000, ["PW-OP", "PW-IOL"]),
        ("C21", "poor", "H-OUT", "K80.2", date(2017, 7, 1), 5, 900_000, []),
        ("C22", "costly", "H-COUNTY", "O80", date(2017, 10, 1), 6, 150_000, ["PW-DRUG"]),
    ]
    for no, who, inst, code, day, stay, fen, items in claims:
        c = Claim(claim_no=no, person_id=ids[who], institution_code=inst,
                  kind=ClaimKind.INPATIENT, start_date=day, end_date=day + timedelta(days=stay),
                  diagnosis_code=code, total_fen=fen)  # fmt: skip
        s.add(c)
        s.flush()
        s.add_all(ClaimItem(claim_id=c.id, item_code=i, amount_fen=fen // len(items))
                  for i in items)  # fmt: skip
    s.commit()
    return s


def test_pathway_rates_by_hand(pathways_county: Session) -> None:
    s = pathways_county
    claims = load.claims_of_year(s, 2017)  # with the kinds of their items
    reasons = {r["total_fen"]: r["reasons"] for r in
               evaluate(rules_for(COUNTY, date(2017, 12, 31)), claims).to_dicts()}  # fmt: skip
    assert reasons == {
        300_000: [],  # C20 cataract: completed
        900_000: ["not_designated"],  # C21 gallstones outside the county
        150_000: ["stay_too_long", "missing_items"],  # C22 delivery: 6 days (1-4), no service
        520_000: ["over_fixed_fee"],  # C9 poor_b's appendicitis, 5,200 over 4,500
        400_000: [],  # C10 ordinary's appendicitis, 4 days, 4,000 within 4,500
    }
    got = {(r["indicator"], r["part"]): (r["numerator"], r["denominator"])
           for r in rates(s, 2017, COUNTY).to_dicts() if r["indicator"].startswith(
               ("pathway_", "fixed_fee_"))}  # fmt: skip
    assert got == {
        # serious (poor): C20 completed, C21 deviates (not designated)
        ("pathway_entered", "serious"): (2, 2),
        ("pathway_completion_rate", "serious"): (1, 2),
        ("pathway_deviation_rate", "serious"): (1, 2),
        ("pathway_designated_share", "serious"): (1, 2),
        # chronic (poor and poor_b): C20, C21 and C9 (over the fee, at a designated hospital)
        ("pathway_entered", "chronic"): (3, 3),
        ("pathway_completion_rate", "chronic"): (1, 3),
        ("pathway_deviation_rate", "chronic"): (2, 3),
        ("pathway_designated_share", "chronic"): (2, 3),
        # critical (costly, verified 10 September): C22 deviates, at a designated hospital
        ("pathway_entered", "critical"): (1, 1),
        ("pathway_completion_rate", "critical"): (0, 1),
        ("pathway_deviation_rate", "critical"): (1, 1),
        ("pathway_designated_share", "critical"): (1, 1),
        # the whole: a person in two batches counts under each
        ("pathway_entered", None): (6, 6),
        ("pathway_completion_rate", None): (2, 6),
        ("pathway_deviation_rate", None): (4, 6),
        ("pathway_designated_share", None): (4, 6),
        # priced at designated hospitals only (C21 is settled on its bill): C9 5,200 + C10
        # 4,000 + C20 3,000 + C22 1,500 against 4,500 + 4,500 + 3,500 + 2,000; overrun C9's 700
        ("fixed_fee_cost_ratio", None): (1_370_000, 1_450_000),
        ("fixed_fee_overrun", None): (70_000, 1),
    }
    township = rates(s, 2017, COUNTY, level="township", by_month=True).filter(
        pl.col("indicator") == "pathway_entered", pl.col("part").is_null()
    )
    months = dict(zip(township["period"], township["numerator"], strict=True))
    # June: C20 (serious + chronic); July: C21 (both); September: C9; October: C22
    assert {m.month: n for m, n in months.items()} == {6: 2, 7: 2, 9: 1, 10: 1}


def test_the_pathways_command(db_engine: Engine, pathways_county: Session, tmp_path: Path) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    out = tmp_path / "deviations.csv"
    args = ["programmes", "pathways", "--year", "2017", "--lang", "en", "--db", url]
    result = CliRunner().invoke(app, [*args, "--deviations", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 admissions, 0 completed" in result.output
    frame = pl.read_csv(out)
    # patients' deviating admissions: C20 completed, C10 is not a patient's
    assert dict(zip(frame["claim_no"], frame["reasons"], strict=True)) == {
        "C21": "not_designated", "C9": "over_fixed_fee", "C22": "stay_too_long;missing_items",
    }  # fmt: skip
    everyone = CliRunner().invoke(app, [*args, "--everyone"])
    assert everyone.exit_code == 0, everyone.output
    assert "5 admissions, 2 completed" in everyone.output
    zh = CliRunner().invoke(
        app, [*args[:-4], "--lang", "zh_Hans", "--db", url, "--deviations"], env={"COLUMNS": "300"}
    )
    assert "非定点医院" in zh.output and "not_designated" not in zh.output
    assert "临床路径" in zh.output
    assert "Deviations" not in zh.output and "completed" not in zh.output
