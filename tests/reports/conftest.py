"""A small synthetic county with its year settled, per backend, shared by the notice tests
(built once per session). The first township gets a second village, so a township's notice
has villages to subtotal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, update

from safetynet.codes import RegionLevel
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import session_scope
from safetynet.store.models import Household, Person, Region
from safetynet.synth.county import generate
from safetynet.synth.load import load_county
from tests.conftest import fresh_engine

PERSONS = 900
YEAR = 2017
COUNTY = "341821"
SECOND_VILLAGE_NAME = "试验村"


def _build(engine: Engine) -> None:
    load_county(engine, generate(PERSONS, seed=23, year=YEAR))
    settle_year(engine, YEAR)
    with session_scope(engine) as s:
        township = s.scalar(
            select(Region.code).where(Region.level == RegionLevel.TOWNSHIP).order_by(Region.code)
        )
        village = s.scalar(
            select(Region.code).where(Region.parent_code == township).order_by(Region.code)
        )
        second = f"{township}298"
        s.add(Region(code=second, name=SECOND_VILLAGE_NAME, level=RegionLevel.VILLAGE,
                     parent_code=township))  # fmt: skip
        s.flush()
        households = s.scalars(
            select(Household.id).where(Household.region_code == village).order_by(Household.id)
        ).all()[::2]
        s.execute(update(Household).where(Household.id.in_(households)).values(region_code=second))
        s.execute(
            update(Person).where(Person.household_id.in_(households)).values(region_code=second)
        )


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def county_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    engine = fresh_engine(request, tmp_path_factory, "reports")
    _build(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def regions(county_engine: Engine) -> dict[str, str]:
    """Codes: the county, the first township (two villages), its villages, another village."""
    with session_scope(county_engine) as s:
        townships = s.scalars(
            select(Region.code).where(Region.level == RegionLevel.TOWNSHIP).order_by(Region.code)
        ).all()
        villages = s.scalars(
            select(Region.code).where(Region.parent_code == townships[0]).order_by(Region.code)
        ).all()
        other = s.scalar(
            select(Region.code).where(Region.parent_code == townships[1]).order_by(Region.code)
        )
    assert len(villages) == 2 and other
    return {
        "county": COUNTY, "township": townships[0], "village": villages[0],
        "second_village": villages[1], "other_village": other, "other_township": townships[1],
    }  # fmt: skip
