"""The dashboard leaves undefined what has nothing to divide by: a township with claims but
nobody enrolled has no compensation per enrolled person (None: a dash and no bar, as the key
figures show an undefined ratio), never 0 yuan; a level without visits has no average cost.
The hand-made county of the indicator tests with the one person enrolled in township T2
(p3) taken out of the year's enrollment, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete

from safetynet.reports.dashboard_data import build_dashboard
from safetynet.store.db import session_scope
from safetynet.store.models import Enrollment
from tests.conftest import fresh_engine
from tests.indicators.helpers import COUNTY, T1, T2, YEAR, write_county


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    engine = fresh_engine(request, tmp_path_factory, "dashundef")
    write_county(engine)
    with session_scope(engine) as s:
        s.execute(delete(Enrollment).where(Enrollment.person_id == 3, Enrollment.year == YEAR))
    yield engine
    engine.dispose()


def test_per_capita_of_a_region_without_enrollment_is_undefined(engine: Engine) -> None:
    with session_scope(engine) as s:
        dash = build_dashboard(s, COUNTY, YEAR, "en")
    regions = {r["code"]: r for r in dash.charts["townships"]}
    assert regions[T2]["compensation_yuan"] > 0  # it has claims...
    assert regions[T2]["per_capita"] is None  # ...and nobody to divide by
    assert regions[T1]["per_capita"] == pytest.approx(
        (2000 + 400 + 200 + 25 + 55 + 16.5) / 3, abs=0.01
    )
    table = next(t for t in dash.tables if t.title == "By region")
    row = next(r for r in table.rows if r[0] == T2)
    assert row[-1] is None


def test_a_level_without_visits_has_no_average_cost(engine: Engine) -> None:
    with session_scope(engine) as s:
        dash = build_dashboard(s, COUNTY, YEAR, "en")
    levels = {r["id"]: r for r in dash.charts["levels"]}
    assert levels["province"]["cost_per_visit_yuan"] is None
    assert levels["province"]["cost_per_admission_yuan"] is None
    assert levels["county"]["cost_per_admission_yuan"] == pytest.approx(3000)
    assert levels["province"]["visit_share"] == 0.0  # a share of a non-empty whole is 0
