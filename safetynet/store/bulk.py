"""Fast bulk inserts of Polars frames: COPY on PostgreSQL, executemany on SQLite.

For loads of hundreds of thousands of rows (a synthetic county, a year settled in batch);
one call per table, inside the caller's transaction. After such a load,
:func:`refresh_statistics` gives the query planner the tables' new sizes at once instead of
whenever the database's background analysis gets to them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import polars as pl
from sqlalchemy import JSON, Connection, Engine, Table

CHUNK = 50_000


def bulk_insert(
    conn: Connection,
    table: Table,
    frame: pl.DataFrame,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert every row of ``frame`` (columns named as the table's) into ``table``."""
    if frame.is_empty():
        return 0
    cols = frame.columns
    json_cols = [i for i, c in enumerate(cols) if isinstance(table.c[c].type, JSON)]
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        names = ", ".join(f'"{c}"' for c in cols)
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for part in frame.iter_slices(CHUNK):
                for row in part.iter_rows():
                    copy.write_row(_json_text(row, json_cols) if json_cols else row)
                if progress:
                    progress(part.height)
        return frame.height
    stmt = table.insert()
    for part in frame.iter_slices(CHUNK):
        rows = part.to_dicts()
        for i in json_cols:  # JSON columns take Python objects here
            name = cols[i]
            for r in rows:
                if isinstance(r[name], str):
                    r[name] = json.loads(r[name])
        conn.execute(stmt, rows)
        if progress:
            progress(part.height)
    return frame.height


def _json_text(row: tuple[Any, ...], json_cols: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in json_cols:
        if not isinstance(values[i], str):
            values[i] = json.dumps(values[i])
    return tuple(values)


def sync_sequence(conn: Connection, table: Table, column: str = "id") -> None:
    """After inserting explicit ids: move PostgreSQL's sequence past them (no-op on SQLite)."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(
        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "
        f'(SELECT COALESCE(MAX("{column}"), 1) FROM "{table.name}"))'
    )


def refresh_statistics(engine: Engine) -> None:
    """After a bulk load: the planner's statistics of every table (``ANALYZE``), and on
    PostgreSQL a ``VACUUM`` too, which marks the new rows visible to all once instead of on
    every first read. A freshly loaded database otherwise plans the window's queries on empty
    tables' figures, and pays for the new rows' bookkeeping, until autovacuum gets to them."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # not allowed inside a transaction
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
