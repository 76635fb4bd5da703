"""What the check after a settlement reads of a few households' year, in one statement.

:func:`~safetynet.early_warning.load.household_rows` and
:func:`~safetynet.early_warning.load.ledger_rows` are two statements, each with its round
trip, its planning and SQLAlchemy's per-execution work on a statement of many correlated
subqueries; the check after every settlement batch runs both. On PostgreSQL :func:`few_rows`
runs the same two selects as one statement (:mod:`safetynet.store.json_rows`), and counts a
household's members settled in it in the year from the ledger rows it reads anyway (every
entry of the households in the year is one of them) rather than with a subquery per
household; on SQLite it runs the two. Both give the same rows (tested:
``tests/early_warning/test_few_read_db.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select

from safetynet.early_warning.load import _build_few, few_params, household_rows, ledger_rows
from safetynet.store import json_rows

Homes = dict[int, tuple[int, int | None, int | None, str]]
PERSON, HOUSEHOLD, CLAIM_DATE = 1, 2, 4  # columns of the ledger rows


@cache
def _both() -> Select[Any]:
    """The two selects of :func:`~safetynet.early_warning.load._build_few` as one (the
    households' present members settled nowhere in the year only)."""
    return json_rows.json_select(*_build_few(True, settled=False))


def few_rows(
    conn: Connection, year: int, ids: Sequence[int]
) -> tuple[Homes, list[tuple[Any, ...]]]:
    """``(household_rows(...), ledger_rows(...))`` of the households ``ids`` in ``year``."""
    if conn.dialect.name != "postgresql":
        return household_rows(conn, year, ids), ledger_rows(conn, year, ids)
    homes, ledger = json_rows.fetch(conn, _both(), few_params(year, ids))
    settled: dict[int, set[int]] = {}  # household -> the persons settled in it in the year
    for r in ledger:
        settled.setdefault(r[HOUSEHOLD], set()).add(r[PERSON])
    found = {}
    for h, present, income, reference, region in homes:
        members = present + len(settled.get(h, ()))
        if members:
            found[h] = (members, income, reference, region)
    return found, json_rows.rows_with_days(ledger, [CLAIM_DATE])
