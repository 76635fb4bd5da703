"""A person's warning lines run over the person's whole year, across a move to another
household, at the window (the check after a settlement reads the person's entries settled in
the old household too) and in the year's batch alike, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from safetynet.early_warning.load import household_rows, load_households
from safetynet.early_warning.service import evaluate_year, record
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import EarlyWarning, Household, Person
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county

__all__ = ["county"]


@pytest.fixture(autouse=True)
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "true")


def test_a_person_who_moved_reaches_the_line_at_the_window(
    db_engine: Engine, county: County
) -> None:
    # two stays of 20,000 yuan in H2 (8,800 self-paid, 2 admissions), a move to H1, two more
    # there (about 2,000 self-paid, 2 admissions): neither household's part reaches a line
    for month in (2, 3):
        with session_scope(db_engine, write_lock=True) as s:
            submit(s, big(county.ordinary_id, date(2017, month, 1), 20_000), user="clerk")
    with session_scope(db_engine) as s:
        h1 = s.scalar(select(Household.id).where(Household.number == "H1"))
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        person.household_id = h1  # type: ignore[assignment]
        pid = person.id
    for month in (8, 9):  # the year's cumulative amounts make these two pay more
        with session_scope(db_engine, write_lock=True) as s:
            submit(s, big(county.ordinary_id, date(2017, month, 1), 20_000), user="clerk")
    W = EarlyWarning
    with session_scope(db_engine) as s:
        recorded = sorted(
            tuple(r)
            for r in s.execute(select(W.rule_id, W.household_id).where(W.person_id == pid)).all()
        )
    assert recorded == [("admissions", h1), ("self_pay_year", h1)]
    with db_engine.connect() as conn:
        year = evaluate_year(conn, 2017)
    mine = year.warnings.filter(year.warnings["person_id"] == pid)
    assert sorted(mine.select("rule_id", "household_id").rows()) == recorded


def test_a_persons_warning_is_recorded_once_across_a_move(
    db_engine: Engine, county: County
) -> None:
    """Three stays in H2 raise the admissions warning there; after a move to H1 a fourth stay
    finds it again (now with H1, the latest claim's household): not recorded a second time,
    at the window nor by the year's batch."""
    for month in (2, 3, 4):
        with session_scope(db_engine, write_lock=True) as s:
            submit(s, big(county.ordinary_id, date(2017, month, 1), 20_000), user="clerk")
    with session_scope(db_engine) as s:
        h1 = s.scalar(select(Household.id).where(Household.number == "H1"))
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        person.household_id = h1  # type: ignore[assignment]
        pid = person.id
    W = EarlyWarning

    def recorded() -> list[tuple[str, int]]:
        with session_scope(db_engine) as s:
            rows = s.execute(select(W.rule_id, W.household_id).where(W.person_id == pid))
            return sorted(tuple(r) for r in rows)  # type: ignore[misc]

    before = recorded()
    assert ("admissions", h2) in before
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, big(county.ordinary_id, date(2017, 9, 1), 20_000), user="clerk")
    assert recorded() == before
    with db_engine.connect() as conn:
        year = evaluate_year(conn, 2017)
    assert ("admissions", h1) in year.warnings.filter(year.warnings["person_id"] == pid).select(
        "rule_id", "household_id"
    ).rows()
    with session_scope(db_engine) as s:
        record(s, 2017, year.rules, year.warnings, date(2017, 12, 31))
    assert recorded() == before


def test_a_households_members_are_those_of_the_year(db_engine: Engine, county: County) -> None:
    """The reference-income basis counts the members of the year evaluated, not today's:
    a person settled in H2 in 2017 who has since moved to H1 is one of H2's members in 2017
    (whose out-of-pocket counts there), not one of H1's; in 2018, settled nowhere yet, a
    member of H1 (the present household) only. The batch and the check after a settlement
    read the same members; a person settled in two households that year is a member of
    each (both are where the year's entries place them)."""
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 20_000), user="clerk")
    with session_scope(db_engine) as s:
        h1 = s.scalar(select(Household.id).where(Household.number == "H1"))
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        person.household_id = h1  # type: ignore[assignment]
    assert h1 is not None and h2 is not None
    with db_engine.connect() as conn:
        for year, want in ((2017, {h1: 2, h2: 2}), (2018, {h1: 3, h2: 1})):
            batch = load_households(conn, year)
            assert dict(batch.select("household_id", "members").rows()) == want
            few = household_rows(conn, year, [h1, h2])
            assert {h: row[0] for h, row in few.items()} == want
    # settled in H1 too after the move: a member of both households that year
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, big(county.ordinary_id, date(2017, 9, 1), 1_000), user="clerk")
    with db_engine.connect() as conn:
        want = {h1: 3, h2: 2}
        assert dict(load_households(conn, 2017).select("household_id", "members").rows()) == want
        assert {h: r[0] for h, r in household_rows(conn, 2017, [h1, h2]).items()} == want
