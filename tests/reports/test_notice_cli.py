"""`safetynet report notice` writes the notice as PDF or xlsx; bad input exits with 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.money import fmt_yuan
from tests.reports.helpers import (
    assert_nothing_unmasked,
    busiest_month,
    ledger_month,
    pdf_text,
    xlsx_cells,
)

runner = CliRunner()


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _run(engine: Engine, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["report", "notice", "--db", _url(engine), *args])


@pytest.mark.parametrize("ext", ["pdf", "xlsx"])
def test_writes_the_notice(
    county_engine: Engine, regions: dict[str, str], tmp_path: Path, ext: str
) -> None:
    year, month = busiest_month(county_engine)
    out = tmp_path / f"notice.{ext}"
    code = regions["township"]
    result = _run(county_engine, "--region", code, "--month", f"{year}-{month:02d}",
                  "--out", str(out), "--lang", "en")  # fmt: skip
    assert result.exit_code == 0, result.output
    want = ledger_month(county_engine, code, year, month)
    said = " ".join(result.output.split())
    assert f"{want['lines']:,} lines" in said and fmt_yuan(want["paid_fen"]) in said
    data = out.read_bytes()
    texts = [pdf_text(data)] if ext == "pdf" else xlsx_cells(data)
    assert_nothing_unmasked(texts, county_engine)
    assert any("public notice of medical expense reimbursements" in t for t in texts)


def test_an_empty_month_still_writes_a_notice(
    county_engine: Engine, regions: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "empty.pdf"
    result = _run(county_engine, "--region", regions["village"], "--month", "2031-01",
                  "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2031" in result.output
    assert "2031年1月 没有医疗费用报销" in pdf_text(out.read_bytes())


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--region", "999999", "--month", "2017-03"], "no region '999999'"),
        (["--region", "341800", "--month", "2017-03"], "counties, townships and villages"),
        (["--region", "341821", "--month", "2017-13"], "YYYY-MM"),
        (["--region", "341821", "--month", "March"], "YYYY-MM"),
        (["--region", "341821", "--month", "2017-03", "--lang", "fr"], "zh_Hans or en"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    county_engine: Engine, tmp_path: Path, args: list[str], says: str
) -> None:
    out = tmp_path / "notice.pdf"
    result = _run(county_engine, *args, "--out", str(out))
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())
    assert not out.exists()


def test_only_pdf_or_xlsx(county_engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "notice.csv"
    result = _run(county_engine, "--region", "341821", "--month", "2017-03", "--out", str(out))
    assert result.exit_code == 2 and ".pdf or an .xlsx" in result.output
    assert not out.exists()
