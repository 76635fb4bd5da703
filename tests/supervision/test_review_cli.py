"""`safetynet review screen` and `review rules` on claim files, persons files and rule files."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from safetynet.cli.main import app
from tests.claims.helpers import write_jsonl

runner = CliRunner()


def _stay(no: str, admitted: str, discharged: str, **kw: object) -> dict[str, object]:
    return {
        "claim_no": no, "person_id": "P1", "date": admitted, "kind": "inpatient",
        "level": "county", "age": 50, "diagnosis": "J18.9", "institution": "C1",
        "doctor": "D7", "admitted": admitted, "discharged": discharged,
        "items": [{"code": "S0002", "class": "A", "amount": "35.00"}], **kw,
    }  # fmt: skip


def _files(tmp_path: Path) -> tuple[Path, Path]:
    claims = write_jsonl(
        tmp_path / "c.jsonl",
        [_stay("A1", "2021-06-01", "2021-06-10"), _stay("A2", "2021-06-20", "2021-06-22")],
    )
    persons = tmp_path / "persons.csv"
    persons.write_text("person_id,sex,deceased_on\nP1,M,\n", encoding="utf-8")
    return claims, persons


def test_screen_a_claim_file_to_parquet_csv_and_xlsx(tmp_path: Path) -> None:
    claims, persons = _files(tmp_path)
    base = ["review", "screen", "-c", str(claims), "--persons", str(persons)]
    result = runner.invoke(app, [*base, "-o", str(tmp_path / "h.parquet")])
    assert result.exit_code == 0, result.output
    assert "1 hits on 1 of 2 claims (500.00 per 1,000)" in result.output
    hits = pl.read_parquet(tmp_path / "h.parquet")
    assert hits["rule_id"].to_list() == ["split-admission"]
    assert json.loads(hits["facts"][0])["gap_days"] == 10
    assert runner.invoke(app, [*base, "-o", str(tmp_path / "h.csv")]).exit_code == 0
    assert pl.read_csv(tmp_path / "h.csv")["claim_no"].to_list() == ["A2"]
    result = runner.invoke(app, [*base, "-o", str(tmp_path / "h.xlsx"), "--lang", "zh_Hans"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "h.xlsx").active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "分解住院" in cells
    assert any("距出院天数: 10" in c for c in cells)


def test_missing_fields_persons_and_unknown_rules_are_named(tmp_path: Path) -> None:
    claims, _ = _files(tmp_path)
    result = runner.invoke(app, ["review", "screen", "-c", str(claims)])
    assert result.exit_code == 2
    assert "impersonation" in result.output and "needs a persons file" in result.output
    old = write_jsonl(
        tmp_path / "old.jsonl",
        [{"claim_no": "X", "person_id": "P", "date": "2021-01-01", "kind": "inpatient",
          "level": "county", "age": 3, "total": "1.00", "compliant": "1.00"}],
    )  # fmt: skip
    result = runner.invoke(app, ["review", "screen", "-c", str(old), "--rule", "split-admission"])
    assert result.exit_code == 2
    assert "needs admitted, discharged, diagnosis" in result.output
    result = runner.invoke(app, ["review", "screen", "-c", str(old), "--rule", "ghost-bed"])
    assert result.exit_code == 2 and "ghost-bed" in result.output


def test_a_bad_rule_file_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    claims, _ = _files(tmp_path)
    bad = tmp_path / "bad.yaml"
    text = "extends: anhui-2021\nid: x\nregion: 34\nrules:\n  - id: split-admission\n"
    text += "    params: {window_days: {value: 15, unit: hour}}\n"
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["review", "screen", "-c", str(claims), "-r", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:6" in result.output.replace("\n", "") or f"{bad}:6" in result.output
    assert "window_days.unit" in result.output


def test_rules_lists_every_rule() -> None:
    result = runner.invoke(app, ["review", "rules"])
    assert result.exit_code == 0
    assert "split-admission" in result.output and "38" in result.output


def test_screen_and_scores_on_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'county.db'}"
    result = runner.invoke(app, ["synth", "-n", "1500", "--db", url, "--no-settle"])
    assert result.exit_code == 0, result.output
    hits = tmp_path / "hits.parquet"
    result = runner.invoke(
        app, ["review", "screen", "--db", url, "--year", "2017", "-o", str(hits)]
    )
    assert result.exit_code == 0, result.output
    found = pl.read_parquet(hits)
    assert found.height > 0 and (found["date"].dt.year() == 2017).all()
    card = tmp_path / "card.xlsx"
    result = runner.invoke(
        app,
        ["review", "scores", "--db", url, "--year", "2017", "-o", str(card), "--lang", "zh_Hans"],
    )
    assert result.exit_code == 0, result.output
    assert "institution county #1" in result.output
    sheet = load_workbook(card).active
    header = [str(c.value) for row in sheet.iter_rows(max_row=3) for c in row if c.value]
    assert "风险评分" in header and "住院天数（平均）" in header
    assert "异常指标（稳健标准分超出警示线）" in header
    # a CSV cell holds no list: the abnormal metrics are joined (a list column failed)
    csv = tmp_path / "card.csv"
    result = runner.invoke(app, ["review", "scores", "--db", url, "--year", "2017", "-o", str(csv)])
    assert result.exit_code == 0, result.output
    written = pl.read_csv(csv)
    assert "abnormal" in written.columns and written["abnormal"].dtype == pl.String


def test_bench_screen_runs_on_a_small_county() -> None:
    result = runner.invoke(app, ["bench", "screen", "-n", "800", "--claims", "5"])
    assert result.exit_code == 0, result.output
    assert "every rule" in result.output and "one claim at the window" in result.output


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"person_id,sex,deceased_on\nP1,M,\nP1,F,\n", "row 3, column person_id: person P1"),
        (b"person_id,sex,deceased_on\nP1,M,2026-02-30\n",
         'row 2, column deceased_on: "2026-02-30"'),
        (b"person_id,sex,deceased_on\nP1,M,20261301\n", 'row 2, column deceased_on: "20261301"'),
        (b"person_id,sex,deceased_on\n   ,M,\n", "row 2, column person_id: must not be blank"),
        (b"person_id,sex,deceased_on\n", "no row below it"),
        (b"", "the file is empty"),
        ("person_id,sex,deceased_on,备注\nP1,M,,县\n".encode("gbk"), None),
        ("person_id,sex,deceased_on\r\nP1,M,\r\n".encode("utf-8-sig"), None),
    ],
    ids=["twice", "feb-30", "month-13", "blank", "header-only", "empty", "gbk", "bom"],
)  # fmt: skip
def test_a_persons_file_is_read_as_every_import_or_refused(
    tmp_path: Path, body: bytes, said: str | None
) -> None:
    """A day of death that is no date was read as no death (the person alive, the
    impersonation rule blind), a person given twice was joined twice, GBK was a traceback."""
    claims, persons = _files(tmp_path)
    persons.write_bytes(body)
    result = runner.invoke(app, ["review", "screen", "-c", str(claims), "--persons",
                                 str(persons), "-o", str(tmp_path / "h.csv")])  # fmt: skip
    if said is None:
        assert result.exit_code == 0, result.output
        assert "1 hits on 1 of 2 claims" in result.output
    else:
        assert result.exit_code == 2, (result.output, result.exception)
        flat = " ".join(result.output.split())
        assert said in flat and "persons.csv" in flat, flat
