"""The check after a settlement reads a few households' year in one statement on PostgreSQL
(:func:`~safetynet.early_warning.few_read.few_rows`): the same rows, of the same types, as
the two statements it replaces (households, ledger), on a household with an income, a
reference income, a person who moved between households and a refunded claim."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from safetynet.codes import IncomeSource
from safetynet.early_warning.few_read import few_rows
from safetynet.early_warning.load import household_rows, ledger_rows
from safetynet.settlement.service import refund, submit
from safetynet.store.db import session_scope
from safetynet.store.models import Household, HouseholdIncome, Person, ReferenceIncome
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county

__all__ = ["county"]


@pytest.fixture(autouse=True)
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "true")


def test_one_statement_reads_what_the_two_read(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        h1 = s.scalar(select(Household.id).where(Household.number == "H1"))
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        s.add(HouseholdIncome(household_id=h2, year=2017, income_fen=3_000_000,
                              source=IncomeSource.DECLARED, recorded_by="test"))  # fmt: skip
        s.add(ReferenceIncome(region_code="340421", year=2016, per_capita_fen=1_000_000,
                              source="统计公报"))  # fmt: skip
    assert h1 is not None and h2 is not None
    with session_scope(db_engine, write_lock=True) as s:
        first = submit(s, big(county.ordinary_id, date(2017, 3, 1), 20_000), user="clerk")
        submit(s, big(county.ordinary_id, date(2017, 4, 1), 5_000), user="clerk")
        submit(s, big(county.poor_id, date(2017, 5, 1), 3_000), user="clerk")
    assert first.settlement_id is not None
    with session_scope(db_engine, write_lock=True) as s:
        refund(s, first.settlement_id, user="clerk", reason="test")
    with session_scope(db_engine) as s:  # the ordinary person moves to H1 and is settled there
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        person.household_id = h1  # type: ignore[assignment]
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, big(county.ordinary_id, date(2017, 9, 1), 1_000), user="clerk")
    with db_engine.connect() as conn:
        for year in (2017, 2018):
            for ids in ([h1], [h2], [h1, h2]):
                homes, ledger = few_rows(conn, year, ids)
                assert homes == household_rows(conn, year, ids)
                assert sorted(ledger) == sorted(ledger_rows(conn, year, ids))
        homes, ledger = few_rows(conn, 2017, [h1, h2])
    assert set(homes) == {h1, h2}
    assert homes[h2][1] == 3_000_000  # the income of the year
    assert homes[h1][2] == 1_000_000  # the reference income of the year before
    assert len(ledger) == 5  # four settlements and the reversal, across the move
    assert all(isinstance(row[4], date) for row in ledger)
    assert {row[2] for row in ledger} == {h1, h2}
