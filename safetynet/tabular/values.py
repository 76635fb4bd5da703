"""Vectorised cell parsing for imports: blanks, vocabularies, dates, duplicates, too-long
texts and unknown keys (resident IDs: ``safetynet.registry.imports.resident_ids``).

Each function checks a whole column with Polars expressions and builds a problem only for the
rows that fail (those few are looped over to write their messages). Parsed values replace the
text column in ``bound.frame``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import polars as pl

from safetynet.i18n import N_
from safetynet.numerals import numeric_expr
from safetynet.tabular.columns import Bound
from safetynet.tabular.problems import ByLanguage, Problem, error


def _failing(bound: Bound, mask: pl.Expr, *cols: str) -> list[dict[str, Any]]:
    return bound.frame.filter(mask).select("_row", *cols).to_dicts()


def require(bound: Bound, *names: str) -> list[Problem]:
    """Blank cells in columns that must be filled."""
    out = []
    for name in names:
        if bound.has(name):
            for r in _failing(bound, pl.col(name).is_null()):
                out.append(
                    error(r["_row"], bound.header[name], "cell.blank", N_("must not be blank"))
                )
    return out


def parse_choice(
    bound: Bound, name: str, vocabulary: Mapping[str, Any], what: str
) -> list[Problem]:
    """Map text to canonical values (case-insensitive); text outside ``vocabulary`` is an error."""
    if not bound.has(name):
        return []
    keys = list(vocabulary)
    values = [v.value if isinstance(v, StrEnum) else v for v in vocabulary.values()]
    dtype = pl.Boolean if all(isinstance(v, bool) for v in values) else pl.String
    src = pl.col(name)
    parsed = src.str.to_lowercase().replace_strict(keys, values, default=None, return_dtype=dtype)
    bad = _failing(bound, src.is_not_null() & parsed.is_null(), name)
    chinese = list(dict.fromkeys(k for k in keys if not k.isascii())) or keys
    english = ", ".join(dict.fromkeys(str(v) for v in values))
    choices = ByLanguage(en=f"{', '.join(chinese)} (or {english})", zh="、".join(chinese))
    out = [
        error(r["_row"], bound.header[name], "cell.choice",
              N_('"%(value)s" is not a %(what)s; use one of %(choices)s'), ("what",),
              value=r[name], what=what, choices=choices)
        for r in bad
    ]  # fmt: skip
    bound.frame = bound.frame.with_columns(parsed.alias(name))
    return out


def date_expr(src: pl.Expr) -> pl.Expr:
    """YYYY-MM-DD, YYYY/M/D, YYYY.MM.DD or YYYYMMDD (an Excel date cell arrives as ISO text);
    full-width digits and signs read as ASCII (the one rule of :mod:`safetynet.numerals`)."""
    src = numeric_expr(src)
    dashed = src.str.replace_all(r"[/.年月]", "-").str.replace(r"日$", "")
    return pl.coalesce(
        dashed.str.to_date("%Y-%m-%d", strict=False), src.str.to_date("%Y%m%d", strict=False)
    )


def parse_dates(bound: Bound, *names: str) -> list[Problem]:
    out = []
    for name in names:
        if not bound.has(name):
            continue
        src = pl.col(name)
        parsed = date_expr(src)
        for r in _failing(bound, src.is_not_null() & parsed.is_null(), name):
            out.append(
                error(r["_row"], bound.header[name], "cell.date",
                      N_('"%(value)s" is not a date; write it as YYYY-MM-DD'), value=r[name])
            )  # fmt: skip
        bound.frame = bound.frame.with_columns(parsed.alias(name))
    return out


def duplicates(bound: Bound, keys: list[str], column: str, template: str) -> list[Problem]:
    """Rows repeating a key of an earlier row: an error on each repeat, naming the first row.

    ``template`` (a message id) is formatted with ``value`` (the cell of ``column``) and
    ``first`` (a row number).
    """
    first = pl.col("_row").min().over(keys)
    repeats = (
        bound.frame.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in keys))
        .with_columns(first.alias("_first"))
        .filter(pl.col("_row") != pl.col("_first"))
    )
    return [
        error(r["_row"], bound.header[column], "row.duplicate",
              template, value=r[column], first=r["_first"], first_row=r["_first"])
        for r in repeats.select("_row", "_first", column).to_dicts()
    ]  # fmt: skip


def too_long(bound: Bound, limits: dict[str, int]) -> list[Problem]:
    """Text longer than its database column allows."""
    out = []
    for name, limit in limits.items():
        if bound.has(name):
            for r in _failing(bound, pl.col(name).str.len_chars() > limit, name):
                out.append(
                    error(r["_row"], bound.header[name], "cell.too_long",
                          N_("is %(length)s characters long; at most %(limit)s are allowed"),
                          length=len(r[name]), limit=limit)
                )  # fmt: skip
    return out


def unknown_keys(
    bound: Bound, name: str, known: pl.Series, code: str, template: str
) -> list[Problem]:
    """Cells naming something that does not exist (a village, a household, a person).

    ``template`` (a message id) is formatted with ``value``, the cell's text.
    """
    if not bound.has(name):
        return []
    src = pl.col(name)
    return [
        error(r["_row"], bound.header[name], code, template, value=r[name])
        for r in _failing(bound, src.is_not_null() & ~src.is_in(known.implode()), name)
    ]
