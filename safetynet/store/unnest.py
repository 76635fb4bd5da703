"""A batch's rows inserted with one fixed statement on PostgreSQL: ``INSERT ... SELECT FROM
unnest(arrays)``.

A multi-row ``INSERT ... VALUES`` has a different text for every number of rows: the
database parses and plans it each time, and the driver rewrites its placeholders each time.
Here each column is one array parameter, so the text is the same whatever the batch's size:
psycopg prepares it once per connection, and a batch is one Bind of a few arrays. Values go
through the columns' own bind conversions (an enum's stored string, JSON as text), as
SQLAlchemy would write them. ``returning``: the new ids, ascending — the rows' order, since
the sequence numbers them in the order they are inserted (:func:`UnnestInsert.__call__`).

Inserts into tables that reference each other's new ids (a claim and its lines) chain in
one statement of data-modifying ``WITH`` queries (:func:`chained`): a row names its parent
by the parent's place in its batch (1, 2, ...), replaced by the parent's new id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Connection, Enum, Table, insert
from sqlalchemy.types import TypeEngine


class UnnestInsert:
    """An insert of ``columns`` of ``table`` from one array per column (PostgreSQL only).

    ``unique``: a row whose values of these columns a stored row already has (NULL as equal
    to NULL) is left out, and the statement returns those values of the rows it inserts
    (:meth:`insert_new`): "insert what is not there yet" in one statement. ``prefix``: the
    arrays' parameter names (``<prefix>0``, ...), distinct per insert of a chained
    statement."""

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        *,
        returning: str | None = None,
        unique: Sequence[str] = (),
        prefix: str = "c",
    ):
        self.table = table
        self.columns = tuple(columns)
        self.unique = tuple(unique)
        if self.unique and returning:
            raise ValueError("unique and returning are exclusive")
        # SQLAlchemy's client-side defaults are not applied here: a column left out must have
        # none (a server default, or NULL)
        left_out = [c.name for c in table.columns if c.default is not None and c.name not in
                    self.columns]  # fmt: skip
        if left_out:
            raise ValueError(f"{table.name}: give {', '.join(left_out)} (client-side defaults)")
        self.returning = returning
        self.prefix = prefix
        self._sql: str | None = None
        self._casts: list[str] = []
        self._convert: list[Callable[[Any], Any] | None] = []
        self._nulls: list[bool] = []  # whether None is converted too (JSON's null)
        self._literal: list[bool] = []  # whether the array is sent as its text (scalars)

    def _arrays(self, conn: Connection) -> None:
        """Each column's array parameter with its cast, and its values' conversion."""
        if self._casts:
            return
        dialect = conn.dialect
        casts, convert, nulls, literal = [], [], [], []
        for i, name in enumerate(self.columns):
            column = self.table.c[name]
            literal.append(_scalar(column.type))
            if isinstance(column.type, JSON):
                serialize = getattr(dialect, "_json_serializer", None) or json.dumps
                convert.append(serialize)
                nulls.append(not column.type.none_as_null)  # None as JSON null, as SQLAlchemy
                casts.append(f"%({self.prefix}{i})s::json[]")
            else:
                convert.append(column.type.bind_processor(dialect))
                nulls.append(False)
                casts.append(f"%({self.prefix}{i})s::{column.type.compile(dialect=dialect)}[]")
        self._casts, self._convert, self._nulls = casts, convert, nulls
        self._literal = literal

    def insert_sql(self, conn: Connection, parent: tuple[str, str] | None = None) -> str:
        """``INSERT ... SELECT ... FROM unnest(...)`` in the arrays' order; ``parent``:
        (column, query name) — the column holds the parent's place in its batch, replaced by
        the ``id`` of that query's row whose ``n`` it is (:func:`chained`)."""
        self._arrays(conn)
        names = ", ".join(f'"{name}"' for name in self.columns)
        aliases = [f"u.c{i}" for i in range(len(self.columns))]
        join = ""
        if parent is not None:
            column, query = parent
            k = self.columns.index(column)
            join = f" JOIN {query} ON {query}.n = {aliases[k]}"
            aliases[k] = f"{query}.id"
        where = ""
        if self.unique:
            alias = dict(zip(self.columns, aliases, strict=True))
            same = " AND ".join(f't."{c}" IS NOT DISTINCT FROM {alias[c]}' for c in self.unique)
            where = f' WHERE NOT EXISTS (SELECT 1 FROM "{self.table.name}" AS t WHERE {same})'
        columns = ", ".join(f"c{i}" for i in range(len(self.columns)))
        return (
            f'INSERT INTO "{self.table.name}" ({names}) SELECT {", ".join(aliases)} '
            f"FROM unnest({', '.join(self._casts)}) WITH ORDINALITY AS u({columns}, n)"
            f"{join}{where} ORDER BY u.n"
        )

    def params(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
        """The rows as one converted array per column, by parameter name."""
        self._arrays(conn)
        params: dict[str, list[Any]] = {}
        for i, name in enumerate(self.columns):
            convert = self._convert[i]
            values = [row.get(name) for row in rows]
            if convert is not None and self._nulls[i]:
                values = [convert(v) for v in values]
            elif convert is not None:
                values = [None if v is None else convert(v) for v in values]
            params[f"{self.prefix}{i}"] = array_text(values) if self._literal[i] else values
        return params

    def __call__(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """Insert ``rows`` (in the caller's transaction); with ``returning``, their new ids in
        the rows' order; with ``unique``, the unique values of the rows inserted."""
        if not rows:
            return []
        if self._sql is None:
            sql = self.insert_sql(conn)
            if self.returning:
                sql += f' RETURNING "{self.returning}"'
            elif self.unique:
                sql += " RETURNING " + ", ".join(f'"{c}"' for c in self.unique)
            self._sql = sql
        result = conn.exec_driver_sql(self._sql, self.params(conn, rows))
        if self.unique:
            return [tuple(r) for r in result]
        # serial ids are drawn in insertion order, which is the arrays' order (ORDER BY n)
        return sorted(result.scalars()) if self.returning else []

    def insert_new(
        self, conn: Connection, rows: Sequence[Mapping[str, Any]]
    ) -> set[tuple[Any, ...]]:
        """Insert the rows whose ``unique`` values no stored row has, in one statement
        (PostgreSQL); the ``unique`` values of the rows inserted."""
        return set(self(conn, rows))

    def insert(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows``: from arrays on PostgreSQL, else the table's plain ``INSERT`` run
        for every row (SQLite)."""
        if not rows:
            return
        if conn.dialect.name == "postgresql":
            self(conn, rows)
        else:
            conn.execute(insert(self.table), list(rows))


def _scalar(column_type: TypeEngine[Any]) -> bool:
    """Whether a column's values are scalars written as text (not arrays or bytes)."""
    if isinstance(column_type, (JSON, Enum)):
        return True  # serialised to str first (an enum's stored name)
    try:
        kind = column_type.python_type
    except NotImplementedError:
        return False
    return kind in (int, str, bool, float, Decimal, date, datetime)


def array_text(values: Sequence[Any]) -> str:
    """A PostgreSQL array's text (``{1,NULL,"a \\"b\\""}``) of scalar values, which the
    statement's cast reads: one string for psycopg to send, where its array dumper would
    look up and call a dumper for every element (a tenth of the settlement batch's CPU)."""
    out = []
    for v in values:
        kind = type(v)
        if v is None:
            out.append("NULL")
        elif kind is int:
            out.append(str(v))
        else:
            text = v if kind is str else ("t" if v else "f") if kind is bool else str(v)
            out.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(out) + "}"


Link = tuple[str, UnnestInsert, tuple[str, str] | None, bool]


def chained(conn: Connection, links: Sequence[Link], also: Sequence[str] = ()) -> str:
    """One statement of several inserts whose rows name earlier inserts' new rows. Each
    link is (name, insert, parent, numbered): ``parent`` as :meth:`UnnestInsert.insert_sql`
    (an earlier numbered link's name); ``numbered``: its new rows' ids are returned and
    numbered 1, 2, ... in the arrays' order (ids are drawn in insertion order) as the query
    ``<name>`` (columns ``id``, ``n``) later links and the result read. The statement
    returns the numbered links' ids side by side (``SELECT a.id, b.id ... USING (n)``); the
    parameters are each insert's :meth:`UnnestInsert.params`. ``also``: more parts of the
    ``WITH`` list (``name AS (statement)``) run by the same statement, named nowhere else."""
    parts, numbered = [], []
    for name, ins, parent, numbers in links:
        sql = ins.insert_sql(conn, parent)
        if numbers:
            parts.append(f"{name}_new AS ({sql} RETURNING id)")
            parts.append(
                f"{name} AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {name}_new)"
            )
            numbered.append(name)
        else:
            parts.append(f"{name} AS ({sql})")
    first, *rest = numbered
    joins = "".join(f" JOIN {r} USING (n)" for r in rest)
    ids = ", ".join(f"{q}.id" for q in numbered)
    parts += also
    return f"WITH {', '.join(parts)} SELECT {ids} FROM {first}{joins} ORDER BY n"
