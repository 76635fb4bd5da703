"""A query's result as a Polars frame, fast, on SQLite and PostgreSQL.

PostgreSQL sends the rows with ``COPY (query) TO STDOUT`` as CSV, which Polars parses in
parallel; SQLite's rows come through the DB-API cursor in chunks that Polars turns into
columns (tuples are all its driver offers). Either way no SQLAlchemy row objects and no
per-row type conversion: dates are parsed by Polars, booleans come as integers.

Measured on 1.6 million ledger rows of 14 columns (2 shared cores): PostgreSQL COPY plus
parsing about 2 s; the SQLite cursor about 4-6 s. ADBC's drivers took about 2.3 s on either:
as fast as COPY on PostgreSQL, some 2x faster on SQLite, but they open their own connection
(by file name on SQLite: not the caller's transaction, no in-memory databases), so they are
not a dependency.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import polars as pl
from sqlalchemy import Boolean, Connection, Integer, Select, cast

CHUNK = 100_000
Schema = Mapping[str, pl.DataType | type[pl.DataType]]


def _sql(conn: Connection, query: Select) -> str:  # type: ignore[type-arg]
    """The query as SQL text with its (few, simple) parameters written in."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)


def _ints_for_bools(query: Select) -> Select:  # type: ignore[type-arg]
    """Booleans as 0/1 (CSV and SQLite agree on integers)."""
    cols = [
        cast(c, Integer).label(c.name) if isinstance(c.type, Boolean) else c
        for c in query.selected_columns
    ]
    return query.with_only_columns(*cols)


def _finish(frame: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    out = []
    for name, dtype in schema.items():
        col = pl.col(name)
        if dtype == pl.Date:
            out.append(col.cast(pl.String).str.to_date("%Y-%m-%d", strict=True).alias(name))
        elif isinstance(dtype, pl.Datetime) or dtype == pl.Datetime:
            text = col.cast(pl.String).str.replace("T", " ")
            out.append(text.str.to_datetime(time_unit="us", strict=True).alias(name))
        elif dtype == pl.Boolean:
            out.append((col.cast(pl.Int64) != 0).alias(name))
        else:
            out.append(col.cast(dtype).alias(name))
    return frame.select(out)


def _raw_schema(schema: Schema) -> dict[str, pl.DataType | type[pl.DataType]]:
    """What the wire gives: dates as text, booleans as integers."""
    raw: dict[str, pl.DataType | type[pl.DataType]] = {}
    for name, dtype in schema.items():
        text = dtype == pl.Date or dtype == pl.Datetime or isinstance(dtype, pl.Datetime)
        raw[name] = pl.String if text else pl.Int64 if dtype == pl.Boolean else dtype
    return raw


def fetch_frame(conn: Connection, query: Select, schema: Schema) -> pl.DataFrame:  # type: ignore[type-arg]
    """Run ``query`` on the connection (inside its transaction) and return its rows as a frame
    with ``schema`` (the query's columns, in order)."""
    names = list(schema)
    sql = _sql(conn, _ints_for_bools(query))
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        buf = io.BytesIO()
        with raw.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:  # type: ignore[union-attr]
            for block in copy:
                buf.write(block)
        if not buf.tell():
            return pl.DataFrame(schema=dict(schema))
        frame = pl.read_csv(
            buf.getvalue(),
            has_header=False,
            new_columns=names,
            schema_overrides=_raw_schema(schema),
            infer_schema=False,
        )
        return _finish(frame, schema)
    cur = raw.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(sql)
        parts = []
        raw_schema = _raw_schema(schema)
        while rows := cur.fetchmany(CHUNK):
            parts.append(pl.DataFrame(rows, schema=raw_schema, orient="row"))
    finally:
        cur.close()
    if not parts:
        return pl.DataFrame(schema=dict(schema))
    return _finish(pl.concat(parts), schema)
