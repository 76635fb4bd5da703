"""A region's evaluation equals the county's restricted to the region's households, when a
person moved between townships during the year (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from safetynet.codes import IncomeSource, RegionLevel
from safetynet.early_warning.indicators import compute, ledger_of
from safetynet.early_warning.packet import packet_tables
from safetynet.early_warning.rounds import draft_round
from safetynet.early_warning.rules import rules_for
from safetynet.early_warning.service import evaluate_year, reassistance_round, record
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import EarlyWarning, Household, HouseholdIncome, Person, Region
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county
from tests.settlement.helpers import inpatient

__all__ = ["county"]

A, B, VILLAGE_B = "340421100", "340421200", "340421200201"


def _keys(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    return sorted(frame.select("rule_id", "household_id", "person_id").rows())


def test_a_township_sees_what_the_county_sees_of_its_households(
    db_engine: Engine, county: County
) -> None:
    """A person of township A's household H2 moves to township B's H3 in the year. Before:
    A's run lost H2's warnings (the entries were read by the person's present region) and
    B's named two to H2 with no region."""
    with session_scope(db_engine) as s:
        s.add(Region(code=B, name="乙镇", level=RegionLevel.TOWNSHIP, parent_code="340421"))
        s.flush()
        s.add(Region(code=VILLAGE_B, name="乙村", level=RegionLevel.VILLAGE, parent_code=B))
        s.flush()
        s.add(Household(number="H3", region_code=VILLAGE_B))
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        s.add(HouseholdIncome(household_id=h2, year=2017, income_fen=1_000_000,
                              source=IncomeSource.DECLARED, recorded_by="t"))  # fmt: skip
    for month in (2, 3, 4):
        with session_scope(db_engine) as s:
            submit(s, big(county.ordinary_id, date(2017, month, 1), 20_000), user="clerk")
    with session_scope(db_engine) as s:  # the person moves to township B
        h3 = s.scalar(select(Household.id).where(Household.number == "H3"))
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        assert h3 is not None
        person.household_id = h3
        person.region_code = VILLAGE_B
    with db_engine.connect() as conn:
        whole = evaluate_year(conn, 2017).warnings
        a = evaluate_year(conn, 2017, A).warnings
        b = evaluate_year(conn, 2017, B).warnings
    # three stays of 20,000 in H2, all before the move: H2 above its 10,000 yuan income,
    # the person's self-pay and admissions, each named to H2 (the latest claim's household)
    assert [r[:2] for r in _keys(whole)] == [
        ("admissions", h2), ("household_above_income", h2), ("self_pay_year", h2)
    ]  # fmt: skip
    # township A, H2's: all three (it saw none: the mover's entries went with the person)
    assert _keys(a) == _keys(whole)
    assert set(a["township_code"]) == {A}
    # township B, where the person lives now: none (it saw two with no region)
    assert b.is_empty()
    # after a stay in H3 the person's lines are named to H3, in B's run and the county's
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 9, 1), 100), user="clerk")
    with db_engine.connect() as conn:
        whole = evaluate_year(conn, 2017).warnings
        a = evaluate_year(conn, 2017, A).warnings
        b = evaluate_year(conn, 2017, B).warnings
    assert [r[:2] for r in _keys(a)] == [("household_above_income", h2)]
    assert [r[:2] for r in _keys(b)] == [("admissions", h3), ("self_pay_year", h3)]
    assert set(b["region_code"]) == {VILLAGE_B}
    assert _keys(whole) == sorted(_keys(a) + _keys(b))


def test_a_townships_round_pays_its_households_over_the_movers_year(
    db_engine: Engine, county: County
) -> None:
    """Before: the round read the ledger by each person's present region, so township A's
    round left out its household H2's member who had moved to B, and B's round paid H2."""
    with session_scope(db_engine) as s:
        s.add(Region(code=B, name="乙镇", level=RegionLevel.TOWNSHIP, parent_code="340421"))
        s.flush()
        s.add(Region(code=VILLAGE_B, name="乙村", level=RegionLevel.VILLAGE, parent_code=B))
        s.flush()
        s.add(Household(number="H3", region_code=VILLAGE_B))
    for month in (2, 3):
        with session_scope(db_engine) as s:
            submit(s, big(county.ordinary_id, date(2017, month, 1), 30_000), user="clerk")
    with session_scope(db_engine) as s:
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        h3 = s.scalar(select(Household.id).where(Household.number == "H3"))
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        assert h3 is not None
        person.household_id = h3
        person.region_code = VILLAGE_B
    with db_engine.connect() as conn:
        whole = reassistance_round(conn, 2017)
        a = reassistance_round(conn, 2017, A)
        b = reassistance_round(conn, 2017, B)
    assert whole["household_id"].to_list() == [h2] and whole["owed_fen"].item() > 0
    assert (
        a.select("household_id", "owed_fen").rows()
        == whole.select("household_id", "owed_fen").rows()
    )
    assert b.is_empty()
    with session_scope(db_engine) as s:
        drafted = draft_round(s, 2017, A, user="officer")
        assert drafted.owed_fen == whole["owed_fen"].item()
        s.rollback()
    with session_scope(db_engine) as s:
        assert draft_round(s, 2017, B, user="officer").owed_fen == 0


def test_a_townships_indicators_count_the_mover_once(db_engine: Engine, county: County) -> None:
    """A poor person of township A's household H1 treated there, then moved to B: A's
    indicators count the person's year (the household of the latest claim is A's), B's do
    not (before: the other way round, by the region the person lives in now)."""
    with session_scope(db_engine) as s:
        s.add(Region(code=B, name="乙镇", level=RegionLevel.TOWNSHIP, parent_code="340421"))
        s.flush()
        s.add(Region(code=VILLAGE_B, name="乙村", level=RegionLevel.VILLAGE, parent_code=B))
        s.flush()
        s.add(Household(number="H3", region_code=VILLAGE_B))
    with session_scope(db_engine) as s:
        submit(s, inpatient(county.poor_id, date(2017, 3, 1)), user="clerk")
    with session_scope(db_engine) as s:
        h3 = s.scalar(select(Household.id).where(Household.number == "H3"))
        person = s.scalars(select(Person).where(Person.resident_id == county.poor_id)).one()
        assert h3 is not None
        person.household_id = h3
        person.region_code = VILLAGE_B

    def patients(region: str | None) -> int | None:
        with session_scope(db_engine) as s:
            ledger = ledger_of(s, 2017, region)
        rules = rules_for(region or "", date(2017, 12, 31))
        empty = pl.DataFrame(schema={"id": pl.Int64, "person_id": pl.Int64,
                                     "household_id": pl.Int64, "state": pl.String,
                                     "detected_on": pl.Date, "verify_due_on": pl.Date})  # fmt: skip
        events = pl.DataFrame(schema={"warning_id": pl.Int64, "step": pl.String,
                                      "done_on": pl.Date, "amount_fen": pl.Int64})  # fmt: skip
        members = pl.DataFrame(schema={"household_id": pl.Int64, "person_id": pl.Int64})
        found = compute(rules, empty, events, ledger, members, today=date(2017, 12, 31))
        figures = found["poor_out_of_pocket"]
        assert isinstance(figures, list)
        return figures[0].denominator

    assert patients(None) == 1
    assert patients(A) == 1
    assert patients(B) == 0


def test_the_packet_names_a_member_who_moved_away(db_engine: Engine, county: County) -> None:
    """The hand-over packet of H2's warnings after its member moved to H3: the member's row,
    claims and warnings carry the name (before: blank, the member being H3's now)."""
    with session_scope(db_engine) as s:
        s.add(Household(number="H3", region_code="340421100201"))
    for month in (2, 3, 4):
        with session_scope(db_engine) as s:
            submit(s, big(county.ordinary_id, date(2017, month, 1), 20_000), user="clerk")
    with db_engine.connect() as conn:
        found = evaluate_year(conn, 2017)
    with session_scope(db_engine) as s:
        record(s, 2017, found.rules, found.warnings, date(2017, 5, 1))
    with session_scope(db_engine) as s:
        h3 = s.scalar(select(Household.id).where(Household.number == "H3"))
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        assert h3 is not None
        person.household_id = h3
        name = person.name
    with session_scope(db_engine) as s:
        wid = s.scalar(select(EarlyWarning.id).where(EarlyWarning.rule_id == "self_pay_year"))
        assert wid is not None
        tables = {t.title: t for t in packet_tables(s, wid, "en")}

    def names(prefix: str) -> list[str]:
        table = next(t for title, t in tables.items() if title.startswith(prefix))
        at = [c.key for c in table.columns].index("name")
        return [row[at] for row in table.rows]

    assert name in names("Household")
    assert set(names("Claims")) == {name}
    assert set(names("Rules")) >= {name}
