"""A person's age: whole years (周岁) from the birth date to a day, a birthday on the day
counting — the one definition, on integers (:func:`age_on`, one claim at the window) and on
Polars columns (:func:`age_expr`: claim files, the year batch, the programmes' screen, the
synthetic county)."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import polars as pl

N = TypeVar("N", int, pl.Expr)


def whole_years(born_year: N, born_day: N, on_year: N, on_day: N) -> N:
    """Whole years from a birth to a date, a birthday on the date counting; each day given
    as month × 100 + day. The one definition of age: :func:`age_on` calls it on integers,
    :func:`age_expr` on Polars expressions."""
    return on_year - born_year - (on_day < born_day)  # type: ignore[operator,no-any-return]


def age_on(born: date, on: date) -> int:
    """Whole years of age on a date (one claim at the window)."""
    return whole_years(born.year, born.month * 100 + born.day, on.year, on.month * 100 + on.day)


def age_expr(born: str, on: str) -> pl.Expr:
    """Whole years of age on a date, vectorised (:func:`whole_years` on columns)."""

    def parts(col: str) -> tuple[pl.Expr, pl.Expr]:
        d = pl.col(col).dt
        return d.year().cast(pl.Int32), d.month().cast(pl.Int32) * 100 + d.day().cast(pl.Int32)

    return whole_years(*parts(born), *parts(on)).cast(pl.Int32)
