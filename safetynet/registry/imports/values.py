"""Vectorised cell parsing for imports: blanks, vocabularies, dates, resident IDs, duplicates.

Each function checks a whole column with Polars expressions and builds a problem only for the
rows that fail (those few are looped over to write their messages). Parsed values replace the
text column in ``bound.frame``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

import polars as pl

from safetynet.i18n import N_
from safetynet.registry.imports.columns import Bound
from safetynet.registry.imports.problems import ByLanguage, Message, Problem, error, warning
from safetynet.registry.resident_id import (
    CHECK_CHARS,
    EARLIEST_BIRTH,
    WEIGHTS,
    ResidentIdError,
    parse_resident_id,
)


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
    """YYYY-MM-DD, YYYY/M/D, YYYY.MM.DD or YYYYMMDD (an Excel date cell arrives as ISO text)."""
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


def resident_id_exprs(src: pl.Expr, today: date) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    """(normalised ID, valid?, birth date, sex) as expressions; mirrors ``parse_resident_id``.

    Birth date and sex are null where the ID is not valid.
    """
    number = src.str.strip_chars().str.to_uppercase()
    born = number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    total = pl.sum_horizontal(
        number.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(WEIGHTS)
    )
    expected = (total % 11).replace_strict(
        list(range(11)), list(CHECK_CHARS), default=None, return_dtype=pl.String
    )
    valid = (
        number.str.contains(r"^[0-9]{17}[0-9X]$")
        & born.is_between(EARLIEST_BIRTH, today)
        & (number.str.slice(17, 1) == expected)
    ).fill_null(False)
    odd = number.str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1
    sex = pl.when(odd).then(pl.lit("M")).otherwise(pl.lit("F"))
    return number, valid, pl.when(valid).then(born), pl.when(valid).then(sex)


LONG_NUMBER_HINT = N_(
    "is stored as a number in Excel, which keeps only 15 digits; "
    "format the column as text and enter the IDs again"
)


def check_resident_ids(bound: Bound, name: str = "resident_id") -> list[Problem]:
    """Validate IDs; adds ``_id_ok``, ``_id_birth`` and ``_id_sex`` (null when the ID is bad)."""
    today = date.today()
    number, valid, born, sex = resident_id_exprs(pl.col(name), today)
    frame = bound.frame.with_columns(number.alias(name), valid.alias("_id_ok"))
    out: list[Problem] = []
    header = bound.header[name]
    col_index = bound.column_index(name)
    bad = frame.filter(pl.col(name).is_not_null() & ~pl.col("_id_ok")).select("_row", name)
    for row, text in bad.iter_rows():
        if (row, col_index) in bound.sheet.long_numbers:
            out.append(error(row, header, "resident_id.number", LONG_NUMBER_HINT))
            continue
        try:
            parse_resident_id(text, today=today)
        except ResidentIdError as exc:
            out.append(error(row, header, f"resident_id.{exc.code}", exc.template, value=text,
                             **exc.params))  # fmt: skip
        else:  # cannot happen while resident_id_exprs mirrors parse_resident_id (tested)
            out.append(error(row, header, "resident_id.invalid", N_("is not a valid resident ID")))
    bound.frame = frame.with_columns(
        pl.when("_id_ok").then(born).alias("_id_birth"),
        pl.when("_id_ok").then(sex).alias("_id_sex"),
    )
    return out


def region_warnings(bound: Bound, name: str = "resident_id") -> list[Problem]:
    """A warning per region code of valid IDs missing from the division table (if it is known)."""
    try:
        from safetynet.registry.divisions import region_code_problem
    except ImportError:
        return []
    firsts = (
        bound.frame.filter("_id_ok")
        .group_by(pl.col(name).str.slice(0, 6).alias("_code"))
        .agg(pl.col("_row").min().alias("first"), pl.len().alias("n"))
        .sort("first")
    )
    out = []
    for code, first, n in firsts.iter_rows():
        found = region_code_problem(code)
        if found:
            template, params = found
            if n > 1:
                inner = Message(template, params)
                template = N_("%(warning)s (also on %(others)s other row(s))")
                params = {"warning": inner, "others": n - 1}
            out.append(
                warning(first, bound.header[name], "resident_id.region", template, **params,
                        region=code)
            )  # fmt: skip
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
