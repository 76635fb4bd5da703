"""Read an import file (CSV in UTF-8 / UTF-8 with BOM / GB18030, or Excel .xlsx) into rows.

The result is a :class:`Sheet`: the headers as written and a Polars frame of text cells
(columns ``c0``, ``c1``, ... plus ``_row``, the spreadsheet row number: header = row 1).
Cells are stripped; blank cells are null; wholly blank rows are dropped (their numbers are
kept by the rows after them, so messages point at the right line).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from safetynet.i18n import N_
from safetynet.plain_text import HIDDEN_CLASS, hidden_character
from safetynet.tabular.problems import ImportRejected, Problem, error

Progress = Callable[[str, int, int | None], None]  # (stage, done, total or None)
PROGRESS_EVERY = 10_000
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
LONG_NUMBER = 10**15  # Excel keeps 15 significant digits: longer numbers are already damaged


@dataclass
class Sheet:
    """A file's header row and its data rows as text."""

    file_name: str
    headers: list[str]
    frame: pl.DataFrame  # c0..cN (str, null when blank) and _row (int)
    problems: list[Problem] = field(default_factory=list)  # e.g. cells beyond the last header
    long_numbers: set[tuple[int, int]] = field(default_factory=set)  # (row, column index)

    @property
    def rows(self) -> int:
        return self.frame.height


MIXED_ENCODINGS = N_(
    "line %(line)s is not UTF-8 text though the lines before it are: the file mixes "
    "encodings (e.g. lines pasted from a GBK file); save the whole file again as UTF-8"
)


def _line_of(data: bytes, at: int) -> int:
    return data.count(b"\n", 0, at) + 1


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) if it decodes, otherwise GB18030 (a superset of GBK /
    GB2312) — unless the file's first non-ASCII lines are UTF-8 and a later one is not: a
    file of mixed encodings is refused, naming the line (read as GB18030, its UTF-8 lines
    would be imported garbled)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        if any(b >= 0x80 for b in data[:line_start].removeprefix(b"\xef\xbb\xbf")):
            line = _line_of(data, exc.start)
            raise ImportRejected(
                [error(line, None, "file.mixed_encodings", MIXED_ENCODINGS, line=line)]
            ) from None
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        raise ImportRejected(
            [
                error(
                    line,
                    None,
                    "file.encoding",
                    N_("the file is neither UTF-8 nor GB18030 text (line %(line)s)"),
                    line=line,
                )
            ]
        ) from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


MAX_CELL = 100_000  # characters of one CSV cell (Python's csv module refuses 131,072)
RUNAWAY_QUOTE = N_(
    "a quotation mark opens a cell that runs on to line %(end)s: close the quotes or remove "
    "the quotation mark"
)


def _too_long(line: int) -> ImportRejected:
    return ImportRejected(
        [
            error(
                line,
                None,
                "file.cell_too_long",
                N_(
                    "a cell from line %(line)s on is longer than %(n)s characters (maybe a "
                    "quotation mark never closed): check the line"
                ),
                line=line,
                n=f"{MAX_CELL:,}",
            )
        ]
    )


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    """The CSV records; a record over several lines (a quotation mark left open swallows
    the lines after it) and a cell too long to read are refused with the line they start on."""
    text = decode_csv(data)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    start = 1  # the physical line the next record starts on
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger" in str(exc):
                raise _too_long(start) from None
            reason = {"line": start, "reason": str(exc)}
            message = N_("line %(line)s cannot be read as CSV (%(reason)s)")
            raise ImportRejected([error(start, None, "file.csv", message, **reason)]) from None
        end = reader.line_num
        if end > start and any("\n" in c or "\r" in c for c in cells):
            raise ImportRejected([error(start, None, "file.runaway_quote", RUNAWAY_QUOTE, end=end)])
        if any(len(c) > MAX_CELL for c in cells):
            raise _too_long(start)
        start = end + 1
        yield cells


def _cell(value: Any) -> Any:
    """An Excel cell as text (dates as ISO dates); long numbers are flagged by the caller."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# an .xlsx is a zip: what it unpacks to is bounded before anything is unpacked, so a small
# file that inflates to gigabytes (a zip bomb) is refused, not read until memory runs out.
# A real workbook's XML packs about 10:1; a county's largest register unpacks to far less
MAX_XLSX_UNPACKED = 1 << 30  # bytes, all members together
MAX_XLSX_RATIO = 200  # unpacked : packed, for any member over a megabyte unpacked
BOMB = N_(
    "the Excel file unpacks to %(size)s MB (%(ratio)s times its packed size): it is not read; "
    "send the register as CSV or a workbook of its own rows only"
)


def _check_unpacked(data: bytes) -> None:
    """Refuse a workbook whose zip members would unpack to more than the bounds allow."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        return  # openpyxl names the damage
    total = sum(m.file_size for m in members)
    ratios = [m.file_size / max(m.compress_size, 1) for m in members if m.file_size > 1 << 20]
    ratio = max(ratios, default=total / max(len(data), 1))
    if total > MAX_XLSX_UNPACKED or ratio > MAX_XLSX_RATIO:
        raise ImportRejected(
            [error(None, None, "file.xlsx_unpacked_too_large", BOMB,
                   size=f"{total / (1 << 20):,.0f}", ratio=f"{ratio:,.0f}")]
        )  # fmt: skip


def _open_xlsx(data: bytes) -> Any:
    from openpyxl import load_workbook

    _check_unpacked(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportRejected(
            [
                error(
                    None,
                    None,
                    "file.xlsx",
                    N_("the Excel file cannot be read (%(reason)s)"),
                    reason=str(exc),
                )
            ]
        ) from None


NO_ROWS = N_(
    "the file has its header row and no row below it: nothing to import; send the file with "
    "its rows"
)
SEVERAL_SHEETS = N_(
    "the workbook has rows on more than its first sheet (%(sheets)s): only one sheet is "
    "read; put every row on the first sheet, or send each sheet as a file of its own"
)
MERGED = N_(
    "cells %(cells)s are merged: only the first of them holds the value and the others "
    "would be read as blank; unmerge them and fill in every cell"
)
_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Za-z0-9:$]+)"')


def _filled(sheet: Any) -> bool:
    """Whether a read-only sheet holds any value (stops at the first)."""
    return any(
        v is not None and str(v).strip() for row in sheet.iter_rows(values_only=True) for v in row
    )


def _one_sheet_unmerged(data: bytes, workbook: Any) -> None:
    """Refuse a workbook with values on a sheet after the first (it was left out, silently)
    or merged cells on the first (the range's other cells read as blank): all or nothing,
    the sheets and ranges named."""
    others = [ws.title for ws in workbook.worksheets[1:] if _filled(ws)]
    if others:
        names = ", ".join(f"“{t}”" for t in others)
        raise ImportRejected([error(None, None, "file.several_sheets", SEVERAL_SHEETS,
                                    sheets=names)])  # fmt: skip
    path = getattr(workbook.worksheets[0], "_worksheet_path", None)
    if path is None:
        return
    try:
        xml = zipfile.ZipFile(io.BytesIO(data)).read(path)
    except (KeyError, zipfile.BadZipFile):
        return
    ranges = [m.decode("ascii").replace("$", "").upper() for m in _MERGE_CELL.findall(xml)]
    if ranges:
        problems = []
        for cells in ranges:
            first = re.search(r"[0-9]+", cells)
            problems.append(error(int(first.group()) if first else None, None,
                                  "file.merged_cells", MERGED, cells=cells))  # fmt: skip
        raise ImportRejected(problems)


# what no cell of an import file holds: the one rule for a line of text
# (safetynet.plain_text): control characters (NUL cannot be stored on PostgreSQL at all), line
# breaks and tabs (a cell is one line), the invisible formatting characters (a right-to-left
# override or a zero-width joiner in a name or a code makes two look alike that are not)
CONTROL = HIDDEN_CLASS


CUT_SHORT = N_(
    "has %(n)s of the header's %(width)s cells and the file ends without a line break: "
    "it looks cut off while being written; send the whole file"
)


# a cell a spreadsheet would run as a formula when the file (or a problems file quoting it)
# is opened: = or @ first, or + or - followed by more than a number or a phone number
FORMULA = r"^(?:[=@].|[+-].*[^0-9 .,%()-])"


def _formulas(frame: pl.DataFrame, headers: list[str]) -> list[Problem]:
    """A problem per cell that starts like a spreadsheet formula (row and column named)."""
    out = []
    for j, header in enumerate(headers):
        rows = frame.filter(pl.col(f"c{j}").str.contains(FORMULA))["_row"].to_list()
        out += [error(r, header, "cell.formula",
                      N_("starts like a spreadsheet formula (=, +, - or @): a register cell "
                         "holds text or a number, never a formula; retype the cell"))
                for r in rows]  # fmt: skip
    return out


def _control_characters(frame: pl.DataFrame, headers: list[str]) -> list[Problem]:
    """A problem per cell holding a control character (row and column named)."""
    out = []
    for j, header in enumerate(headers):
        bad = frame.filter(pl.col(f"c{j}").str.contains(CONTROL))
        out += [error(r, header, "cell.control_character",
                      N_("holds a control or invisible character (%(char)s); retype the cell"),
                      char=hidden_character(text) or "")
                for r, text in zip(bad["_row"], bad[f"c{j}"], strict=True)]  # fmt: skip
    return out


def _build(
    file_name: str,
    raw: Iterable[Iterable[Any]],
    total: int | None,
    progress: Progress | None,
    open_end: bool = False,
) -> Sheet:
    """The sheet; ``open_end``: a CSV file that does not end with a line break, whose last
    row is refused when it has fewer cells than the header (a file cut off while written)."""
    it = iter(raw)
    header_cells = next(it, None)
    if header_cells is None:
        raise ImportRejected([error(None, None, "file.empty", N_("the file is empty"))])
    headers = [("" if h is None else str(h)).replace("\ufeff", "").strip() for h in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise ImportRejected([error(1, None, "file.no_header", N_("the first row has no headers"))])
    width = len(headers)
    columns: list[list[Any]] = [[] for _ in range(width)]
    row_numbers: list[int] = []
    problems: list[Problem] = []
    long_numbers: set[tuple[int, int]] = set()
    last = (0, width)  # the last row with a value: its number and how many cells it has
    for row_no, cells in enumerate(it, start=2):
        values = [_cell(v) for v in cells]
        if not any(v is not None and str(v).strip() for v in values):
            continue
        last = (row_no, len(values))
        extra = [v for v in values[width:] if v is not None and str(v).strip()]
        if extra:
            problems.append(
                error(
                    row_no,
                    None,
                    "row.extra_cells",
                    N_("has %(n)s filled cell(s) to the right of the last column header"),
                    n=len(extra),
                )
            )
        for j in range(width):
            value = values[j] if j < len(values) else None
            columns[j].append(value)
        for j, original in enumerate(cells):
            if j < width and isinstance(original, int | float) and abs(original) >= LONG_NUMBER:
                long_numbers.add((row_no, j))
        row_numbers.append(row_no)
        if progress is not None and row_no % PROGRESS_EVERY == 0:
            progress("read", row_no - 1, total)
    if not row_numbers:  # imported as "0 rows": a register, a list or a file of incomes
        raise ImportRejected([error(None, None, "file.no_rows", NO_ROWS)])
    if progress is not None:
        progress("read", len(row_numbers), len(row_numbers))
    frame = pl.DataFrame(
        {f"c{j}": pl.Series(columns[j], dtype=pl.String) for j in range(width)}
        | {"_row": pl.Series(row_numbers, dtype=pl.Int64)}
    )
    text = [pl.col(f"c{j}").str.strip_chars() for j in range(width)]
    frame = frame.with_columns(
        pl.when(c.str.len_chars() > 0).then(c).otherwise(None).alias(f"c{j}")
        for j, c in enumerate(text)
    )
    problems += _control_characters(frame, headers) + _formulas(frame, headers)
    if open_end and last[1] < width:
        problems.append(
            error(
                last[0],
                None,
                "file.cut_short",
                CUT_SHORT,
                n=last[1],
                width=width,
            )
        )
    return Sheet(file_name, headers, frame, problems, long_numbers)


def read_bytes(data: bytes, file_name: str, progress: Progress | None = None) -> Sheet:
    """Read a file's content; the format follows the name's suffix and the content's magic bytes."""
    lower = file_name.lower()
    if data.startswith(OLE_MAGIC) or lower.endswith(".xls"):
        raise ImportRejected(
            [
                error(
                    None,
                    None,
                    "file.xls",
                    N_("old .xls files are not read: save it as .xlsx or CSV"),
                )
            ]
        )
    if data.startswith(XLSX_MAGIC) or lower.endswith(".xlsx"):
        workbook = _open_xlsx(data)
        try:
            sheet = workbook.worksheets[0]
            _one_sheet_unmerged(data, workbook)
            rows = sheet.iter_rows(values_only=True)
            return _build(file_name, rows, sheet.max_row or None, progress)
        finally:
            workbook.close()
    open_end = not data.endswith((b"\n", b"\r"))
    return _build(file_name, _csv_rows(data), data.count(b"\n") or None, progress, open_end)


def read_path(path: str | Path, progress: Progress | None = None) -> Sheet:
    path = Path(path)
    return read_bytes(path.read_bytes(), path.name, progress)
