"""Region paths and descendants, on both databases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.regions import descendants, descendants_select, region_path
from safetynet.store.models import Household, Region

COUNTY, T1, T2 = "341821000000", "341821100000", "341821200000"
V11, V12, V21 = "341821100201", "341821100202", "341821200201"


def _regions(session: Session) -> None:
    session.add(Region(code=COUNTY, name="郎溪县", level=RegionLevel.COUNTY))
    session.flush()
    for code, name in ((T1, "建平镇"), (T2, "十字镇")):
        session.add(Region(code=code, name=name, level=RegionLevel.TOWNSHIP, parent_code=COUNTY))
    session.flush()
    for code, name, parent in ((V11, "东风村", T1), (V12, "西湖村", T1), (V21, "南山村", T2)):
        session.add(Region(code=code, name=name, level=RegionLevel.VILLAGE, parent_code=parent))
    session.commit()


def test_region_path(db_session: Session) -> None:
    _regions(db_session)
    assert region_path(db_session, V12) == ["郎溪县", "建平镇", "西湖村"]
    assert region_path(db_session, T2) == ["郎溪县", "十字镇"]
    assert region_path(db_session, COUNTY) == ["郎溪县"]
    assert region_path(db_session, "000000000000") == []


def test_descendants(db_session: Session) -> None:
    _regions(db_session)
    assert descendants(db_session, COUNTY) == sorted([COUNTY, T1, T2, V11, V12, V21])
    assert descendants(db_session, T1) == [T1, V11, V12]
    assert descendants(db_session, V21) == [V21]
    assert descendants(db_session, "nope") == []


def test_descendants_select_restricts_a_query(db_session: Session) -> None:
    _regions(db_session)
    db_session.add_all(
        [Household(number="A", region_code=V11), Household(number="B", region_code=V21)]
    )
    db_session.commit()
    visible = select(Household.number).where(Household.region_code.in_(descendants_select(T1)))
    assert db_session.scalars(visible).all() == ["A"]
