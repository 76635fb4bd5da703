"""The one rule for numbers typed or imported: full-width forms are the same number.

A clerk on a Chinese input method types ``１２３``, ``－５``, ``１２．５０`` or ``６０％``:
every numeric input — web forms, the JSON API's amounts, CSV and Excel imports, claim files
— reads its text through :func:`numeric_text` (one value) or :func:`numeric_expr` (a
column), which fold the full-width forms (U+FF01–U+FF5E, and the ideographic space) to
their ASCII forms, exactly as Unicode NFKC maps them, and strip the ends. Nothing else is
folded: NFKC would also read a superscript ``²`` or a circled ``①`` as a digit, which no one
typing a number means. The parsers then accept ASCII only, so other scripts' digits (``٣``)
and such look-alikes are refused with the parser's own sentence instead of being read by
Python's Unicode-aware ``int``, ``Decimal`` or ``\\d``.
"""

from __future__ import annotations

import polars as pl

FULL_WIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
ASCII = [chr(c - 0xFF01 + 0x21) for c in range(0xFF01, 0xFF5F)] + [" "]
_FOLD = str.maketrans(dict(zip(FULL_WIDTH, ASCII, strict=True)))


def numeric_text(text: str) -> str:
    """``text`` with its full-width forms as ASCII, stripped; anything else non-ASCII left
    for the parser to refuse."""
    return text.translate(_FOLD).strip()


def numeric_expr(expr: str | pl.Expr) -> pl.Expr:
    """:func:`numeric_text` over a column of text (nulls stay null)."""
    col = pl.col(expr) if isinstance(expr, str) else expr
    return col.str.replace_many(FULL_WIDTH, ASCII).str.strip_chars()


def ascii_digits(text: str) -> bool:
    """A non-empty run of ASCII digits only (``str.isdigit`` also takes ``１``, ``²`` and
    ``٣``)."""
    return text.isascii() and text.isdigit()
