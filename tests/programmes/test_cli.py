"""`safetynet programmes ...` on a real database: imports (a bad file exits 2 naming row and
column, nothing written), screening, the rates and the exports."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.store.models import DoctorContract, ProgrammePatient
from tests.programmes.conftest import People
from tests.programmes.helpers import (
    CONTRACT_HEADER,
    FOLLOW_HEADER,
    TEAM_HEADER,
    contract_rows,
    follow_rows,
    team_rows,
)
from tests.registry_imports.helpers import write_csv


def test_the_commands(db_engine: Engine, county: Session, people: People,
                      tmp_path: Path) -> None:  # fmt: skip
    url = db_engine.url.render_as_string(hide_password=False)
    run = CliRunner()

    def ok(*args: str) -> str:
        result = run.invoke(app, [*args, "--db", url])
        assert result.exit_code == 0, result.output
        return result.output

    bad = contract_rows(people)
    bad[1][5] = "Q99.99"
    ok("programmes", "import", "teams", str(write_csv(tmp_path / "t.csv", TEAM_HEADER,
                                                      team_rows())), "--lang", "en")  # fmt: skip
    refused = run.invoke(
        app,
        [
            "programmes",
            "import",
            "contracts",
            "--db",
            url,
            "--lang",
            "en",
            str(write_csv(tmp_path / "bad.csv", CONTRACT_HEADER, bad)),
        ],
    )
    assert refused.exit_code == 2
    assert '"Q99.99" is not an ICD-10 code' in refused.output and "row 3" in refused.output
    county.rollback()
    assert county.scalar(select(func.count(DoctorContract.id))) == 0
    ok(
        "programmes",
        "import",
        "contracts",
        str(write_csv(tmp_path / "c.csv", CONTRACT_HEADER, contract_rows(people))),
    )
    ok(
        "programmes",
        "import",
        "follow-ups",
        str(write_csv(tmp_path / "f.csv", FOLLOW_HEADER, follow_rows(people))),
    )
    out = ok("programmes", "screen", "--year", "2017", "--lang", "en")
    assert "5 found, 5 added" in out and "Persons found" in out
    county.rollback()  # a fresh read
    assert county.scalar(select(func.count(ProgrammePatient.id))) == 5
    rates = tmp_path / "rates.csv"
    out = ok("programmes", "rates", "--year", "2017", "--lang", "en", "--csv", str(rates))
    assert "Health-record" in out.replace("\n", "") or "Health-" in out
    frame = pl.read_csv(rates)
    contract = frame.filter(pl.col("indicator") == "contract_rate").row(0, named=True)
    assert (contract["numerator"], contract["denominator"]) == (3, 3)
    exported = tmp_path / "out" / "follow-ups.csv"
    ok("programmes", "export", "follow-ups", "--year", "2017", "--out", str(exported))
    assert exported.read_text(encoding="utf-8-sig").splitlines()[0].startswith("身份证号,姓名")
    book = tmp_path / "out" / "contracts.xlsx"
    ok("programmes", "export", "contracts", "--year", "2017", "--out", str(book))
    assert book.stat().st_size > 1000


def test_a_year_out_of_range_exits_2_with_a_sentence(db_engine: Engine, county: Session) -> None:
    """Year 0 or 10000 was a ValueError traceback, a year no programme file covers (before
    2017) a LookupError: now exit 2 naming --year, nothing run."""
    url = db_engine.url.render_as_string(hide_password=False)
    run = CliRunner()
    for command in (["rates"], ["pathways"], ["screen"],
                    ["export", "contracts", "--out", "x.csv"]):  # fmt: skip
        for year in ("0", "1999", "2101", "10000"):
            result = run.invoke(app, ["programmes", *command, "--year", year, "--db", url])
            assert result.exit_code == 2, (command, year, result.output)
            assert "--year" in result.output and "Traceback" not in result.output
    for command in (["rates"], ["pathways"], ["screen"]):
        result = run.invoke(app, ["programmes", *command, "--year", "2016", "--db", url])
        assert result.exit_code == 2, result.output
        assert "--year 2016: no programme file covers" in result.output
        assert isinstance(result.exception, SystemExit)
    ok = run.invoke(app, ["programmes", "rates", "--year", "2017", "--db", url])
    assert ok.exit_code == 0, ok.output
