"""Masking names and resident IDs for public outputs (public notices, exports), scalar and Polars.

The public-notice convention: a name keeps its first and last character and masks each one in
between (``张三丰`` → ``张*丰``, ``欧阳建国`` → ``欧**国``); a two-character name keeps only
the first (``张三`` → ``张*``); a one-character name is masked entirely. A resident ID keeps its
first four and last four characters (``3404**********1234``); anything of eight characters or
fewer is masked entirely. Characters are counted as Unicode code points, the same in Python and
in Polars, so the scalar and the vectorised versions give identical results (tested).
"""

from __future__ import annotations

import polars as pl

MASK = "*"
ID_KEEP = 4  # characters kept at each end of a resident ID


def mask_name(name: str) -> str:
    """Keep the first and last character, mask the middle; two characters keep the first."""
    n = len(name)
    if n >= 3:
        return name[0] + MASK * (n - 2) + name[-1]
    if n == 2:
        return name[0] + MASK
    return MASK * n


def mask_resident_id(number: str) -> str:
    """Keep the first four and last four characters (``3404**********1234``)."""
    n = len(number)
    if n > 2 * ID_KEEP:
        return number[:ID_KEEP] + MASK * (n - 2 * ID_KEEP) + number[-ID_KEEP:]
    return MASK * n


def _stars(count: pl.Expr) -> pl.Expr:
    return pl.lit("").str.pad_end(count.cast(pl.Int64).clip(lower_bound=0), MASK)


def _col(col: str | pl.Expr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def mask_name_expr(col: str | pl.Expr) -> pl.Expr:
    """:func:`mask_name` as a Polars expression (nulls stay null)."""
    name = _col(col)
    n = name.str.len_chars()
    return (
        pl.when(n >= 3)
        .then(pl.concat_str(name.str.head(1), _stars(n - 2), name.str.tail(1)))
        .when(n == 2)
        .then(pl.concat_str(name.str.head(1), pl.lit(MASK)))
        .otherwise(_stars(n))
    )


def mask_id_expr(col: str | pl.Expr) -> pl.Expr:
    """:func:`mask_resident_id` as a Polars expression (nulls stay null)."""
    number = _col(col)
    n = number.str.len_chars()
    return (
        pl.when(n > 2 * ID_KEEP)
        .then(
            pl.concat_str(
                number.str.head(ID_KEEP), _stars(n - 2 * ID_KEEP), number.str.tail(ID_KEEP)
            )
        )
        .otherwise(_stars(n))
    )
