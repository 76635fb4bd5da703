"""Tables to an Excel workbook (xlsxwriter): one sheet per table (named by ``Table.sheet``
or its title), real numbers with formats.

Money is written as a number of yuan (fen / 100) formatted ``#,##0.00``, ratios as
fractions formatted ``0.00%``, changes of ratios as percentage points (``+1.25 pp`` or the
column's template), counts as ``#,##0``, dates as Excel dates, so a clerk can
sum and chart the cells; the header row is frozen and filterable.

Every text — title, note, column label, cell, footnote — is written with ``write_string``:
a name such as ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` stays text and is never a
formula (xlsxwriter's ``write`` would make it one).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter

from safetynet.exports.table import POINTS, ColumnKind, Table, unwrap

FORMATS: dict[ColumnKind, dict[str, Any]] = {
    "text": {},
    "count": {"num_format": "#,##0"},
    "money": {"num_format": "#,##0.00"},
    "ratio": {"num_format": "0.00%"},
    "change": {"num_format": '+0.00" pp";-0.00" pp";0.00" pp"'},  # see points_number_format
    "number": {"num_format": "#,##0.00"},
    "date": {"num_format": "yyyy-mm-dd"},
}
STRONG: dict[str, Any] = {"bold": True, "bg_color": "#EEF2F6"}  # Table.strong rows
WIDTHS: dict[ColumnKind, int] = {
    "text": 18, "count": 12, "money": 16, "ratio": 11, "change": 11, "number": 12, "date": 12,
}  # fmt: skip
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _BAD_SHEET_CHARS.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def points_number_format(template: str | None) -> str:
    """Excel's number format for a change in percentage points written as ``template``
    (``"%(points)s pp"``, ``"%(points)s个百分点"``) around the signed number."""
    before, _, after = (template or POINTS).partition("%(points)s")

    def quoted(text: str) -> str:
        return f'"{text}"' if text else ""

    return ";".join(f"{quoted(before)}{sign}0.00{quoted(after)}" for sign in ("+", "-", ""))


def write_xlsx(tables: Iterable[Table], target: str | Path | BinaryIO) -> None:
    """Write the tables, one sheet each, to a path or a binary stream."""
    out = str(target) if isinstance(target, str | Path) else target
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    title_fmt = wb.add_format({"bold": True, "font_size": 13})
    note_fmt = wb.add_format({"italic": True, "font_color": "#555555"})
    head_fmt = wb.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1, "text_wrap": True})
    formats = {kind: wb.add_format(spec) for kind, spec in FORMATS.items()}
    strong = {kind: wb.add_format({**spec, **STRONG}) for kind, spec in FORMATS.items()}
    points: dict[tuple[str | None, bool], Any] = {}  # change formats by template, strong

    def points_format(template: str | None, bold: bool) -> Any:
        if (template, bold) not in points:
            spec = {"num_format": points_number_format(template)}
            points[template, bold] = wb.add_format({**spec, **STRONG} if bold else spec)
        return points[template, bold]

    used: set[str] = set()
    for table in tables:
        ws = wb.add_worksheet(sheet_name(table.sheet or table.title, used))
        ws.write_string(0, 0, str(table.title), title_fmt)
        top = 1
        if table.note:
            ws.write_string(1, 0, str(table.note), note_fmt)
            top = 2
        head = top + 1
        for j, col in enumerate(table.columns):
            ws.write_string(head, j, str(col.label), head_fmt)
            col_fmt = points_format(col.points, False) if col.kind == "change" else None
            ws.set_column(j, j, col.width or WIDTHS[col.kind], col_fmt or formats[col.kind])
        for k, row in enumerate(table.rows):
            i, fmt = head + 1 + k, strong if k in table.strong else formats
            for j, (col, cell) in enumerate(zip(table.columns, row, strict=True)):
                value, kind = unwrap(cell, col.kind)
                if value is None:
                    ws.write_blank(i, j, None, fmt[kind])
                elif kind == "money":
                    ws.write_number(i, j, int(value) / 100, fmt["money"])
                elif kind == "change":  # percentage points, with the column's own unit
                    ws.write_number(
                        i, j, float(value) * 100, points_format(col.points, k in table.strong)
                    )
                elif kind in ("count", "ratio", "number"):
                    ws.write_number(i, j, float(value), fmt[kind])
                elif kind == "date":
                    ws.write_datetime(i, j, value, fmt["date"])
                else:
                    ws.write_string(i, j, str(value), fmt["text"] if k in table.strong else None)
        last = head + len(table.rows)
        for k, line in enumerate(table.notes, start=last + 2):
            ws.write_string(k, 0, str(line), note_fmt)
        ws.freeze_panes(head + 1, 0)
        if table.columns:
            ws.autofilter(head, 0, max(last, head), len(table.columns) - 1)
    wb.close()


def xlsx_bytes(tables: Iterable[Table]) -> bytes:
    buf = io.BytesIO()
    write_xlsx(tables, buf)
    return buf.getvalue()
