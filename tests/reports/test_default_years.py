"""The year a page opens on (:mod:`safetynet.reports.years`): a year the ledger holds, so a
county loaded from past years does not open on empty pages of this year; the clock's year
when the ledger is empty — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from safetynet.reports import years
from safetynet.store.db import session_scope
from tests.reports.conftest import YEAR


def _on(monkeypatch: pytest.MonkeyPatch, today: date) -> None:
    monkeypatch.setattr(years, "local_today", lambda: today)


@pytest.mark.parametrize(
    ("today", "working", "closed"),
    [
        (date(2026, 12, 3), YEAR, YEAR),  # years later: the ledger's newest, both
        (date(YEAR + 1, 1, 2), YEAR, YEAR),  # early next year, nothing settled yet in it
        (date(YEAR, 6, 30), YEAR, YEAR),  # during the ledger's only year
        (date(YEAR - 1, 12, 31), YEAR - 1, YEAR - 2),  # a clock before the ledger: the clock's
    ],
)
def test_pages_open_on_a_year_the_ledger_holds(
    county_engine: Engine, monkeypatch: pytest.MonkeyPatch, today: date, working: int, closed: int
) -> None:
    _on(monkeypatch, today)
    with session_scope(county_engine) as s:
        assert years.working_year(s) == working
        assert years.closed_year(s) == closed


def test_an_empty_ledger_opens_on_the_clock(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _on(monkeypatch, date(2026, 12, 3))
    with session_scope(db_engine) as s:
        assert years.working_year(s) == 2026
        assert years.closed_year(s) == 2025
