"""A column's value in a list given at execution (safetynet.store.lists.one_of): the rows of
exactly the listed values, on each backend, for every type a list is bound with — integers,
text, dates, enumerations — and none for an empty list; one statement text whatever the
list's length."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, event, insert, select

from safetynet.codes import InstitutionLevel
from safetynet.store.lists import one_of
from safetynet.store.models import Household, Institution, Region


def _institutions(engine: Engine) -> None:
    levels = [InstitutionLevel.TOWNSHIP, InstitutionLevel.COUNTY, InstitutionLevel.CITY]
    with engine.begin() as conn:
        conn.execute(insert(Region), [{"code": "341800", "name": "County", "level": "county"}])
        conn.execute(
            insert(Institution),
            [
                {
                    "code": f"H{i}",
                    "name": f"Hospital {i}",
                    "level": level,
                    "in_county": True,
                    "region_code": "341800",
                    "designated_from": date(2017, 1, 1 + i),
                }
                for i, level in enumerate(levels)
            ],
        )
        conn.execute(
            insert(Household),
            [{"id": i, "number": f"N{i}", "region_code": "341800"} for i in (1, 2, 3)],
        )


def test_one_of_binds_each_type_as_the_column_stores_it(db_engine: Engine) -> None:
    _institutions(db_engine)
    pg = db_engine.dialect.name == "postgresql"
    by_code = select(Institution.code).where(one_of(Institution.code, "codes", pg))
    by_level = select(Institution.code).where(one_of(Institution.level, "levels", pg))
    with db_engine.connect() as conn:
        assert sorted(conn.scalars(by_code, {"codes": ["H2", "H0", "nope"]})) == ["H0", "H2"]
        assert list(conn.scalars(by_code, {"codes": []})) == []
        levels = {"levels": [InstitutionLevel.COUNTY, InstitutionLevel.CITY]}
        assert sorted(conn.scalars(by_level, levels)) == ["H1", "H2"]


def test_one_of_reads_dates_and_integers(db_engine: Engine) -> None:
    _institutions(db_engine)
    pg = db_engine.dialect.name == "postgresql"
    since = select(Institution.code).where(one_of(Institution.designated_from, "days", pg))
    ids = select(Household.number).where(one_of(Household.id, "ids", pg))
    with db_engine.connect() as conn:
        days = {"days": [date(2017, 1, 3), date(2017, 1, 1), date(1999, 1, 1)]}
        assert sorted(conn.scalars(since, days)) == ["H0", "H2"]
        assert sorted(conn.scalars(ids, {"ids": [2, 3, 7]})) == ["N2", "N3"]


def test_one_statement_text_whatever_the_length(db_engine: Engine) -> None:
    _institutions(db_engine)
    pg = db_engine.dialect.name == "postgresql"
    statement = select(Institution.code).where(one_of(Institution.code, "codes", pg))
    texts: set[str] = set()

    def seen(_conn, _cursor, text, *_args):  # type: ignore[no-untyped-def]
        if text.startswith("SELECT"):
            texts.add(text)

    event.listen(db_engine, "before_cursor_execute", seen)
    try:
        with db_engine.connect() as conn:
            for n in (1, 2, 3, 17):
                conn.execute(statement, {"codes": [f"H{i}" for i in range(n)]}).all()
    finally:
        event.remove(db_engine, "before_cursor_execute", seen)
    assert len(texts) == 1
