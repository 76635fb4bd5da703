"""What the check after a settlement reads of a few households' year, in one statement.

:func:`~safetynet.early_warning.load.household_rows` and
:func:`~safetynet.early_warning.load.ledger_rows` are two statements, each with its round
trip, its planning and SQLAlchemy's per-execution work on a statement of many correlated
subqueries; the check after every settlement batch runs both. On PostgreSQL :func:`few_rows`
runs the same two selects as one statement (:mod:`safetynet.store.json_rows`); on SQLite it
runs the two. Both give the same rows (tested: ``tests/early_warning/test_few_read_db.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select

from safetynet.early_warning.load import _build_few, household_rows, ledger_rows
from safetynet.store import json_rows

Homes = dict[int, tuple[int, int | None, int | None, str]]
CLAIM_DATE = 4  # the ledger rows' claim date


@cache
def _both() -> Select[Any]:
    """The two selects of :func:`~safetynet.early_warning.load._build_few` as one."""
    return json_rows.json_select(*_build_few(True))


def few_rows(
    conn: Connection, year: int, ids: Sequence[int]
) -> tuple[Homes, list[tuple[Any, ...]]]:
    """``(household_rows(...), ledger_rows(...))`` of the households ``ids`` in ``year``."""
    if conn.dialect.name != "postgresql":
        return household_rows(conn, year, ids), ledger_rows(conn, year, ids)
    params = {
        "ids": list(ids),
        "year": year,
        "jan1": date(year, 1, 1),
        "dec31": date(year, 12, 31),
        "before": year - 1,
    }
    homes, ledger = json_rows.fetch(conn, _both(), params)
    found = {r[0]: (r[1], r[2], r[3], r[4]) for r in homes if r[1]}
    return found, json_rows.rows_with_days(ledger, [CLAIM_DATE])
