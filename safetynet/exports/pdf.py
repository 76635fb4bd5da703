"""Tables to a printable PDF (ReportLab), with Chinese text in an embedded CJK TrueType font
(:mod:`safetynet.exports.fonts`), so the file looks the same in every reader.
Numbers are right-aligned and formatted by :func:`safetynet.exports.table.display`; long
tables break across pages with the header repeated.

Every text of every PDF becomes a paragraph through :func:`text`, which escapes it for
ReportLab's paragraph markup: a name such as ``<img src="/etc/..."/>`` or
``<a href="...">`` is printed as those characters, never read as an image, a link or a
font change (a test checks that no other module builds a ``Paragraph`` itself).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from safetynet.clock import local, utc_now
from safetynet.exports.fonts import pdf_font
from safetynet.exports.table import Table, display

FONT = pdf_font()

BODY = ParagraphStyle("body", fontName=FONT, fontSize=8, leading=10)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=7.5, leading=9)
HEAD = ParagraphStyle("head", parent=CELL, textColor=colors.HexColor("#333333"))
TITLE = ParagraphStyle("title", parent=BODY, fontSize=15, leading=20, spaceAfter=4)
H2 = ParagraphStyle("h2", parent=BODY, fontSize=11, leading=14, spaceBefore=6, spaceAfter=3)
NOTE = ParagraphStyle("note", parent=BODY, fontSize=7, leading=9, textColor=colors.grey)
NUMERIC = {"count", "money", "ratio", "change", "number"}
# relative column widths for tables whose columns give widths (Column.width, characters)
PDF_WIDTHS = {"text": 12, "count": 7, "money": 10, "ratio": 7, "change": 7, "number": 8, "date": 9}
FRAME_WIDTH = landscape(A4)[0] - 24 * mm  # write_pdf's page less its margins
PADDING = 3  # points left and right of a cell in a table with planned widths


def text(value: object, style: ParagraphStyle) -> Paragraph:
    """Plain text as a paragraph: ``&``, ``<`` and ``>`` escaped, so nothing in it is markup."""
    return Paragraph(escape(str(value)), style)


def column_widths(table: Table, available: float = FRAME_WIDTH) -> list[float] | None:
    """Widths in points sharing ``available`` in proportion to the columns' widths; None
    (ReportLab sizes the columns) when no column gives a width."""
    if not any(c.width for c in table.columns):
        return None
    hints = [c.width or PDF_WIDTHS[c.kind] for c in table.columns]
    return [available * h / sum(hints) for h in hints]


def _cell(value: str, kind: str, room: float | None) -> object:
    """Numbers, and text that fits its column, as plain strings (fast: a table cell's string
    is drawn as it is, never read as markup); longer text as a paragraph that wraps."""
    if kind in NUMERIC or (room is not None and stringWidth(value, FONT, CELL.fontSize) <= room):
        return value
    return text(value, CELL)


def table_flowables(table: Table, available: float = FRAME_WIDTH) -> list[Flowable]:
    """A heading, the note and the table (header repeated on every page)."""
    out: list[Flowable] = [text(table.title, H2)]
    if table.note:
        out.append(text(table.note, NOTE))
    widths = column_widths(table, available)
    room = [None] * len(table.columns) if widths is None else [w - 2 * PADDING for w in widths]
    data: list[list[object]] = [[text(c.label, HEAD) for c in table.columns]]
    for row in table.rows:
        data.append([
            _cell(display(v, c.kind, c.points), c.kind, r)
            for c, v, r in zip(table.columns, row, room, strict=True)
        ])  # fmt: skip
    grid = LongTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE6F0")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
    ]
    for j, col in enumerate(table.columns):
        if col.kind in NUMERIC:
            style.append(("ALIGN", (j, 1), (j, -1), "RIGHT"))
    if widths is not None:  # planned columns: narrow padding, text measured against it
        style += [("LEFTPADDING", (0, 0), (-1, -1), PADDING),
                  ("RIGHTPADDING", (0, 0), (-1, -1), PADDING)]  # fmt: skip
    for i in sorted(table.strong):  # subtotals and totals: shaded (the font has no bold)
        style.append(("BACKGROUND", (0, i + 1), (-1, i + 1), colors.HexColor("#EEF2F6")))
    grid.setStyle(TableStyle(style))
    out.append(grid)
    out.extend(text(line, NOTE) for line in table.notes)
    out.append(Spacer(1, 4 * mm))
    return out


def write_pdf(
    title: str,
    tables: Iterable[Table],
    *,
    subtitle: str | None = None,
    intro: Iterable[Flowable] = (),
    page_break: bool = False,
    footer: str | None = None,
) -> bytes:
    """A landscape A4 document: title, optional subtitle and opening flowables, the tables."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
        topMargin=12 * mm, bottomMargin=14 * mm, title=title, author="SafetyNet",
        initialFontName=FONT,
    )  # fmt: skip
    stamp = footer or local(utc_now()).strftime("SafetyNet · %Y-%m-%d %H:%M")

    def on_page(canvas, doc_) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(12 * mm, 7 * mm, stamp)
        canvas.drawRightString(doc_.pagesize[0] - 12 * mm, 7 * mm, str(doc_.page))
        canvas.restoreState()

    story: list[Flowable] = [text(title, TITLE)]
    if subtitle:
        story.append(text(subtitle, NOTE))
    story.extend(intro)
    for i, table in enumerate(tables):
        if page_break and i:
            story.append(PageBreak())
        story.extend(table_flowables(table, doc.width))
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()
