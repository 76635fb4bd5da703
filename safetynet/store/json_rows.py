"""Several selects read in one statement on PostgreSQL: each select's rows as one JSON array
of arrays, in a statement of one row compiled once to the driver's SQL.

A batch of settlements reads small sets of rows from several tables; each statement costs a
round trip, the server's parse and plan, and SQLAlchemy's per-execution work (a cache key
walked over the whole statement, a result per row), which for small, intricate statements is
most of their cost. :func:`fetch` runs the selects as one statement of plain driver SQL and
returns their rows as lists (a date comes back as ISO text: :func:`day` reads it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, func, select


def json_select(*selects: Select[Any]) -> Select[Any]:
    """One row with one column per select: its rows as a JSON array of arrays (NULL when it
    has none), in the select's column order."""
    parts = []
    for query in selects:
        rows = query.subquery()
        parts.append(select(func.json_agg(func.json_build_array(*rows.c))).scalar_subquery())
    return select(*parts)


@cache
def _compiled(statement: Select[Any], dialect: Any) -> tuple[str, dict[str, Any]]:
    """The statement's SQL for the dialect and the values of its constant parameters."""
    compiled = statement.compile(dialect=dialect)
    return str(compiled), dict(compiled.params)


def fetch(
    conn: Connection, statement: Select[Any], params: dict[str, Any]
) -> tuple[list[list[Any]], ...]:
    """The rows of each select of ``statement`` (built by :func:`json_select`), with
    ``params`` bound (PostgreSQL)."""
    sql, constants = _compiled(statement, conn.dialect)
    row = conn.exec_driver_sql(sql, {**constants, **params}).one()
    return tuple(part or [] for part in row)


def day(value: str | None) -> date | None:
    """A date the JSON carries as ISO text."""
    return None if value is None else date.fromisoformat(value)


def rows_with_days(rows: Sequence[Sequence[Any]], at: Sequence[int]) -> list[tuple[Any, ...]]:
    """``rows`` as tuples, the columns ``at`` read as dates."""
    if not at:
        return [tuple(r) for r in rows]
    out = []
    for r in rows:
        t = list(r)
        for i in at:
            if t[i] is not None:
                t[i] = date.fromisoformat(t[i])
        out.append(tuple(t))
    return out
