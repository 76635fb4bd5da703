"""The result's lookups and explanations, the tables and files it becomes, and the
`safetynet report indicators` command (output files and bad input)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.codes import PovertyStatus, RegionLevel
from safetynet.indicators.compute import IndicatorQuery
from safetynet.indicators.service import result_of
from safetynet.indicators.tables import indicator_table, tables, write_report
from safetynet.store.db import make_engine
from safetynet.store.models import Base
from tests.indicators.helpers import COUNTY, V1, YEAR, frames, write_county

runner = CliRunner()


def test_figures_explain_themselves() -> None:
    r = result_of(frames(), IndicatorQuery("year", RegionLevel.VILLAGE, True))
    fig = r.figure("compensation_ratio")
    assert fig is not None
    assert (fig.numerator, fig.denominator) == (7896_50, 11200_00)
    assert fig.display() == "70.50%"
    assert fig.explain() == "7,896.50 ÷ 11,200.00"
    assert fig.definition.name_zh == "实际补偿比"
    cost = r.figure("cost_per_admission", part="city")
    assert cost is not None and cost.display() == "8,000.00" and cost.explain() == "8,000.00 ÷ 1"
    assert r.value("visits", V1, category=PovertyStatus.ORDINARY) == 2
    assert r.value("visits", "no-such-region") is None
    assert r.value("visits", category="marginal") is None
    assert [d.id for d in r.definitions()][:2] == ["enrolled", "participation_rate"]


def test_tables_have_a_unit_per_column() -> None:
    r = result_of(frames(), IndicatorQuery("quarter", RegionLevel.TOWNSHIP))
    t = indicator_table(r, "compensation_ratio", "en")
    assert [c.kind for c in t.columns[-4:]] == ["ratio"] * 4
    total = [row for row in t.rows if row[0] == COUNTY and row[3] == "total"]
    assert total[0][4] == pytest.approx(7896_50 / 11200_00)
    money = indicator_table(r, "cost_per_visit", "zh_Hans")
    assert money.columns[-1].kind == "money" and money.title == "次均门诊费用 (元)"
    county_row = next(row for row in money.rows if row[0] == COUNTY and row[3] == "合计")
    assert county_row[4] == round(200_00 / 3)  # fen, rounded half up
    assert len(tables(r)) == len(r.definitions()) + 1


def test_csv_is_the_long_frame(tmp_path: Path) -> None:
    r = result_of(frames(), IndicatorQuery("year"))
    path = write_report(r, tmp_path / "ind.csv")
    back = pl.read_csv(path)
    row = back.filter(pl.col("indicator") == "benefit_rate").row(0, named=True)
    assert (row["numerator"], row["denominator"], row["unit"]) == (3, 4, "ratio")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'county.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    write_county(engine)
    engine.dispose()
    return url


def test_cli_writes_xlsx_with_number_formats(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "indicators.xlsx"
    args = ["report", "indicators", "--db", db_url, "--region", COUNTY, "--year", str(YEAR),
            "--period", "quarter", "--by", "village", "--by-category", "--out", str(out),
            "--lang", "en"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    wb = openpyxl.load_workbook(out)
    ws = wb["Actual compensation ratio (%)"]
    rows = list(ws.iter_rows(values_only=False))
    county = next(
        r for r in rows if r[0].value == COUNTY and r[2].value == "all" and r[3].value == "total"
    )
    assert county[4].value == pytest.approx(7896_50 / 11200_00)
    assert county[4].number_format == "0.00%"
    ws = wb["Total medical cost (yuan)"]
    county = next(r for r in ws.iter_rows() if r[0].value == COUNTY and r[2].value == "all")
    assert county[3].value == pytest.approx(11200.00)  # yuan
    assert county[3].number_format == "#,##0.00"
    assert "Definitions" in wb.sheetnames


def test_cli_prints_a_table(db_url: str) -> None:
    args = ["report", "indicators", "--db", db_url, "--region", COUNTY, "--year", str(YEAR),
            "--by", "township", "--lang", "en", "--show", "participation_rate"]  # fmt: skip
    result = runner.invoke(app, args, env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Actual compensation ratio" in result.output and "70.50%" in result.output
    assert "Participation rate" in result.output and "50.00%" in result.output  # township T2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--region", "999999", "--year", "2017"], "--region: unknown region 999999"),
        (
            ["--region", COUNTY, "--year", "2012"],
            "--year: no enrollment and no settlements in 2012",
        ),
        (["--region", COUNTY, "--year", "2017", "--period", "week"], "--period: unknown period"),
        (["--region", COUNTY, "--year", "2017", "--out", "x.txt"], "--out x.txt"),
        (["--region", COUNTY, "--year", "2017", "--show", "nope"], "--show 'nope'"),
    ],
)
def test_cli_bad_input(db_url: str, extra: list[str], message: str) -> None:
    result = runner.invoke(app, ["report", "indicators", "--db", db_url, *extra])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
