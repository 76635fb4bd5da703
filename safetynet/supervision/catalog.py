"""The catalog facts screening reads of each item line: class, price ceiling, sex and age
restrictions — from the entry of the line's code in force on the line's day
(:mod:`safetynet.catalogs.in_force`), of the county's own catalog (the database's
``catalog_item``) when claims come from the database or the window. A claim file or the
synthetic county screened without a database use the shipped catalog (its entries in force
from ``CATALOG_START`` on). A line out of catalog on its day has no facts, as an unknown code
always had here: no class (unless it carries its own, as a claim file's line does; the
out-of-catalog share counts class C lines), no ceiling, no restriction.

:func:`with_catalog` attaches the facts to a frame of lines (a year, a claim file);
:class:`Entries` gives them line by line to the window's guards and rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import polars as pl
from sqlalchemy import Connection, String, bindparam, select, type_coerce

from safetynet.catalogs.in_force import attach, pick
from safetynet.catalogs.items import catalog_rows
from safetynet.store.fetch import fetch_frame
from safetynet.store.models import CatalogItem

FACTS = ("item_class", "price_ceiling_fen", "sex_restriction", "min_age", "max_age")
FACT_SCHEMA: dict[str, Any] = {
    "item_class": pl.String, "price_ceiling_fen": pl.Int64, "sex_restriction": pl.String,
    "min_age": pl.Int64, "max_age": pl.Int64,
}  # fmt: skip
ENTRY_SCHEMA: dict[str, Any] = {
    "code": pl.String, "valid_from": pl.Date, "valid_to": pl.Date, **FACT_SCHEMA
}  # fmt: skip
NO_FACTS = (None, None, None, None, None)  # a line out of catalog on its day
_COLUMNS = [
    CatalogItem.code, CatalogItem.valid_from, CatalogItem.valid_to,
    type_coerce(CatalogItem.item_class, String).label("item_class"),
    CatalogItem.price_ceiling_fen,
    type_coerce(CatalogItem.sex_restriction, String).label("sex_restriction"),
    CatalogItem.min_age, CatalogItem.max_age,
]  # fmt: skip
_ALL = select(*_COLUMNS)
_OF_CODES = _ALL.where(CatalogItem.code.in_(bindparam("codes", expanding=True)))


@cache
def shipped_entries() -> pl.DataFrame:
    """The shipped demo catalog as entries (for a claim file or the synthetic county)."""
    return catalog_rows().select(list(ENTRY_SCHEMA)).cast(ENTRY_SCHEMA)  # type: ignore[arg-type]


@cache
def _shipped_by_code() -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for r in shipped_entries().iter_rows(named=True):
        out.setdefault(r["code"], []).append(_entry(r))
    return out


def county_entries(conn: Connection) -> pl.DataFrame:
    """Every entry of the county's catalog (one statement)."""
    return fetch_frame(conn, _ALL, ENTRY_SCHEMA)


def with_catalog(lines: pl.DataFrame, entries: pl.DataFrame, day: str = "day") -> pl.DataFrame:
    """``lines`` (``code`` and the line's ``day``; a line's own ``item_class`` — a claim
    file's — is kept) with the facts of their entries in force on their days (none when
    out of catalog)."""
    own = "item_class" in lines.columns
    if own:
        lines = lines.rename({"item_class": "_own_class"})
    out = attach(lines, entries, FACTS, code="code", day=day)
    if own:
        out = out.with_columns(pl.coalesce("_own_class", "item_class").alias("item_class"))
        out = out.drop("_own_class")
    return out


class Entries:
    """Catalog entries by code, read as they are needed (the window's few codes)."""

    def __init__(self, conn: Connection | None = None) -> None:
        self.conn = conn  # None: the shipped catalog
        self.by_code: dict[str, list[Any]] = {} if conn is not None else _shipped_by_code()
        self.loaded: set[str] = set()

    def need(self, codes: Iterable[str | None]) -> Entries:
        """Read the entries of the ``codes`` not read yet (one statement)."""
        if self.conn is None:  # the shipped catalog is held whole
            return self
        missing = sorted({c for c in codes if c is not None} - self.loaded)
        if not missing:
            return self
        self.loaded.update(missing)
        for r in self.conn.execute(_OF_CODES, {"codes": missing}):
            self.by_code.setdefault(r.code, []).append(_entry(r._asdict()))
        return self

    def facts(self, code: str | None, day: date) -> tuple[Any, ...]:
        """(class, ceiling, sex, min age, max age) of ``code`` on ``day``."""
        if code is None:
            return NO_FACTS
        if self.conn is not None and code not in self.loaded:
            self.need([code])
        e = pick(self.by_code.get(code, ()), day)
        if e is None:
            return NO_FACTS
        return (e.item_class, e.price_ceiling_fen, e.sex_restriction, e.min_age, e.max_age)


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    valid_from: date
    valid_to: date | None
    item_class: str | None
    price_ceiling_fen: int | None
    sex_restriction: str | None
    min_age: int | None
    max_age: int | None


def _entry(values: dict[str, Any]) -> _Entry:
    return _Entry(**{k: getattr(v, "value", v) for k, v in values.items()})
