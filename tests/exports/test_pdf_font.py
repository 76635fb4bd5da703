"""Every PDF (the slip, the annual summary, the monthly notice, the indicator tables) embeds
its CJK TrueType font, which has the glyphs the documents use, "·" among them."""

from __future__ import annotations

import io

import pypdf
from reportlab.pdfbase import pdfmetrics

from safetynet.exports.fonts import EMBEDDED, font_file, pdf_font
from safetynet.exports.pdf import write_pdf
from safetynet.exports.table import Column, Table


def embedded(font: dict) -> bool:  # type: ignore[type-arg]
    """A PDF font dictionary carries its font file (TrueType, Type 1 or CFF)."""
    for f in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
        desc = f.get("/FontDescriptor")
        if desc is not None and any(
            k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
        ):
            return True
    return False


def page_fonts(page) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return [f.get_object() for f in page["/Resources"]["/Font"].values()]


def test_the_pdf_font_is_a_real_cjk_truetype_font_with_the_middle_dot() -> None:
    assert font_file() is not None, "install fonts-wqy-microhei (make test does)"
    assert pdf_font() == EMBEDDED
    face = pdfmetrics.getFont(EMBEDDED).face
    for char in "·县医保局个人实际支付（）":
        assert face.charToGlyph.get(ord(char), 0) != 0, char


def test_a_table_pdf_embeds_its_font_and_shows_the_middle_dot() -> None:
    table = Table("村级公示 · 某村", [Column("name", "姓名"), Column("paid", "报销", "money")],
                  [("张 · 三", 12345), ("李四", 100)])  # fmt: skip
    pdf = pypdf.PdfReader(io.BytesIO(write_pdf("月度公示 · 2017年12月", [table])))
    page = pdf.pages[0]
    fonts = page_fonts(page)
    assert fonts and all(embedded(f) for f in fonts)
    text = page.extract_text()
    assert "月度公示 · 2017年12月" in text and "张 · 三" in text


def test_the_font_setting_chooses_the_file_and_a_missing_one_is_none(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    installed = font_file()
    assert installed is not None
    monkeypatch.setenv("SAFETYNET_PDF_FONT", str(installed))
    assert font_file() == installed
    monkeypatch.setenv("SAFETYNET_PDF_FONT", str(tmp_path / "missing.ttf"))
    assert font_file() is None  # pdf_font() then falls back to STSong-Light, with a warning


def test_without_a_font_pdfs_fall_back_and_say_so(monkeypatch, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SAFETYNET_PDF_FONT", str(tmp_path / "missing.ttf"))
    with caplog.at_level("WARNING", logger="safetynet.exports.fonts"):
        assert pdf_font.__wrapped__() == "STSong-Light"  # uncached: the real lookup again
    assert "fonts-wqy-microhei" in caplog.text
