"""The one rule for numbers typed or imported: full-width forms are the same number.

A clerk on a Chinese input method types ``１２３``, ``－５``, ``１２．５０`` or ``６０％``:
every numeric input — web forms, the JSON API, CSV and Excel imports, claim files — reads
its text through :func:`numeric_text` (one value) or :func:`numeric_expr` (a column), which
apply Unicode NFKC (full-width digits, minus, plus, point, comma, percent and the
ideographic space become their ASCII forms) and strip the ends. The parsers then accept
ASCII only, so other scripts' digits (``٣``, which NFKC keeps) are refused with the parser's
own sentence instead of being read by Python's Unicode-aware ``int``.
"""

from __future__ import annotations

import unicodedata

import polars as pl

FORM = "NFKC"


def numeric_text(text: str) -> str:
    """``text`` as a number's ASCII spelling (NFKC, stripped); non-ASCII left for the
    parser to refuse."""
    return unicodedata.normalize(FORM, text).strip()


def numeric_expr(expr: str | pl.Expr) -> pl.Expr:
    """:func:`numeric_text` over a column of text (nulls stay null)."""
    col = pl.col(expr) if isinstance(expr, str) else expr
    return col.str.normalize(FORM).str.strip_chars()


def ascii_digits(text: str) -> bool:
    """A non-empty run of ASCII digits only (``str.isdigit`` also takes ``１`` and ``٣``)."""
    return text.isascii() and text.isdigit()
