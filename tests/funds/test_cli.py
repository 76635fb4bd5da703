"""`safetynet funds`: post a year the batch settled, print the balances, a manual entry
posted and an unbalanced one refused with nothing written (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.funds.posting import posted_count
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import session_scope
from safetynet.store.models import Budget, FundEntry, FundPosted, Settlement
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
        assert posted_count(s, 2017) == ledger == 4
        assert s.scalar(select(func.count()).select_from(FundPosted)) == 0  # a range, no marks
    again = runner.invoke(app, ["funds", "post", "--year", "2017", *db])
    assert again.exit_code == 0 and _entries(db_engine) == 2  # settlements + allocation
    shown = runner.invoke(app, ["funds", "balances", "--year", "2017", *db])
    assert shown.exit_code == 0 and "re_assistance" in shown.output
    assert "2,700,000.00" in shown.output  # the re-assistance allocation

    lines = tmp_path / "lines.csv"
    lines.write_text("fund,account,amount\nbasic,cash,12.50\nbasic,income.interest,-12.50\n")
    args = [
        "funds",
        "entry",
        str(lines),
        "--year",
        "2017",
        "--on",
        "2017-12-31",
        "--memo",
        "bank interest",
        "--by",
        "bureau",
        *db,
    ]
    ok = runner.invoke(app, args)
    assert ok.exit_code == 0, ok.output
    assert _entries(db_engine) == 3
    lines.write_text("fund,account,amount\nbasic,cash,12.50\nbasic,income.interest,-12.49\n")
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert "does not balance" in refused.output and "difference 0.01 yuan" in refused.output
    assert _entries(db_engine) == 3


def test_statements_budgets_and_a_payment_round(
    db_engine: Engine, county: County, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from tests.funds.test_statements import _claims

    db = ["--db", _url(db_engine)]
    budgets = tmp_path / "budgets.csv"
    budgets.write_text("institution,budget\nH-COUNTY,120000\n")
    ok = runner.invoke(
        app, ["funds", "budgets", str(budgets), "--year", "2017", "--by", "bureau", *db]
    )
    assert ok.exit_code == 0, ok.output
    budgets.write_text("institution,budget\nNOWHERE,1\n")
    bad = runner.invoke(
        app, ["funds", "budgets", str(budgets), "--year", "2017", "--by", "bureau", *db]
    )
    assert bad.exit_code == 2 and "NOWHERE" in bad.output
    for m in ("1", "2", "3"):
        done = runner.invoke(
            app,
            [
                "funds",
                "prepay",
                "--year",
                "2017",
                "--month",
                m,
                "--on",
                f"2017-0{m}-01",
                "--by",
                "bureau",
                *db,
            ],
        )
        assert done.exit_code == 0 and "1 prepayments posted" in done.output
    _claims(db_engine)
    xlsx = tmp_path / "march.xlsx"
    shown = runner.invoke(
        app,
        [
            "funds",
            "statements",
            "--year",
            "2017",
            "--month",
            "3",
            "--out",
            str(xlsx),
            "--lang",
            "en",
            *db,
        ],
    )
    assert shown.exit_code == 0, shown.output
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    # basic: 50,000.00 − 5 % deposit − 3 × 10,000.00 prepaid = 17,500.00
    assert "Payable" in values and 17_500 in values, values
    pdf = tmp_path / "march.pdf"
    zh = runner.invoke(
        app, ["funds", "statements", "--year", "2017", "--month", "3", "--out", str(pdf), *db]
    )
    assert zh.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")

    made = runner.invoke(
        app, ["funds", "round", "make", "--year", "2017", "--month", "3", "--by", "clerk", *db]
    )
    assert made.exit_code == 0 and "batch 1: draft" in made.output
    own = runner.invoke(app, ["funds", "round", "approve", "--batch", "1", "--by", "clerk", *db])
    assert own.exit_code == 2 and "another user must approve" in own.output
    yes = runner.invoke(app, ["funds", "round", "approve", "--batch", "1", "--by", "bureau", *db])
    assert yes.exit_code == 0 and "approved" in yes.output
    bank = tmp_path / "bank.csv"
    rel = ["funds", "round", "release", "--batch", "1", "--on", "2017-04-05", "--out", str(bank)]
    assert runner.invoke(app, [*rel, "--by", "bureau", *db]).exit_code == 2
    first = runner.invoke(app, [*rel, "--by", "clerk", *db])
    assert first.exit_code == 0 and "released" in first.output
    assert bank.read_text().splitlines()[1].endswith('"H-COUNTY","县人民医院","19400.00"')
    entries = _entries(db_engine)
    twice = runner.invoke(app, [*rel, "--by", "auditor", *db])
    assert twice.exit_code == 2 and "released already" in twice.output
    assert _entries(db_engine) == entries
    end = runner.invoke(
        app, ["funds", "year-end", "--year", "2017", "--on", "2017-12-31", "--by", "bureau", *db]
    )
    assert end.exit_code == 0 and "35,000.00" in end.output
    scores = tmp_path / "scores.csv"
    scores.write_text("institution,share\nH-COUNTY,0.8\n")
    back = runner.invoke(
        app,
        [
            "funds",
            "deposits",
            str(scores),
            "--year",
            "2017",
            "--on",
            "2017-12-31",
            "--by",
            "bureau",
            *db,
        ],
    )
    assert back.exit_code == 0, back.output
    assert "2,000.00" in back.output and "500.00" in back.output  # basic deposit 2,500.00


def test_budget_round_within_the_pot(db_engine: Engine, county: County, tmp_path: Path) -> None:
    from safetynet.settlement.service import submit
    from tests.settlement.helpers import inpatient

    with session_scope(db_engine, write_lock=True) as s:
        submit(s, inpatient(county.poor_id), user="clerk")
    db = ["--db", _url(db_engine)]
    out = tmp_path / "round.xlsx"
    done = runner.invoke(app, ["funds", "budget-round", "--year", "2017", "--out", str(out), *db])
    assert done.exit_code == 0, done.output
    assert "budget 2,700,000.00" in done.output and "index 100.00%" in done.output
    wrong = runner.invoke(app, ["funds", "budget-round", "--year", "2017", "--fund", "basic", *db])
    assert wrong.exit_code == 2 and "no annual pot" in wrong.output


def test_alarms_ring_with_their_figures(db_engine: Engine, county: County) -> None:
    from tests.funds.test_watch import _post

    with session_scope(db_engine) as s:
        _post(s, 2017, "basic", "income.individual", -1_000_000, None)
        _post(s, 2017, "basic", "spending", 500_000, 3)
    db = ["--db", _url(db_engine)]
    rang = runner.invoke(app, ["funds", "alarms", "--year", "2017", *db])
    assert rang.exit_code == 1
    assert "utilization_low" in rang.output and "utilization_pct=50.0" in rang.output
    quiet = runner.invoke(app, ["funds", "alarms", "--year", "2016", *db])
    assert quiet.exit_code == 0 and "no alarm" in quiet.output


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        ("H-COUNTY,100\nH-COUNTY,200\n", "H-COUNTY"),  # twice: which one? refused
        ("H-COUNTY,100000000000.01\n", "H-COUNTY"),  # a fen above 100 billion yuan
        ("H-COUNTY,\n", "amount"),
        ("H-COUNTY\n", "amount"),
    ],
)
def test_a_budgets_file_given_twice_or_out_of_bounds_is_refused_whole(
    db_engine: Engine, county: County, tmp_path: Path, rows: str, said: str
) -> None:
    budgets = tmp_path / "budgets.csv"
    budgets.write_text("institution,budget\n" + rows)
    bad = runner.invoke(
        app,
        ["funds", "budgets", str(budgets), "--year", "2017", "--by", "bureau",
         "--db", _url(db_engine)],
    )  # fmt: skip
    assert bad.exit_code == 2 and said in bad.output and "Traceback" not in bad.output
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(Budget)) == 0
