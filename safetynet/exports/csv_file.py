"""CSV files other systems read (the bank's transfer file) and people may open in a
spreadsheet: one rule for every text cell, so no cell breaks the file's columns or lines and
none becomes a formula.

- every field is double-quoted, a quote inside doubled (RFC 4180), so a comma or a quote in a
  name never moves a column;
- a line break, tab or other control character inside a text becomes one space: one record
  is one line, whatever the reader;
- a text whose first character is ``=``, ``+``, ``-`` or ``@`` (after those spaces) gets a
  leading apostrophe ``'``, so a spreadsheet shows it as text and never runs it (OWASP's
  advice against CSV injection). Names the registry's imports accept never start so
  (:mod:`safetynet.tabular.reading` refuses a formula), so the apostrophe only ever marks a
  name written some other way.

Numbers and dates the caller formats as text stay as they are (they start with a digit).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


def inert(text: str) -> str:
    """The text as one safe cell: control characters as spaces, a formula's start marked."""
    flat = _CONTROL.sub(" ", text)
    return "'" + flat if flat.lstrip(" ").startswith(FORMULA_START) else flat


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """The rows under the header as CSV text (LF line ends), every cell :func:`inert` and
    quoted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow([inert(h) for h in header])
    for row in rows:
        writer.writerow([inert(str(v)) for v in row])
    return out.getvalue()
