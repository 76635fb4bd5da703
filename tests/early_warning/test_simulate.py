"""Warning lines crossed under a base and a reform, by category, by hand; and the command."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.codes import PovertyStatus as S
from safetynet.early_warning.rules import FILES, load_rules
from safetynet.early_warning.simulate import crossings
from tests.early_warning.ledger import claim, households, ledger

RULES = load_rules(FILES / "county-2018.yaml")
ROOT = Path(__file__).parents[2]


def test_a_reform_that_pays_more_takes_one_poor_person_below_the_line() -> None:
    homes = households((1, 1, 1_000_000.0, None), (2, 2, 1_000_000.0, None))
    poor = {S.REGISTERED_POOR}
    base = ledger(
        claim(1, 1, total=30_000, paid=19_000, claim_id=1),  # ordinary: self-pay 11,000
        claim(2, 2, total=30_000, paid=18_000, claim_id=2, statuses=poor),  # 12,000
        claim(3, 2, total=100, paid=100, claim_id=3, statuses={S.EXTREMELY_POOR}),
    )
    reform = base.with_columns(
        pl.when(pl.col("person_id") == 2)
        .then(2_100_000)
        .otherwise(pl.col("paid_fen"))
        .alias("paid_fen")
    ).with_columns((pl.col("total_fen") - pl.col("paid_fen")).alias("out_of_pocket_fen"))
    out = crossings(RULES, (base, homes), (reform, homes))
    self_pay = out.filter(pl.col("rule_id") == "self_pay_year").select(
        "category", "persons_base", "persons_reform", "households_change"
    )
    # person 2 is registered poor; household 2 counts as extremely poor (member 3)
    assert self_pay.rows() == [("ordinary", 1, 1, 0), ("registered_poor", 1, 0, -1)]
    # still 9,000 out of pocket and 70 % reimbursed: the promise stays broken
    promise = out.filter(pl.col("rule_id") == "poor_promise")
    assert promise.select("persons_base", "persons_reform").rows() == [(1, 1)]


def test_the_command(tmp_path: Path) -> None:
    csv = tmp_path / "sim.csv"
    result = CliRunner().invoke(app, [
        "warnings", "simulate", "--year", "2017",
        "--claims", str(ROOT / "examples" / "claims-anhui-2017.jsonl"),
        "--base", "anhui-poor-2017",
        "--reform", str(ROOT / "examples" / "reform-anhui-2017-inpatient-plus5.yaml"),
        "--reference-income", "11720", "--out", str(csv),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    found = pl.read_csv(csv)
    assert {"persons_base", "persons_reform", "households_change"} <= set(found.columns)
    assert "self_pay_year" in found["rule_id"].to_list()


def test_by_township_the_counts_split_and_add_up() -> None:
    homes = households((1, 1, 1_000_000.0, None), (2, 2, 1_000_000.0, None),
                       (3, 1, 1_000_000.0, None))  # fmt: skip
    base = ledger(
        claim(1, 1, total=30_000, paid=19_000, claim_id=1),  # self-pay 11,000
        claim(2, 2, total=30_000, paid=18_000, claim_id=2),  # 12,000
        claim(4, 3, total=30_000, paid=18_000, claim_id=3),  # 12,000, household 3 unplaced
    )
    places = pl.DataFrame({"household_id": [1, 2], "township": ["东镇", "西乡"]})
    out = crossings(RULES, (base, homes), (base, homes), places)
    self_pay = out.filter(pl.col("rule_id") == "self_pay_year")
    assert self_pay.select("township", "persons_base", "households_reform").rows() == [
        ("?", 1, 1), ("东镇", 1, 1), ("西乡", 1, 1),
    ]  # fmt: skip
    whole = crossings(RULES, (base, homes), (base, homes))
    total = whole.filter(pl.col("rule_id") == "self_pay_year")["persons_base"].sum()
    assert self_pay["persons_base"].sum() == total == 3


def test_the_command_by_township(tmp_path: Path) -> None:
    places = tmp_path / "townships.csv"
    places.write_text("household_id,township\nH-001,城关镇\n")
    csv = tmp_path / "sim.csv"
    result = CliRunner().invoke(app, [
        "warnings", "simulate", "--year", "2017",
        "--claims", str(ROOT / "examples" / "claims-anhui-2017.jsonl"),
        "--base", "anhui-poor-2017",
        "--reform", str(ROOT / "examples" / "reform-anhui-2017-inpatient-plus5.yaml"),
        "--reference-income", "11720", "--townships", str(places), "--out", str(csv),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    found = pl.read_csv(csv)
    assert "城关镇" in found["township"].to_list()
    bad = tmp_path / "bad.csv"
    bad.write_text("household,town\nH-001,x\n")
    refused = CliRunner().invoke(app, [
        "warnings", "simulate", "--year", "2017",
        "--claims", str(ROOT / "examples" / "claims-anhui-2017.jsonl"),
        "--base", "anhui-poor-2017", "--reform", "anhui-poor-2017",
        "--reference-income", "11720", "--townships", str(bad),
    ])  # fmt: skip
    assert refused.exit_code != 0
    assert "a column household_id" in " ".join(refused.output.split())


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("household_id,township\nH-001,城关镇\nH-001,东镇\n".encode(),
         "row 3, column household_id: household H-001 is also on row 2"),
        (b"household_id,township\nH-001,  \n", "row 2, column township: must not be blank"),
        (b"household_id,township\n", "no row below it"),
        ("户编号,乡镇\nH-001,城关镇\n".encode("gbk"), None),
        ("household_id,township\r\nH-001,城关镇\r\n".encode("utf-8-sig"), None),
    ],
    ids=["twice", "blank", "header-only", "gbk", "bom"],
)  # fmt: skip
def test_a_townships_file_is_read_as_every_import_or_refused(
    tmp_path: Path, body: bytes, said: str | None
) -> None:
    """A household given twice was counted in both townships; GBK was a traceback."""
    places = tmp_path / "townships.csv"
    places.write_bytes(body)
    csv = tmp_path / "sim.csv"
    result = CliRunner().invoke(app, [
        "warnings", "simulate", "--year", "2017",
        "--claims", str(ROOT / "examples" / "claims-anhui-2017.jsonl"),
        "--base", "anhui-poor-2017", "--reform", "anhui-poor-2017",
        "--reference-income", "11720", "--townships", str(places), "--out", str(csv),
    ])  # fmt: skip
    if said is None:
        assert result.exit_code == 0, result.output
        assert "城关镇" in pl.read_csv(csv)["township"].to_list()
    else:
        assert result.exit_code == 2, (result.output, result.exception)
        flat = " ".join(result.output.split())
        assert said in flat and "townships.csv" in flat, flat


def test_the_command_reads_the_regions_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--region``: the county's own early-warning file (here a self-pay line no one
    reaches), beside the national one; without it the national file's lines."""
    from safetynet.early_warning import rules

    folder = tmp_path / "files"
    folder.mkdir()
    shipped = (FILES / "county-2018.yaml").read_text(encoding="utf-8")
    (folder / "county-2018.yaml").write_text(shipped, encoding="utf-8")
    own = shipped.replace("id: county-2018", "id: county-340422", 1)
    own = own.replace("region: null", 'region: "340422"', 1)
    line = "    line: 10000              # yuan of compliant self-pay in the year"
    own = own.replace(line, line.replace("10000   ", "99999999"), 1)
    assert own.count("99999999") == 1
    (folder / "county-340422.yaml").write_text(own, encoding="utf-8")
    monkeypatch.setattr(rules, "FILES", folder)

    def persons(*region: str) -> int:
        csv = tmp_path / f"sim{len(region)}.csv"
        result = CliRunner().invoke(app, [
            "warnings", "simulate", "--year", "2017",
            "--claims", str(ROOT / "examples" / "claims-anhui-2017.jsonl"),
            "--base", "anhui-poor-2017",
            "--reform", str(ROOT / "examples" / "reform-anhui-2017-inpatient-plus5.yaml"),
            "--reference-income", "11720", "--out", str(csv), *region,
        ])  # fmt: skip
        assert result.exit_code == 0, result.output
        found = pl.read_csv(csv).filter(pl.col("rule_id") == "self_pay_year")
        return int(found["persons_base"].sum())

    assert persons() > 0
    assert persons("--region", "340422100201") == 0
    assert persons("--region", "340421") > 0  # another county: the national file
