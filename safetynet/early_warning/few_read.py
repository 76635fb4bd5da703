"""What the check after a settlement reads of a few households' year, in one statement.

:func:`~safetynet.early_warning.load.household_rows` and
:func:`~safetynet.early_warning.load.ledger_rows` are two statements, each with its round
trip, its planning and SQLAlchemy's per-execution work on a statement of many correlated
subqueries; the check after every settlement batch runs both. On PostgreSQL :func:`few_rows`
runs the same two selects as one statement of one row (each select's rows as a JSON array of
arrays, as the settlement's snapshot reads its tables), compiled once to the driver's SQL;
on SQLite it runs the two. Both give the same rows (tested:
``tests/early_warning/test_few_read_db.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, func, select

from safetynet.early_warning.load import _build_few, household_rows, ledger_rows

Homes = dict[int, tuple[int, int | None, int | None, str]]
CLAIM_DATE = 4  # the ledger rows' claim date (JSON carries it as text)


@cache
def _pg_sql(dialect: Any) -> tuple[str, dict[str, Any]]:
    """The two selects of :func:`~safetynet.early_warning.load._build_few` as one statement
    of two JSON columns, compiled once for the connection's dialect, and the values of its
    constant parameters."""
    homes, ledger = (q.subquery() for q in _build_few(True))
    both = select(
        select(func.json_agg(func.json_build_array(*homes.c))).scalar_subquery(),
        select(func.json_agg(func.json_build_array(*ledger.c))).scalar_subquery(),
    )
    compiled = both.compile(dialect=dialect)
    return str(compiled), dict(compiled.params)


def few_rows(
    conn: Connection, year: int, ids: Sequence[int]
) -> tuple[Homes, list[tuple[Any, ...]]]:
    """``(household_rows(...), ledger_rows(...))`` of the households ``ids`` in ``year``."""
    if conn.dialect.name != "postgresql":
        return household_rows(conn, year, ids), ledger_rows(conn, year, ids)
    sql, constants = _pg_sql(conn.dialect)
    params = {
        **constants,
        "ids": list(ids),
        "year": year,
        "jan1": date(year, 1, 1),
        "dec31": date(year, 12, 31),
        "before": year - 1,
    }
    homes, ledger = conn.exec_driver_sql(sql, params).one()
    found = {r[0]: (r[1], r[2], r[3], r[4]) for r in homes or () if r[1]}
    rows = [
        (*r[:CLAIM_DATE], date.fromisoformat(r[CLAIM_DATE]), *r[CLAIM_DATE + 1 :])
        for r in ledger or ()
    ]
    return found, rows
