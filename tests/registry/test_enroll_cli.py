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


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--on", "2017-13-01"], "write the date as YYYY-MM-DD"),
        (["--on", "yesterday"], "write the date as YYYY-MM-DD"),
        (["--on", "2030-01-01"], "from 2016-01-01 to 2017-12-31"),
    ],
)
def test_a_bad_enrollment_date_is_refused_without_a_traceback(
    db_engine: Engine, county: County, args: list[str], says: str
) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    result = runner.invoke(
        app, ["enroll", "--year", "2017", "--policy", "anhui-2017", "--db", url, *args]
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert says in " ".join(result.output.split())
    with session_scope(db_engine) as s:  # the fixture's three, nobody more
        assert s.scalar(select(func.count()).select_from(Enrollment)) == 3


def test_a_year_out_of_range_is_refused(db_engine: Engine, county: County) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    result = runner.invoke(
        app, ["enroll", "--year", "99999", "--policy", "anhui-2017", "--db", url]
    )
    assert result.exit_code == 2
    assert "--year" in result.output and "2100" in result.output
