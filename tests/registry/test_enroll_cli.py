"""`safetynet enroll` enrolls the living persons once, with the contribution split."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.store.db import session_scope
from safetynet.store.models import Enrollment
from tests.settlement.conftest import County, build_county

runner = CliRunner()


@pytest.fixture
def county(db_engine: Engine) -> County:
    with session_scope(db_engine) as s:
        return build_county(s)


def test_enroll_twice_enrolls_once(db_engine: Engine, county: County) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    first = runner.invoke(app, ["enroll", "--year", "2017", "--policy", "anhui-2017", "--db", url])
    assert first.exit_code == 0, first.output
    with session_scope(db_engine) as s:
        # three were enrolled by the fixture; the fourth person now
        assert s.scalar(select(func.count()).select_from(Enrollment)) == 4
    again = runner.invoke(app, ["enroll", "--year", "2017", "--policy", "anhui-2017", "--db", url])
    assert again.exit_code == 0
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(Enrollment)) == 4


def test_wrong_year_is_refused(db_engine: Engine, county: County) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, ["enroll", "--year", "2018", "--policy", "anhui-2017", "--db", url])
    assert result.exit_code == 2
    assert "is for 2017, not 2018" in " ".join(result.output.split())
