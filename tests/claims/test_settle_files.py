"""`safetynet settle`, `simulate` and `resettle` on claim files, through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from safetynet.claims.fileformat import read_claim_file
from safetynet.claims.prepare import engine_input
from safetynet.claims.settle_file import settle_claims
from safetynet.cli.main import app
from safetynet.engine.facts import ClaimFacts
from safetynet.engine.online import Accumulators, settle_one
from safetynet.indicators.oop_bands import BAND_HEADING
from safetynet.money import to_fen
from safetynet.simulation.compare import Comparison, compare
from tests.claims.helpers import POOR, claim, write_jsonl, year_of_claims
from tests.engine.helpers import policy

EXAMPLES = Path(__file__).parents[2] / "examples"
BASE_EN = "Anhui comprehensive medical security for the rural poor (2017)"
BASE_ZH = "安徽省农村贫困人口综合医疗保障（2017）"
NAMES_EN = {  # the comparison's keys as the English workbook names them
    "basic": "Basic medical insurance", "critical": "Critical illness insurance",
    "assistance": "Medical assistance", "backstop": 'Government backstop ("351")',
    "supplement_180": 'Chronic-disease outpatient supplement ("180")',
    "out_of_pocket": "Patients (out of pocket)",
    "compensation_ratio": "Actual compensation ratio",
    "compensation_ratio_poor": "Actual compensation ratio of the poor",
    "inpatient_compensation_ratio_poor": "Actual inpatient compensation ratio of the poor",
    "policy_range_ratio": "Policy-range compensation ratio",
    "median": "median", "90th percentile": "90th percentile", "99th percentile": "99th percentile",
    "highest": "highest",
}  # fmt: skip
runner = CliRunner()


def flat(text: str) -> str:
    """Terminal output with Rich's line wrapping undone."""
    return " ".join(text.split())


def test_settle_writes_every_layer_and_balances(tmp_path: Path) -> None:
    claims = write_jsonl(tmp_path / "c.jsonl", year_of_claims())
    out = tmp_path / "r.jsonl"
    result = runner.invoke(
        app, ["settle", "-p", "anhui-poor-2017", "-c", str(claims), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["claim_no"] for r in rows] == [f"C0{i}" for i in range(1, 7)]
    for r in rows:
        layers = sum(to_fen(layer["paid"]) for layer in r["layers"].values())
        assert layers + to_fen(r["out_of_pocket"]) + to_fen(r["institution_borne"]) == to_fen(
            r["total"]
        )
    # the poor inpatient at the county hospital: basic insurance 85 % after a 250 deductible
    first = rows[0]["layers"]["basic"]
    assert first == {"paid": f"{(18000 - 250) * 0.85:.2f}", "rule": "inpatient_poor"}


def test_parquet_results_equal_json_results(tmp_path: Path) -> None:
    claims = write_jsonl(tmp_path / "c.jsonl", year_of_claims())
    for out in ("r.jsonl", "r.parquet"):
        assert (
            runner.invoke(
                app,
                ["settle", "-p", "anhui-poor-2017", "-c", str(claims), "-o", str(tmp_path / out)],
            ).exit_code
            == 0
        )
    pq = pl.read_parquet(tmp_path / "r.parquet")
    js = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert pq["out_of_pocket_fen"].to_list() == [to_fen(r["out_of_pocket"]) for r in js]
    assert pq["pay_critical"].to_list() == [to_fen(r["layers"]["critical"]["paid"]) for r in js]


def test_file_settlement_equals_online_claim_by_claim(tmp_path: Path) -> None:
    """The service's batch path and the window's online path agree to the fen."""
    cp = policy("anhui-poor-2017")
    path = write_jsonl(tmp_path / "c.jsonl", year_of_claims())
    batch = settle_claims(cp, path)
    prepared = engine_input(read_claim_file(path), cp).sort("household_id", "date", "seq")
    acc: dict[str, Accumulators] = {}
    for r in prepared.iter_rows(named=True):
        facts = ClaimFacts.from_columns(r)
        # a household shares the household pools, each person has their own
        key = r["household_id"]
        person_acc = acc.get(r["person_id"]) or Accumulators.empty(cp)
        household_acc = acc.get(key) or Accumulators.empty(cp)
        s = settle_one(cp, facts, Accumulators(person_acc.person, household_acc.household))
        acc[r["person_id"]] = s.accumulators
        acc[key] = s.accumulators
        row = batch.filter(pl.col("claim_no") == r["claim_no"]).row(0, named=True)
        assert s.out_of_pocket_fen == row["out_of_pocket_fen"]
        for layer in s.layers:
            assert layer.paid_fen == row[f"pay_{layer.layer_id}"], (r["claim_no"], layer)


def test_rejected_file_settles_nothing(tmp_path: Path) -> None:
    claims = year_of_claims()
    claims[3]["level"] = "moon"
    path = write_jsonl(tmp_path / "c.jsonl", claims)
    out = tmp_path / "r.jsonl"
    result = runner.invoke(
        app, ["settle", "-p", "anhui-poor-2017", "-c", str(path), "-o", str(out), "--lang", "en"]
    )
    assert result.exit_code == 2
    assert "line 4: level: must be one of" in flat(result.output)
    chinese = runner.invoke(app, ["settle", "-p", "anhui-poor-2017", "-c", str(path)])
    assert "第4行: level: 须为以下之一" in flat(chinese.output)
    assert not out.exists()


def test_claims_outside_the_policy_period_are_rejected(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [claim("Z", "P1", "2016-12-31")])
    result = runner.invoke(
        app, ["settle", "-p", "anhui-poor-2017", "-c", str(path), "--lang", "en"]
    )
    assert result.exit_code == 2
    assert "line 1: date: outside policy anhui-poor-2017" in flat(result.output)


def test_example_file_settles() -> None:
    cp = policy("anhui-poor-2017")
    results = settle_claims(cp, EXAMPLES / "claims-anhui-2017.jsonl")
    assert results.height == 8
    paid = sum(int(results[c].sum()) for c in results.columns if c.startswith("pay_"))
    assert paid + int(results["out_of_pocket_fen"].sum()) + int(
        results["deducted_fen"].sum()
    ) == int(results["total_fen"].sum())


def test_the_shipped_reform_changes_the_shipped_claims(tmp_path: Path) -> None:
    """Issue 12.12: the example reform must show something on the example claims."""
    claims = EXAMPLES / "claims-anhui-2017.jsonl"
    reform = EXAMPLES / "reform-anhui-2017-inpatient-plus5.yaml"
    base = settle_claims(policy("anhui-poor-2017"), claims)
    after = settle_claims(policy(str(reform)), claims)
    cmp = compare(base, after, 1_000_000)
    change = dict(zip(cmp.layers["layer"], cmp.layers["change_fen"], strict=True))
    assert change["basic"] > 0 and change["out_of_pocket"] < 0
    ratios = dict(zip(cmp.ratios["measure"], cmp.ratios["change"], strict=True))
    assert ratios["policy_range_ratio"] > 0 and ratios["compensation_ratio"] > 0
    result = runner.invoke(
        app,
        ["simulate", "-b", "anhui-poor-2017", "-r", str(reform), "-c", str(claims), "--lang", "en"],
    )
    assert result.exit_code == 0, result.output
    assert f"{ratios['policy_range_ratio'] * 100:+.2f} pp" in result.output


def test_simulate_reform_raises_basic_spending_only_for_residents(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", year_of_claims())
    xlsx = tmp_path / "cmp.xlsx"
    result = runner.invoke(
        app,
        [
            "simulate",
            "-b",
            "anhui-poor-2017",
            "-r",
            str(EXAMPLES / "reform-anhui-2017-inpatient-plus5.yaml"),
            "-c",
            str(path),
            "--xlsx",
            str(xlsx),
            "--catastrophic",
            "5000",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    base = settle_claims(policy("anhui-poor-2017"), path)
    reform = settle_claims(policy(str(EXAMPLES / "reform-anhui-2017-inpatient-plus5.yaml")), path)
    ordinary = pl.col("claim_no").is_in(["C04", "C06"])
    assert (reform.filter(ordinary)["pay_basic"] > base.filter(ordinary)["pay_basic"]).all()
    assert (
        reform.filter(~ordinary)["pay_basic"].to_list()
        == base.filter(~ordinary)["pay_basic"].to_list()
    )
    cmp = compare(base, reform, 500_000)
    _assert_comparison_workbook(openpyxl.load_workbook(xlsx), cmp)


def _approx(value: object) -> object:
    return pytest.approx(value) if isinstance(value, float) else value


ENGLISH_HEADERS = {
    "Spending by layer": ("Layer", "Base (yuan)", "Reform (yuan)", "Change (yuan)"),
    "Ratios": ("Measure", "Base", "Reform", "Change"),
    "Out-of-pocket": (BAND_HEADING, "Base (persons)", "Reform (persons)"),
    "OOP percentiles": ("Percentile", "Base (yuan)", "Reform (yuan)"),
    "Catastrophic": ("Group", "Base (persons)", "Reform (persons)"),
}
CHINESE_HEADERS = {
    "各保障层次支出": ("保障层次", "基线（元）", "改革方案（元）", "变化（元）"),
    "补偿比": ("指标", "基线", "改革方案", "变化"),
    "个人自付": ("年度个人自付（元；分段含下限、不含上限）", "基线（人）", "改革方案（人）"),
    "个人自付分位数": ("分位数", "基线（元）", "改革方案（元）"),
    "灾难性支出": ("人群", "基线（人）", "改革方案（人）"),
}


def _assert_comparison_workbook(book: openpyxl.Workbook, cmp: Comparison) -> None:
    """Every sheet: the title, the note, a blank row, the headers (labels: money in yuan), the
    frame's values — yuan from fen, ratios as fractions shown as percentages, counts."""
    sheets = list(ENGLISH_HEADERS)
    assert book.sheetnames == sheets
    frames = [cmp.layers, cmp.ratios, cmp.oop_bands, cmp.oop_percentiles, cmp.catastrophic]
    for name, frame in zip(sheets, frames, strict=True):
        rows = list(book[name].iter_rows(values_only=True))
        assert rows[0][0].startswith(f"{BASE_EN} → ") and rows[0][0].endswith(" on c.jsonl")
        assert rows[1][0] and rows[2] == (None,) * frame.width
        assert rows[3] == ENGLISH_HEADERS[name]
        yuan = frame.with_columns(pl.col(c) / 100 for c in frame.columns if c.endswith("_fen"))
        yuan = yuan.with_columns(pl.col(c) * 100 for c in frame.columns if c == "change")  # pp
        named = [c for c in ("layer", "measure", "percentile") if c in frame.columns]
        yuan = yuan.with_columns(
            pl.col(c).replace_strict(NAMES_EN, default=pl.col(c)) for c in named
        )
        approx = [tuple(_approx(v) for v in row) for row in yuan.iter_rows()]
        assert rows[4:] == approx, name
    assert "5,000 yuan" in book["Catastrophic"]["A2"].value
    formats = {
        "Spending by layer": {"A5": "General", "B5": "#,##0.00", "D5": "#,##0.00"},
        "Ratios": {"B5": "0.00%", "C5": "0.00%", "D5": '+0.00" pp";-0.00" pp";0.00" pp"'},
        "Out-of-pocket": {"B5": "#,##0", "C5": "#,##0"},
        "OOP percentiles": {"B5": "#,##0.00", "C5": "#,##0.00"},
        "Catastrophic": {"B5": "#,##0", "C5": "#,##0"},
    }
    for name, cells in formats.items():
        assert {ref: book[name][ref].number_format for ref in cells} == cells, name
    assert cmp.layers["change_fen"].to_list() != [0] * cmp.layers.height  # the reform shows


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_simulate_workbook_in_the_chosen_language(tmp_path: Path, lang: str) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", year_of_claims())
    xlsx = tmp_path / "cmp.xlsx"
    reform = str(EXAMPLES / "reform-anhui-2017-inpatient-plus5.yaml")
    result = runner.invoke(
        app,
        ["simulate", "-b", "anhui-poor-2017", "-r", reform, "-c", str(path), "--xlsx", str(xlsx),
         "--catastrophic", "5000", "--lang", lang],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(xlsx)
    headers = CHINESE_HEADERS if lang == "zh_Hans" else ENGLISH_HEADERS
    assert book.sheetnames == list(headers)
    assert all(len(name) <= 31 for name in book.sheetnames)
    for name, header in headers.items():
        rows = list(book[name].iter_rows(values_only=True))
        assert rows[3] == header, name
        assert rows[0][0].startswith(f"{BASE_ZH if lang == 'zh_Hans' else BASE_EN} → ")
        end = "（理赔数据：c.jsonl）" if lang == "zh_Hans" else " on c.jsonl"
        assert rows[0][0].endswith(end)
        assert name in flat(result.output)  # the terminal shows the same tables
    catastrophic, ratios = book[list(headers)[4]], book[list(headers)[1]]
    if lang == "zh_Hans":
        assert catastrophic["A2"].value == "年度个人自付超过 5,000 元的人数。"
        assert [r[0] for r in catastrophic.iter_rows(min_row=5, values_only=True)] == [
            "全体",
            "贫困人口",
        ]
        assert [r[0] for r in ratios.iter_rows(min_row=5, values_only=True)] == [
            "实际补偿比", "贫困人口实际补偿比", "贫困人口住院实际补偿比", "政策范围内补偿比"
        ]  # fmt: skip
        assert "政策范围内补偿比 = 基本医疗保险支付 ÷ 政策范围内费用" in ratios["A2"].value
        assert ratios["D5"].number_format == '+0.00"个百分点";-0.00"个百分点";0.00"个百分点"'
        assert re.search(r"[+-]\d+\.\d\d个百分点", result.output)
    else:
        assert catastrophic["A2"].value == "Persons whose annual out-of-pocket exceeds 5,000 yuan."
        assert [r[0] for r in catastrophic.iter_rows(min_row=5, values_only=True)] == [
            "everyone",
            "the poor",
        ]
        assert ratios["A5"].value == "Actual compensation ratio"
        assert ratios["A8"].value == "Policy-range compensation ratio"
        assert re.search(r"[+-]\d+\.\d\d pp", result.output)
    assert not re.search(r"[+-]\d+\.\d\d%", result.output)  # a change of a ratio is in points


def test_resettle_finds_a_backdated_status(tmp_path: Path) -> None:
    claims = year_of_claims()
    path = write_jsonl(tmp_path / "c.jsonl", claims)
    settled = tmp_path / "r.jsonl"
    runner.invoke(app, ["settle", "-p", "anhui-poor-2017", "-c", str(path), "-o", str(settled)])

    unchanged = runner.invoke(
        app,
        ["resettle", "-p", "anhui-poor-2017", "-c", str(path), "-s", str(settled), "--lang", "en"],
    )
    assert unchanged.exit_code == 0, unchanged.output
    assert "0 person(s) differ" in flat(unchanged.output)

    for c in claims:  # P3 turns out to have been on the poverty list all year
        if c["person_id"] == "P3":
            c["statuses"] = POOR
    corrected = write_jsonl(tmp_path / "c2.jsonl", claims)
    diff = tmp_path / "diff.csv"
    result = runner.invoke(
        app,
        [
            "resettle",
            "-p",
            "anhui-poor-2017",
            "-c",
            str(corrected),
            "-s",
            str(settled),
            "-o",
            str(diff),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 person(s) differ" in flat(result.output)
    d = pl.read_csv(diff)
    assert set(d["person_id"]) == {"P3"}
    old = settle_claims(policy("anhui-poor-2017"), path).filter(pl.col("person_id") == "P3")
    new = settle_claims(policy("anhui-poor-2017"), corrected).filter(pl.col("person_id") == "P3")
    pays = [c for c in old.columns if c.startswith("pay_")]
    expected = sum(int(new[c].sum()) - int(old[c].sum()) for c in pays)
    assert int(d["difference"].sum()) == expected > 0
