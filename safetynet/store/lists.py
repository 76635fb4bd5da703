"""A column's value in a list given at execution: one statement text whatever the list.

On PostgreSQL ``column = ANY(:name)`` binds the list as one array parameter, so the
statement's text never changes with the list's length and psycopg prepares it once on the
server (an expanding ``IN`` list is a new text — parsed and planned again — for each length,
and SQLAlchemy rewrites it at every execution); on SQLite, which has no arrays, the list is
one JSON text read by ``json_each`` (``column IN (SELECT value FROM json_each(:name))``):
one text too, kept prepared by the driver, each value as the column's type stores it.
Statements built with :func:`one_of` are built once per dialect (:func:`per_dialect`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

T = TypeVar("T")


class JsonList(TypeDecorator[Any]):
    """A list bound as one JSON array, each value first as ``item``'s type binds it (a date
    as its ISO text, an enumeration as its stored name)."""

    impl = String
    cache_ok = True

    def __init__(self, item: TypeEngine[Any]) -> None:
        super().__init__()
        self.item = item

    def process_bind_param(self, value: Iterable[Any] | None, dialect: Dialect) -> str:
        bind = self.item._cached_bind_processor(dialect)
        values = list(value or ())
        return json.dumps([bind(v) for v in values] if bind else values, default=str)


def one_of(column: Any, name: str, pg: bool) -> Any:
    """``column`` is one of the list bound as ``name`` at execution."""
    if pg:
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(name, type_=JsonList(column.type))).table_valued("value")
    return column.in_(select(listed.c.value))


def per_dialect(build: Callable[[bool], T]) -> Callable[[Connection], T]:
    """``build(pg)`` once per dialect; the returned function picks the connection's."""
    built = cache(build)

    def of(conn: Connection) -> T:
        return built(conn.dialect.name == "postgresql")

    return of
