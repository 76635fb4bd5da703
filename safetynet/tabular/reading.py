"""Read an import file (CSV in UTF-8 / UTF-8 with BOM / GB18030, or Excel .xlsx) into rows.

The result is a :class:`Sheet`: the headers as written and a Polars frame of text cells
(columns ``c0``, ``c1``, ... plus ``_row``, the spreadsheet row number: header = row 1).
Cells are stripped; blank cells are null; wholly blank rows are dropped (their numbers are
kept by the rows after them, so messages point at the right line).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from safetynet.i18n import N_
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


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) if it decodes, otherwise GB18030 (a superset of GBK / GB2312)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportRejected(
            [error(None, None, "file.encoding", N_("the file is neither UTF-8 nor GB18030 text"))]
        ) from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    text = decode_csv(data)
    first = text.split("\n", 1)[0]
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))


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


def _open_xlsx(data: bytes) -> Any:
    from openpyxl import load_workbook

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


# control characters no cell of a register holds (NUL cannot be stored on PostgreSQL at all);
# tab, line feed and carriage return are left to the columns' own checks
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


CUT_SHORT = N_(
    "has %(n)s of the header's %(width)s cells and the file ends without a line break: "
    "it looks cut off while being written; send the whole file"
)


def _control_characters(frame: pl.DataFrame, headers: list[str]) -> list[Problem]:
    """A problem per cell holding a control character (row and column named)."""
    out = []
    for j, header in enumerate(headers):
        rows = frame.filter(pl.col(f"c{j}").str.contains(CONTROL))["_row"].to_list()
        out += [error(r, header, "cell.control_character",
                      N_("holds a control character (such as NUL); retype the cell"))
                for r in rows]  # fmt: skip
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
    problems += _control_characters(frame, headers)
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
            rows = sheet.iter_rows(values_only=True)
            return _build(file_name, rows, sheet.max_row or None, progress)
        finally:
            workbook.close()
    open_end = not data.endswith((b"\n", b"\r"))
    return _build(file_name, _csv_rows(data), data.count(b"\n") or None, progress, open_end)


def read_path(path: str | Path, progress: Progress | None = None) -> Sheet:
    path = Path(path)
    return read_bytes(path.read_bytes(), path.name, progress)
