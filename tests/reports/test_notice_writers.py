"""The notice written by the shared writers: the workbook (every cell read back) and the PDF
(its text extracted) hold no unmasked name or resident ID, and carry the ledger's totals."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from safetynet.exports.pdf import FRAME_WIDTH, column_widths
from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import xlsx_bytes
from safetynet.money import fmt_yuan
from safetynet.reports.notice import Notice, public_notice
from safetynet.reports.notice_tables import notice_pdf, notice_tables, notice_title, notice_xlsx
from safetynet.store.db import session_scope
from tests.reports.helpers import (
    assert_nothing_unmasked,
    busiest_month,
    ledger_month,
    pdf_text,
    xlsx_cells,
)

LEVELS = ("county", "township", "village")


def _notice(engine: Engine, code: str, year: int, month: int) -> Notice:
    with session_scope(engine) as s:
        return public_notice(s, code, year, month)


@pytest.mark.parametrize("level", LEVELS)
def test_the_workbook_masks_every_cell_and_totals_the_ledger(
    county_engine: Engine, regions: dict[str, str], level: str
) -> None:
    year, month = busiest_month(county_engine)
    notice = _notice(county_engine, regions[level], year, month)
    data = notice_xlsx(notice, "zh_Hans")
    assert_nothing_unmasked(xlsx_cells(data), county_engine)
    masked = set(notice.rows["resident_id"])
    assert masked and masked <= set(xlsx_cells(data))
    want = ledger_month(county_engine, regions[level], year, month)
    wb = load_workbook(io.BytesIO(data))
    lines = wb.worksheets[-1]
    header = next(r for r in lines.iter_rows(values_only=True) if "姓名" in r)
    total = next(r for r in lines.iter_rows(values_only=True) if r[0] == "合计")
    by_label = dict(zip(header, total, strict=True))
    assert round(by_label["医疗总费用"] * 100) == want["total_fen"]
    assert round(by_label["报销合计"] * 100) == want["paid_fen"]
    assert round(by_label["个人自付"] * 100) == want["out_of_pocket_fen"]
    assert round(by_label["基本医疗保险"] * 100) == want["layer_basic_fen"]
    title = f"{notice.region_name} {year}年{month}月 健康脱贫医疗费用报销公示"
    assert any(title in c for c in xlsx_cells(data))


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_the_pdf_masks_every_line_and_totals_the_ledger(
    county_engine: Engine, regions: dict[str, str], level: str, locale: str
) -> None:
    year, month = busiest_month(county_engine)
    notice = _notice(county_engine, regions[level], year, month)
    data = notice_pdf(notice, locale)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert_nothing_unmasked([text], county_engine)
    for masked in set(notice.rows["resident_id"]):  # the IDs are there, masked
        assert masked in text
    assert notice_title(notice, locale) in text
    want = ledger_month(county_engine, regions[level], year, month)
    for key in ("total_fen", "paid_fen", "out_of_pocket_fen"):
        assert fmt_yuan(want[key]) in text


def test_titles_and_labels_follow_the_language(
    county_engine: Engine, regions: dict[str, str]
) -> None:
    year, month = busiest_month(county_engine)
    notice = _notice(county_engine, regions["county"], year, month)
    assert notice_title(notice, "zh_Hans") == f"郎溪县 {year}年{month}月 健康脱贫医疗费用报销公示"
    assert notice_title(notice, "en").startswith("郎溪县: public notice of medical expense")
    zh = [c.label for t in notice_tables(notice, "zh_Hans") for c in t.columns]
    en = [c.label for t in notice_tables(notice, "en") for c in t.columns]
    assert {"乡镇", "姓名", "身份证号", "基本医疗保险", "报销合计", "个人自付"} <= set(zh)
    assert {"Township", "Name", "Resident ID", "Basic medical insurance"} <= set(en)


def test_an_empty_month_states_there_were_none(
    county_engine: Engine, regions: dict[str, str]
) -> None:
    notice = _notice(county_engine, regions["village"], 2031, 1)
    assert "2031年1月" in pdf_text(notice_pdf(notice, "zh_Hans"))
    assert "No reimbursements were paid in January 2031." in pdf_text(notice_pdf(notice, "en"))
    cells = xlsx_cells(notice_xlsx(notice, "en"))
    assert any("No reimbursements were paid in January 2031." in c for c in cells)


def test_strong_rows_are_bold_in_the_workbook_and_widths_fill_the_pdf_page() -> None:
    table = Table(
        "t",
        [Column("a", "A", "text", 10), Column("b", "B", "money")],
        [("x", 100), ("sum", 100)],
        strong={1},
    )
    ws = load_workbook(io.BytesIO(xlsx_bytes([table]))).worksheets[0]
    rows = [r for r in ws.iter_rows() if r[0].value in ("x", "sum")]
    assert [r[0].font.bold for r in rows] == [False, True]
    assert [r[1].value for r in rows] == [1.0, 1.0]
    widths = column_widths(table)
    assert widths is not None and abs(sum(widths) - FRAME_WIDTH) < 1e-6
    assert column_widths(Table("t", [Column("a", "A")], [])) is None  # ReportLab sizes them
