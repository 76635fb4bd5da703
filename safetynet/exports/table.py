"""A table to export: a title, typed columns and rows, independent of the file format.

Column kinds say how a value is shown, so every writer formats numbers the same way:
``money`` values are integer fen shown as yuan with two decimals, ``ratio`` values are
fractions shown as percentages, ``change`` values are differences of ratios shown
as signed percentage points (+1.25 pp, or the column's ``points`` template such as
``%(points)s个百分点``), ``count`` values are integers with thousands separators.
A :class:`Cell` overrides its column's kind for one value (a figure/value table whose value
column mixes counts, money and ratios).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import polars as pl

from safetynet.money import fmt_yuan

ColumnKind = Literal["text", "count", "money", "ratio", "change", "number", "date"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = "text"
    width: int | None = None  # characters; None: from the kind
    points: str | None = None  # "change" columns: the template, e.g. "%(points)s pp"


@dataclass(frozen=True)
class Cell:
    """A value shown as ``kind`` instead of its column's kind."""

    value: Any
    kind: ColumnKind


def unwrap(value: Any, kind: ColumnKind) -> tuple[Any, ColumnKind]:
    """The plain value and the kind it is shown as (a :class:`Cell`'s own, else the column's)."""
    return (value.value, value.kind) if isinstance(value, Cell) else (value, kind)


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[Sequence[Any]]
    note: str | None = None  # a line under the title (definition, source, period)
    notes: list[str] = field(default_factory=list)  # footnotes
    strong: set[int] = field(default_factory=set)  # indices of rows to emphasise (subtotals)
    sheet: str | None = None  # the sheet's name in a workbook; None: the title

    @classmethod
    def from_frame(
        cls, title: str, frame: pl.DataFrame, columns: list[Column], note: str | None = None
    ) -> Table:
        """Rows from the frame's columns named by ``columns``' keys, in that order."""
        keys = [c.key for c in columns]
        return cls(title, columns, list(frame.select(keys).iter_rows()), note)


POINTS = "%(points)s pp"  # a change of a ratio, in percentage points (English)


def display(value: Any, kind: ColumnKind, points: str | None = None) -> str:
    """A cell as text (PDF, HTML): yuan with separators, percentages to two decimals, changes
    of ratios in percentage points (``points``: the column's template, default ``+1.25 pp``)."""
    value, kind = unwrap(value, kind)
    if value is None:
        return "—"
    if kind == "money":
        return fmt_yuan(int(value))
    if kind == "ratio":
        return f"{float(value) * 100:.2f}%"
    if kind == "change":
        return (points or POINTS) % {"points": f"{float(value) * 100:+.2f}"}
    if kind == "count":
        return f"{int(value):,}"
    if kind == "number":
        return f"{float(value):,.2f}"
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    return str(value)
