"""CSV files other systems read (the bank's transfer file) and people may open in a
spreadsheet: one rule for every text cell, so no cell breaks the file's columns or lines and
none becomes a formula.

- every field is double-quoted, a quote inside doubled (RFC 4180), so a comma or a quote in a
  name never moves a column;
- a line break, tab or other control character inside a text becomes one space: one record
  is one line, whatever the reader;
- a text whose first character is ``=``, ``+``, ``-`` or ``@`` (after those spaces), or
  that began with a tab or a carriage return, gets a leading apostrophe ``'``, so a
  spreadsheet shows it as text and never runs it (OWASP's advice against CSV injection). Names
  the registry's imports accept never start so (:mod:`safetynet.tabular.reading` refuses a
  formula), so the apostrophe only ever marks a name written some other way.

Numbers and dates the caller formats as text stay as they are (they start with a digit).
A Polars frame is written by :func:`write_frame_csv` alone (its text columns by the same rule,
its numbers as numbers); no other module calls ``DataFrame.write_csv``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import polars as pl

FORMULA_START = ("=", "+", "-", "@")
LEADING_CONTROL = ("\t", "\r")  # a spreadsheet may drop them and read the formula behind
_CONTROL_CLASS = "[\x00-\x1f\x7f\u2028\u2029\x85]"  # the characters themselves, not escapes
_CONTROL = re.compile(_CONTROL_CLASS)
# the same rule as a regular expression on the text before its control characters become
# spaces (Polars): a leading tab or CR, or a formula's first character after blanks
_STARTS = "[-" + "".join(c for c in FORMULA_START if c != "-") + "]"  # "-" first: no range
_GUARDED = "^(?:[\t\r]|[ " + _CONTROL_CLASS[1:-1] + "]*" + _STARTS + ")"


def inert(text: str) -> str:
    """The text as one safe cell: control characters as spaces, a formula's start (or a
    leading tab or carriage return) marked with an apostrophe."""
    flat = _CONTROL.sub(" ", text)
    guarded = text.startswith(LEADING_CONTROL) or flat.lstrip(" ").startswith(FORMULA_START)
    return "'" + flat if guarded else flat


def inert_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text column (and every categorical one, as text) :func:`inert`,
    cell by cell, in Polars; numbers, dates and nulls stay as they are."""
    texts = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))
    ]
    if not texts:
        return frame
    exprs = []
    for name in texts:
        raw = pl.col(name).cast(pl.String)
        flat = raw.str.replace_all(_CONTROL_CLASS, " ")
        exprs.append(
            pl.when(raw.str.contains(_GUARDED)).then(pl.lit("'") + flat).otherwise(flat).alias(name)
        )
    return frame.with_columns(exprs)


def write_frame_csv(frame: pl.DataFrame, file: str | Path | IO[str] | IO[bytes] | None = None
                    ) -> str | None:  # fmt: skip
    """Write ``frame`` as CSV (Polars' quoting, a header row) with every text cell
    :func:`inert`: the one writer of a frame's CSV. Without ``file`` the CSV text."""
    return inert_frame(frame).write_csv(file)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """The rows under the header as CSV text (LF line ends), every cell :func:`inert` and
    quoted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow([inert(h) for h in header])
    for row in rows:
        writer.writerow([inert(str(v)) for v in row])
    return out.getvalue()
