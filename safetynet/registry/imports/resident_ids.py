"""Resident IDs in an imported sheet: every ID checked in one compiled pass that mirrors
``parse_resident_id`` (``registry.resident_id_column``, as for claim files; the few bad rows
get their messages one by one), and a warning for region codes missing from the division
table."""

from __future__ import annotations

from datetime import date

import polars as pl

from safetynet.clock import local_today
from safetynet.i18n import N_
from safetynet.registry.resident_id import ResidentIdError, parse_resident_id
from safetynet.registry.resident_id_column import valid_resident_ids
from safetynet.tabular.columns import Bound
from safetynet.tabular.problems import Message, Problem, error, warning


def resident_id_exprs(src: pl.Expr, today: date) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    """(normalised ID, valid?, birth date, sex) as expressions; mirrors ``parse_resident_id``.

    Birth date and sex are null where the ID is not valid.
    """
    number = src.str.strip_chars().str.to_uppercase()
    born = number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    valid = number.map_batches(  # the claim files' compiled check: one pass, no Python per row
        lambda ids: valid_resident_ids(ids, today=today),
        return_dtype=pl.Boolean,
        is_elementwise=True,
    )
    odd = number.str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1
    sex = pl.when(odd).then(pl.lit("M")).otherwise(pl.lit("F"))
    return number, valid, pl.when(valid).then(born), pl.when(valid).then(sex)


LONG_NUMBER_HINT = N_(
    "is stored as a number in Excel, which keeps only 15 digits; "
    "format the column as text and enter the IDs again"
)


def check_resident_ids(bound: Bound, name: str = "resident_id") -> list[Problem]:
    """Validate IDs; adds ``_id_ok``, ``_id_birth`` and ``_id_sex`` (null when the ID is bad)."""
    today = local_today()
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
