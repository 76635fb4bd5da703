"""A batch's rows inserted with one fixed statement on PostgreSQL: ``INSERT ... SELECT FROM
unnest(arrays)``.

A multi-row ``INSERT ... VALUES`` has a different text for every number of rows: the
database parses and plans it each time, and the driver rewrites its placeholders each time.
Here each column is one array parameter, so the text is the same whatever the batch's size:
psycopg prepares it once per connection, and a batch is one Bind of a few arrays. Values go
through the columns' own bind conversions (an enum's stored string, JSON as text), as
SQLAlchemy would write them. ``returning``: the new ids, ascending — the rows' order, since
the sequence numbers them in the order they are inserted (:func:`UnnestInsert.__call__`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert


class UnnestInsert:
    """An insert of ``columns`` of ``table`` from one array per column (PostgreSQL only)."""

    def __init__(self, table: Table, columns: Sequence[str], *, returning: str | None = None):
        self.table = table
        self.columns = tuple(columns)
        # SQLAlchemy's client-side defaults are not applied here: a column left out must have
        # none (a server default, or NULL)
        left_out = [c.name for c in table.columns if c.default is not None and c.name not in
                    self.columns]  # fmt: skip
        if left_out:
            raise ValueError(f"{table.name}: give {', '.join(left_out)} (client-side defaults)")
        self.returning = returning
        self._sql: str | None = None
        self._convert: list[Callable[[Any], Any] | None] = []
        self._nulls: list[bool] = []  # whether None is converted too (JSON's null)

    def _prepare(self, conn: Connection) -> str:
        dialect = conn.dialect
        casts, names, convert, nulls = [], [], [], []
        for i, name in enumerate(self.columns):
            column = self.table.c[name]
            if isinstance(column.type, JSON):
                serialize = getattr(dialect, "_json_serializer", None) or json.dumps
                convert.append(serialize)
                nulls.append(not column.type.none_as_null)  # None as JSON null, as SQLAlchemy
                casts.append(f"%(c{i})s::json[]")
            else:
                convert.append(column.type.bind_processor(dialect))
                nulls.append(False)
                casts.append(f"%(c{i})s::{column.type.compile(dialect=dialect)}[]")
            names.append(f'"{name}"')
        aliases = ", ".join(f"c{i}" for i in range(len(names)))
        sql = (
            f'INSERT INTO "{self.table.name}" ({", ".join(names)}) '
            f"SELECT {aliases} FROM unnest({', '.join(casts)}) WITH ORDINALITY "
            f"AS u({aliases}, n) ORDER BY n"
        )
        if self.returning:
            sql += f' RETURNING "{self.returning}"'
        self._convert, self._nulls = convert, nulls
        return sql

    def __call__(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """Insert ``rows`` (in the caller's transaction); with ``returning``, their new ids in
        the rows' order."""
        if not rows:
            return []
        if self._sql is None:
            self._sql = self._prepare(conn)
        params: dict[str, list[Any]] = {}
        for i, name in enumerate(self.columns):
            convert = self._convert[i]
            values = [row.get(name) for row in rows]
            if convert is not None and self._nulls[i]:
                values = [convert(v) for v in values]
            elif convert is not None:
                values = [None if v is None else convert(v) for v in values]
            params[f"c{i}"] = values
        result = conn.exec_driver_sql(self._sql, params)
        # serial ids are drawn in insertion order, which is the arrays' order (ORDER BY n)
        return sorted(result.scalars()) if self.returning else []

    def insert(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows``: from arrays on PostgreSQL, else the table's plain ``INSERT`` run
        for every row (SQLite)."""
        if not rows:
            return
        if conn.dialect.name == "postgresql":
            self(conn, rows)
        else:
            conn.execute(insert(self.table), list(rows))
