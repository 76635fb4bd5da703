"""`safetynet funds`: post a year the batch settled, print the balances, a manual entry
posted and an unbalanced one refused with nothing written (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry, FundPosted, Settlement
from tests.settlement.conftest import County
from tests.settlement.test_year_batch import _record_claims

runner = CliRunner()


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _entries(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(FundEntry)) or 0


def test_post_balances_and_entries(db_engine: Engine, county: County, tmp_path: Path) -> None:
    _record_claims(db_engine, county)
    settle_year(db_engine, 2017)
    db = ["--db", _url(db_engine)]
    done = runner.invoke(app, ["funds", "post", "--year", "2017", *db])
    assert done.exit_code == 0, done.output
    with session_scope(db_engine) as s:
        ledger = s.scalar(select(func.count()).select_from(Settlement))
        assert s.scalar(select(func.count()).select_from(FundPosted)) == ledger == 4
    again = runner.invoke(app, ["funds", "post", "--year", "2017", *db])
    assert again.exit_code == 0 and _entries(db_engine) == 2  # settlements + allocation
    shown = runner.invoke(app, ["funds", "balances", "--year", "2017", *db])
    assert shown.exit_code == 0 and "re_assistance" in shown.output
    assert "2,700,000.00" in shown.output  # the re-assistance allocation

    lines = tmp_path / "lines.csv"
    lines.write_text("fund,account,amount\nbasic,cash,12.50\nbasic,income.interest,-12.50\n")
    args = ["funds", "entry", str(lines), "--year", "2017", "--on", "2017-12-31",
            "--memo", "bank interest", "--by", "bureau", *db]  # fmt: skip
    ok = runner.invoke(app, args)
    assert ok.exit_code == 0, ok.output
    assert _entries(db_engine) == 3
    lines.write_text("fund,account,amount\nbasic,cash,12.50\nbasic,income.interest,-12.49\n")
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert "does not balance" in refused.output and "difference 0.01 yuan" in refused.output
    assert _entries(db_engine) == 3
