"""The database loader gives the same frames as the in-memory path, on SQLite and PostgreSQL,
and the service answers bad requests with the field at fault."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from safetynet.indicators.load import load_frames
from safetynet.indicators.service import IndicatorError, NoData, UnknownRegion, indicators
from tests.indicators.helpers import COUNTY, T1, YEAR, frames, write_county


def test_loader_equals_the_in_memory_frames(db_engine: Engine) -> None:
    write_county(db_engine)
    for region in (COUNTY, T1):
        loaded = load_frames(db_engine, region, YEAR)
        expected = frames(region)
        assert loaded.region_code == region
        assert_frame_equal(loaded.regions, expected.regions)
        assert_frame_equal(loaded.persons, expected.persons)
        assert_frame_equal(loaded.entries, expected.entries)


def test_service_on_the_database(db_engine: Engine) -> None:
    write_county(db_engine)
    with Session(db_engine) as session:  # a session works as well as an engine
        result = indicators(session, COUNTY, YEAR, "quarter", "village", True)
    assert result.value("compensation", period="2017-Q1") == 7896_50
    assert result.value("persons_compensated", period="2017-Q1", category="ordinary") == 1
    with pytest.raises(UnknownRegion, match="unknown region 999999"):
        indicators(db_engine, "999999", YEAR)
    with pytest.raises(NoData, match="2012"):
        indicators(db_engine, COUNTY, 2012)
    with pytest.raises(IndicatorError, match="township") as exc:
        indicators(db_engine, T1, YEAR, by="county")
    assert exc.value.field == "by"
    with pytest.raises(IndicatorError, match="period"):
        indicators(db_engine, COUNTY, YEAR, period="week")


def test_the_unenrolled_are_placed_by_the_regions_contribution_policy() -> None:
    """As the definitions say: the priority of the region's contribution policy of the year
    (Nanchang 2022 puts low income before registered poor, Anhui 2017 the reverse), else
    the default order."""
    from safetynet.codes import PovertyStatus as S
    from safetynet.derived.frames import DEFAULT_PRIORITY
    from safetynet.indicators.load import category_priority
    from safetynet.policy.contribution import load_contribution_policy

    nanchang = category_priority("360102", 2022)
    assert nanchang == load_contribution_policy("jiangxi-nanchang-2022").priority
    assert nanchang.index(S.LOW_INCOME) < nanchang.index(S.REGISTERED_POOR)
    anhui = category_priority("341821", 2017)
    assert anhui.index(S.REGISTERED_POOR) < anhui.index(S.LOW_INCOME)
    assert category_priority("341821", 2030) == DEFAULT_PRIORITY
