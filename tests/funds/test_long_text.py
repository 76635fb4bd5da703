"""Text longer than its column (a memo, a reference, a user name, an institution code) is
refused naming the field, nothing written — on PostgreSQL it was a database error (a
traceback at the command line), on SQLite it was kept whole. Both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.store.db import session_scope
from safetynet.store.models import Budget, FundEntry, PaymentBatch
from tests.settlement.conftest import County

runner = CliRunner()
LINES = "fund,account,amount\nbasic,cash,10\nbasic,income.interest,-10\n"


def _written(engine: Engine) -> int:
    with session_scope(engine) as s:
        return sum(
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (FundEntry, Budget, PaymentBatch)
        )


@pytest.mark.parametrize(
    ("args", "body", "said"),
    [
        (["entry", "--memo", "m" * 201], LINES, "memo: 201 characters, at most 200"),
        (["entry", "--memo", "m", "--reference", "r" * 121], LINES, "reference: 121"),
        (["entry", "--memo", "m", "--by", "u" * 65], LINES, "user: 65 characters"),
        (
            ["entry", "--memo", "m"],
            "fund,account,amount,institution\nbasic,payable,-10," + "H" * 33 + "\nbasic,cash,10,\n",
            "institution code longer than 32",
        ),
        (["budgets", "--by", "u" * 65], "institution,budget\nH-COUNTY,10\n", "user: 65"),
        (["round", "make", "--month", "3", "--by", "u" * 65], None, "user: 65"),
    ],
    ids=["memo", "reference", "user", "institution", "budget-user", "round-user"],
)
def test_a_text_longer_than_its_column_is_refused(
    db_engine: Engine, county: County, tmp_path: Path, args: list[str], body: str | None,
    said: str,
) -> None:  # fmt: skip
    extra: list[str] = []
    if body is not None:
        path = tmp_path / "in.csv"
        path.write_text(body, encoding="utf-8")
        extra = [str(path)]
    if args[0] == "entry":
        extra += ["--on", "2017-05-01"]
    if "--by" not in args:
        extra += ["--by", "bureau"]
    url = db_engine.url.render_as_string(hide_password=False)
    done = runner.invoke(app, ["funds", *args, *extra, "--year", "2017", "--db", url])
    assert done.exit_code == 2, (done.output, done.exception)
    assert said in " ".join(done.output.split())
    assert _written(db_engine) == 0
