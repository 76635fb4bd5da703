"""Fixtures for the import tests: a small county (regions, villages, households)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.store.models import Household, Region
from tests.registry_imports.helpers import COUNTY, TOWNSHIP, VILLAGE_A, VILLAGE_B


@pytest.fixture
def county(db_session: Session) -> Session:
    """Regions (county, township, two villages) and households H001 (A), H002 (A), H003 (B)."""
    s = db_session
    s.add(Region(code=COUNTY, name="Test county", level=RegionLevel.COUNTY))
    s.flush()
    s.add(Region(code=TOWNSHIP, name="Township", level=RegionLevel.TOWNSHIP, parent_code=COUNTY))
    s.flush()
    s.add_all([
        Region(code=VILLAGE_A, name="Village A", level=RegionLevel.VILLAGE, parent_code=TOWNSHIP),
        Region(code=VILLAGE_B, name="Village B", level=RegionLevel.VILLAGE, parent_code=TOWNSHIP),
    ])  # fmt: skip
    s.flush()
    s.add_all([
        Household(number="H001", region_code=VILLAGE_A, address="1 East Lane"),
        Household(number="H002", region_code=VILLAGE_A),
        Household(number="H003", region_code=VILLAGE_B),
    ])  # fmt: skip
    s.commit()
    return s
