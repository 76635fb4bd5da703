"""Named designated hospitals (``institutions:`` in a pathway's designation): the loader
refuses a malformed code (and a designation naming nothing) at its file and line; an unknown
code is reported at its file and line against the database's institutions (``safetynet
programmes check``); by hand at the dates the named designation starts, the fixed fee
(the batch's and claim files' frame, and online's one claim) and the pathway's
``not_designated`` agree; the dashboard's pathway table names the hospitals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.codes import InstitutionLevel
from safetynet.policy.loader import PolicyError
from safetynet.programmes.fixed_fee import fee_of_claim, fees_of
from safetynet.programmes.named import unknown_institutions
from safetynet.programmes.pathways import evaluate
from safetynet.programmes.rules import load_rules
from safetynet.programmes.schema import ProgrammeRules
from safetynet.reports.programme_tables import pathway_table
from safetynet.store.models import Institution
from tests.programmes.named import CASES, DATED, NAMED, county_file, use_county_file


def _line(path: Path, needle: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if needle in t)


def test_a_named_designation_loads(tmp_path: Path) -> None:
    rules = load_rules(county_file(tmp_path, "340421"))
    pw = rules.pathway("K35.8")
    assert pw is not None
    named = pw.designation(dt.date(2017, 7, 1))
    assert named is not None and named.institutions == ["H-COUNTY", "H-TCM"]
    assert named.levels == [] and not named.in_county_only
    assert pw.designation(dt.date(2017, 6, 30)).institutions == []  # type: ignore[union-attr]


@pytest.mark.parametrize(("named", "message"), [
    ("[H COUNTY]", "should match pattern"),  # a space
    ("[34152201]", "valid string"),  # a YAML number: write it quoted
    ("[县人民医院]", "should match pattern"),  # a name, not a code
    ("[H-COUNTY, H-COUNTY]", "named twice"),
    ("[]", "needs levels or institutions"),
])  # fmt: skip
def test_a_malformed_code_is_refused_with_its_line(tmp_path: Path, named: str,
                                                   message: str) -> None:  # fmt: skip
    path = county_file(tmp_path, "340421",
                       f"{DATED}\n{NAMED.replace('[H-COUNTY, H-TCM]', named)}")  # fmt: skip
    with pytest.raises(PolicyError, match=message) as err:
        load_rules(path)
    line = _line(path, "institutions:")
    assert f"county-2017.yaml:{line}:" in str(err.value)


def test_an_unknown_code_is_reported_with_its_line(tmp_path: Path) -> None:
    path = county_file(tmp_path, "340421")
    assert unknown_institutions(path, {"H-COUNTY", "H-TCM"}) == []
    (problem,) = unknown_institutions(path, {"H-COUNTY"})
    assert (problem.file, problem.line) == ("county-2017.yaml", _line(path, "H-TCM"))
    assert "'H-TCM'" in problem.message and "institutions" in problem.path


def test_the_check_command(db_engine: Engine, tmp_path: Path) -> None:
    path = county_file(tmp_path, "340421")
    with Session(db_engine) as s:
        s.add(Institution(code="H-COUNTY", name="县人民医院", level=InstitutionLevel.COUNTY,
                          in_county=True))  # fmt: skip
        s.commit()
    url = db_engine.url.render_as_string(hide_password=False)
    res = CliRunner().invoke(app, ["programmes", "check", str(path), "--db", url])
    assert res.exit_code == 1
    assert f"county-2017.yaml:{_line(path, 'H-TCM')}:" in res.output
    assert "no institution has code 'H-TCM'" in res.output
    with Session(db_engine) as s:
        s.add(Institution(code="H-TCM", name="县中医院", level=InstitutionLevel.COUNTY,
                          in_county=True))  # fmt: skip
        s.commit()
    res = CliRunner().invoke(app, ["programmes", "check", str(path), "--db", url])
    assert res.exit_code == 0, res.output
    assert "1 programme files" in res.output


def test_fee_and_pathway_at_named_hospitals_by_hand(tmp_path: Path) -> None:
    rules = load_rules(county_file(tmp_path, "340421"))

    def rules_of(region: str, on: dt.date) -> ProgrammeRules:
        return rules

    n = len(CASES)
    claims = pl.DataFrame({
        "claim_id": list(range(1, n + 1)), "person_id": [1] * n, "kind": ["inpatient"] * n,
        "level": [c[2] for c in CASES], "in_county": [c[3] for c in CASES],
        "institution_code": [c[1] for c in CASES], "diagnosis": ["K35.8"] * n,
        "start_date": [c[0] for c in CASES], "end_date": [c[0] + dt.timedelta(days=3)
                                                       for c in CASES],
        "total_fen": [400_000] * n, "item_kinds": [None] * n,
    }, schema_overrides={"item_kinds": pl.List(pl.String)})  # fmt: skip
    want = [c[4] for c in CASES]
    keyed = claims.with_columns(pl.col("start_date").alias("date"),
                                pl.lit("340421").alias("region_code"))  # fmt: skip
    assert fees_of(keyed, rules_of).to_list() == want  # the year batch and claim files
    assert [fee_of_claim("inpatient", lv, ic, inst, "K35.8", day, "340421", rules_of)
            for day, inst, lv, ic, _ in CASES] == want  # online  # fmt: skip
    frame = evaluate(rules, claims)  # the pathway: the same definition
    assert frame["designated"].to_list() == [bool(f) for f in want]
    assert frame["fee_fen"].to_list() == [f or None for f in want]
    assert [("not_designated" in r) for r in frame["reasons"].to_list()] == [not f for f in want]


def test_the_pathway_table_names_the_hospitals(
    db_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_county_file(monkeypatch, county_file(tmp_path, "340421"))
    with Session(db_engine) as s:
        s.add(Institution(code="H-COUNTY", name="县人民医院", level=InstitutionLevel.COUNTY,
                          in_county=True))  # fmt: skip
        s.commit()
        table = pathway_table(s, "340421", 2017, "zh_Hans")
    assert table is not None
    row = next(r for r in table.rows if "(K35)" in str(r[0]))
    assert row[2] == "县人民医院、H-TCM"  # on 31 December: the named period; H-TCM not known
