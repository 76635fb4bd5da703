"""The dashboard rounds a yuan figure by the indicators' one rule: an average in fen to whole
fen half up (``round_fen``), then yuan; never Python's round-half-to-even, nor a float of
yuan rounded to two decimals (``40.025`` is ``40.02499…`` in binary). So the dashboard's key
figures, its level and region tables and the indicators' report (page, xlsx, pdf) show the
same yuan. The hand-made county of the indicator tests, on SQLite and PostgreSQL:
compensation per enrolled person = 7,896.50 yuan ÷ 4 = 197,412.5 fen → 1,974.13 yuan;
with visit e2 billed 50.05 yuan, the village's cost per visit = 80.05 yuan ÷ 2 = 4,002.5 fen
→ 40.03 yuan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, update

from safetynet.codes import RegionLevel
from safetynet.indicators.compute import IndicatorQuery
from safetynet.indicators.load import load_frames
from safetynet.indicators.service import result_of
from safetynet.reports.dashboard_data import build_dashboard
from safetynet.store.db import session_scope
from safetynet.store.models import Settlement
from tests.conftest import fresh_engine
from tests.indicators.helpers import COUNTY, YEAR, write_county


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    engine = fresh_engine(request, tmp_path_factory, "dashround")
    write_county(engine)
    with session_scope(engine) as s:  # the village's two visits cost 80.05 yuan
        s.execute(update(Settlement).where(Settlement.id == 2).values(total_fen=50_05))
    yield engine
    engine.dispose()


def _oracle_half_up(num: int, den: int) -> int:
    """num ÷ den fen to whole fen, half up, in integers (num, den > 0)."""
    return (2 * num + den) // (2 * den)


def test_key_figures_round_half_up_like_the_indicators(engine: Engine) -> None:
    with session_scope(engine) as s:
        dash = build_dashboard(s, COUNTY, YEAR, "en")
    per_capita = next(k for k in dash.key if k.definition.id == "compensation_per_capita")
    assert per_capita.figure is not None
    num, den = per_capita.figure.numerator, per_capita.figure.denominator
    assert (num, den) == (789_650, 4)
    assert per_capita.figure.display() == "1,974.13"
    table = dash.tables[0]
    row = next(r for r in table.rows if r[0] == per_capita.definition.name("en"))
    assert row[2] == _oracle_half_up(num, den) == 197_413


def test_level_and_region_averages_round_half_up_like_the_indicators(engine: Engine) -> None:
    with session_scope(engine) as s:
        dash = build_dashboard(s, COUNTY, YEAR, "en")
        frames = load_frames(s, COUNTY, YEAR)
    yearly = result_of(frames, IndicatorQuery("year", None, False))
    figure = yearly.figure("cost_per_visit", part="village")
    assert figure is not None and (figure.numerator, figure.denominator) == (80_05, 2)
    levels = {r["id"]: r for r in dash.charts["levels"]}
    assert levels["village"]["cost_per_visit_yuan"] == 40.03 == _oracle_half_up(80_05, 2) / 100
    assert figure.display() == "40.03"
    table = next(t for t in dash.tables if t.title == "By institution level")
    assert 40.03 in {r[3] for r in table.rows}
    by_township = result_of(frames, IndicatorQuery("year", RegionLevel.TOWNSHIP, False))
    checked = 0
    for region in dash.charts["townships"]:
        fig = by_township.figure("compensation_per_capita", region_code=region["code"])
        if fig is None or fig.denominator is None:
            continue
        shown = region["per_capita"]
        assert shown == _oracle_half_up(fig.numerator, fig.denominator) / 100
        checked += 1
    assert checked == 2
