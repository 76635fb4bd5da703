"""`safetynet report indicators` and `report summary` with a year outside the scheme's
(2000-2100): exit status 2 naming ``--year``, no file written, never a traceback (year 0 and
year 99999 were a ValueError from the calendar) — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from safetynet.cli.main import app
from tests.indicators.helpers import COUNTY, write_county

runner = CliRunner()


@pytest.mark.parametrize("year", ["0", "-1", "1999", "2101", "99999"])
@pytest.mark.parametrize(("command", "suffix"), [("indicators", ".xlsx"), ("summary", ".pdf")])
def test_a_year_outside_the_scheme_is_refused(
    db_engine: Engine, tmp_path: Path, command: str, suffix: str, year: str
) -> None:
    write_county(db_engine)
    out = tmp_path / f"report{suffix}"
    url = db_engine.url.render_as_string(hide_password=False)
    done = runner.invoke(
        app,
        ["report", command, "--db", url, "--region", COUNTY, "--year", year, "--out", str(out)],
    )
    assert done.exit_code == 2, (done.output, done.exception)
    assert "--year" in done.output
    assert not out.exists()
