"""Which catalog entry prices an item line: the one definition, in SQL, Polars and Python.

The catalog is dated: each code has entries, each in force over ``[valid_from, valid_to)``
(``valid_to`` exclusive, NULL = open), as poverty statuses and designations are; the periods
of one code never overlap (the import refuses it, :mod:`safetynet.catalogs.item_import`).

An item line is priced by the entry of its code **in force on the line's day**: the line's
own ``service_date`` when it carries one, else its claim's date (the visit or the
admission: ``claim.start_date``). A window or API submission's lines carry no date, so they
are priced on the claim's date; a stay recorded with dated lines that runs over a change
(a December admission discharged in January) has each line priced by its own day.

A line whose code has no entry in force on its day is *out of catalog*, as an unknown code
always was: the window and the APIs refuse it (``item_unknown``); a claim already recorded
(the year batch, the design's claims, a settled claim's lines) prices it as class C
(:data:`OUT_OF_CATALOG`: not compliant, no self-pay share, not essential).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from safetynet.codes import ItemClass
from safetynet.store.models import CatalogItem, Claim, ClaimItem
from safetynet.store.models.catalogs import CATALOG_START

__all__ = [
    "CATALOG_START",
    "ENTRY_COLUMNS",
    "OUT_OF_CATALOG",
    "attach",
    "by_code",
    "entry_of_line",
    "entry_on",
    "in_force",
    "in_force_on",
    "line_day",
    "line_day_of",
    "pick",
]

# CATALOG_START: the earliest day an entry can be in force (the model's default start; the
# migration's and the shipped demo catalog's), defined with the model.

# How a line out of catalog on its day is priced where it is not refused: class C.
OUT_OF_CATALOG = (ItemClass.C, 0, False)  # item class, self-pay share (bp), essential


# what a reader needs of each entry of its codes to price a line (:func:`pick` chooses the one
# of the line's day): the window's snapshot and the FHIR lines read these
ENTRY_COLUMNS = (
    CatalogItem.code, CatalogItem.item_class, CatalogItem.self_pay_bp, CatalogItem.essential,
    CatalogItem.valid_from, CatalogItem.valid_to,
)  # fmt: skip


def line_day() -> ColumnElement[date]:
    """The day an item line is priced on (SQL): its service date, else its claim's date.
    The statement must join :class:`Claim` to :class:`ClaimItem`."""
    return func.coalesce(ClaimItem.service_date, Claim.start_date)


def line_day_of(service_date: str | pl.Expr, claim_date: str | pl.Expr) -> pl.Expr:
    """The day of an item line (Polars; the same rule as :func:`line_day`): its service date,
    else its claim's date. The supervision frames find each line's catalog entry in force by
    it, from the database, the window and a claim file alike (the line itself keeps the day
    it gives: the day-based rules have their own rule for undated lines)."""
    return pl.coalesce(service_date, claim_date)


def in_force_on(day: Any) -> ColumnElement[bool]:
    """The catalog entries in force on ``day`` (SQL; a column, a bound date or a literal)."""
    return and_(
        CatalogItem.valid_from <= day,
        or_(CatalogItem.valid_to.is_(None), CatalogItem.valid_to > day),
    )


def entry_of_line() -> ColumnElement[bool]:
    """The join condition of an item line's entry (``outerjoin(CatalogItem, ...)``: a line
    out of catalog on its day keeps a row, with NULL entry columns)."""
    return and_(CatalogItem.code == ClaimItem.item_code, in_force_on(line_day()))


def in_force(valid_from: date, valid_to: date | None, day: date) -> bool:
    """Whether a period holds ``day`` (Python; the same test as :func:`in_force_on`)."""
    return valid_from <= day and (valid_to is None or valid_to > day)


E = TypeVar("E")


def pick(entries: Iterable[E], day: date) -> E | None:
    """The entry of ``entries`` (of one code; each with ``valid_from`` and ``valid_to``)
    in force on ``day``, or None."""
    for e in entries:
        if in_force(e.valid_from, e.valid_to, day):  # type: ignore[attr-defined]
            return e
    return None


def by_code(rows: Iterable[E]) -> dict[str, list[E]]:
    """Rows of entries grouped by code (each row with a ``code``)."""
    out: dict[str, list[E]] = {}
    for r in rows:
        out.setdefault(r.code, []).append(r)  # type: ignore[attr-defined]
    return out


def attach(
    lines: pl.DataFrame,
    entries: pl.DataFrame,
    columns: Sequence[str],
    *,
    code: str = "code",
    day: str = "day",
) -> pl.DataFrame:
    """``lines`` with ``columns`` of the entry of their ``code`` in force on their ``day``
    (Polars; null when out of catalog). ``entries`` holds ``code``, ``valid_from``,
    ``valid_to`` and ``columns``; the lines keep their order."""
    if lines.is_empty() or entries.is_empty():
        return lines.with_columns(
            pl.lit(None, entries.schema[c] if c in entries.columns else pl.String).alias(c)
            for c in columns
        )
    keyed = lines.with_row_index("_line").with_columns(pl.col(day).alias("_day"))
    found = (
        keyed.select("_line", pl.col(code).alias("_code"), "_day")
        .filter(pl.col("_code").is_not_null() & pl.col("_day").is_not_null())
        .join(
            entries.select(pl.col("code").alias("_code"), "valid_from", "valid_to", *columns),
            on="_code",
            how="inner",
        )
        .filter(
            (pl.col("valid_from") <= pl.col("_day"))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") > pl.col("_day")))
        )
        .select("_line", *columns)
    )
    return (
        keyed.drop(*[c for c in columns if c in keyed.columns])
        .join(found, on="_line", how="left")
        .sort("_line")
        .drop("_line", "_day")
    )


def entry_on(session: Session, code: str, day: date) -> CatalogItem | None:
    """The entry of ``code`` in force on ``day`` (an ORM row), or None."""
    return session.scalars(
        select(CatalogItem).where(CatalogItem.code == code, in_force_on(day))
    ).first()
