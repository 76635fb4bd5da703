"""The annual work summary (PDF and Excel), on the web and from the CLI: its figures are the
ledger's, checked against independent SQL sums; bad requests are refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from safetynet.cli.main import app as cli
from safetynet.codes import PovertyStatus
from safetynet.money import fmt_yuan
from safetynet.store.db import session_scope
from safetynet.store.models import Enrollment, Person, Region, Settlement

YEAR = 2017


def _county(engine: Engine) -> str:
    with session_scope(engine) as s:
        code = s.scalar(select(Region.code).where(Region.level == "county"))
        assert code
        return code


def _ledger(engine: Engine) -> tuple[int, int, int, int]:
    """Total cost and paid of everyone, and of the poor (enrollment category not ordinary)."""
    with session_scope(engine) as s:
        everyone = s.execute(
            select(func.sum(Settlement.total_fen), func.sum(Settlement.paid_fen)).where(
                Settlement.year == YEAR
            )
        ).one()
        poor = s.execute(
            select(func.sum(Settlement.total_fen), func.sum(Settlement.paid_fen))
            .join(Person, Person.id == Settlement.person_id)
            .join(Enrollment, (Enrollment.person_id == Person.id) & (Enrollment.year == YEAR))
            .where(Settlement.year == YEAR, Enrollment.category != PovertyStatus.ORDINARY)
        ).one()
    return int(everyone[0]), int(everyone[1]), int(poor[0]), int(poor[1])


def _rows(wb) -> dict[str, object]:  # type: ignore[no-untyped-def]
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            if row and isinstance(row[0].value, str) and len(row) > 1:
                out.setdefault(row[0].value, row[1])
    return out


def test_summary_excel_matches_the_ledger(login, web_engine) -> None:
    total, paid, poor_total, poor_paid = _ledger(web_engine)
    assert poor_total > poor_paid > 0
    r = login("bureau", "en").get(f"/reports/summary.xlsx?year={YEAR}")
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('.xlsx"')
    cells = _rows(load_workbook(io.BytesIO(r.content)))
    assert cells["Compensated by all layers"].value == pytest.approx(poor_paid / 100)
    assert cells["Compensated by all layers"].number_format == "#,##0.00"
    ratio = cells["Actual compensation ratio"]
    assert ratio.value == pytest.approx(paid / total) and ratio.number_format == "0.00%"
    first = load_workbook(io.BytesIO(r.content)).worksheets[0]
    text = " ".join(str(c.value) for row in first.iter_rows() for c in row if c.value)
    assert fmt_yuan(paid) in text and fmt_yuan(poor_paid) in text and fmt_yuan(poor_total) in text


def test_summary_pdf_in_english_and_chinese(login, web_engine) -> None:
    _total, paid, _pt, _pp = _ledger(web_engine)
    en = login("bureau", "en").get(f"/reports/summary.pdf?year={YEAR}")
    assert en.status_code == 200 and en.content.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(en.content)).pages)
    assert "Annual work summary" in text and fmt_yuan(paid) in text
    zh = login("bureau", "zh_Hans").get(f"/reports/summary.pdf?year={YEAR}")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(zh.content)).pages)
    assert "年度工作总结" in text


def test_summary_is_scoped_and_needs_report_rights(login, web_engine) -> None:
    assert (
        login("township").get(f"/reports/summary.pdf?region={_county(web_engine)}").status_code
        == 404
    )
    assert login("clerk").get("/reports/summary.xlsx").status_code == 403
    assert login("bureau").get("/reports/summary.xlsx?year=2001").status_code == 404  # no data
    assert login("bureau").get("/reports/summary.xlsx?year=1999").status_code == 422  # no scheme


def test_cli_writes_the_summary_and_refuses_bad_input(web_engine, tmp_path: Path) -> None:
    runner = CliRunner()
    url = web_engine.url.render_as_string(hide_password=False)
    county = _county(web_engine)
    out = tmp_path / "summary.xlsx"
    ok = runner.invoke(cli, ["report", "summary", "--db", url, "--region", county,
                             "--year", str(YEAR), "--out", str(out), "--lang", "en"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "Compensated by all layers" in _rows(load_workbook(out))
    for args, words in (
        (["--region", "999999", "--year", str(YEAR), "--out", str(out)], "unknown region"),
        (["--region", county, "--year", "2012", "--out", str(out)], "no enrollment"),
        (["--region", county, "--year", "1999", "--out", str(out)], "--year"),
        (["--region", county, "--year", str(YEAR), "--out", str(tmp_path / "s.doc")], ".pdf"),
    ):
        bad = runner.invoke(cli, ["report", "summary", "--db", url, *args])
        assert bad.exit_code == 2 and words in bad.output, bad.output
