"""A column's value in a list given at execution: one statement text whatever the list.

On PostgreSQL ``column = ANY(:name)`` binds the list as one array parameter, so the
statement's text never changes with the list's length and psycopg prepares it once on the
server (an expanding ``IN`` list is a new text — parsed and planned again — for each length,
and SQLAlchemy rewrites it at every execution); on SQLite, which has no arrays, an expanding
``IN``. Statements built with :func:`one_of` are built once per dialect
(:func:`per_dialect`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

T = TypeVar("T")


def one_of(column: Any, name: str, pg: bool) -> Any:
    """``column`` is one of the list bound as ``name`` at execution."""
    if pg:
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def per_dialect(build: Callable[[bool], T]) -> Callable[[Connection], T]:
    """``build(pg)`` once per dialect; the returned function picks the connection's."""
    built = cache(build)

    def of(conn: Connection) -> T:
        return built(conn.dialect.name == "postgresql")

    return of
