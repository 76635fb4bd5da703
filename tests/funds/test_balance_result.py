"""A fund's balance of the year (``funds balances``, :func:`fund_figures`) is its result in the
journal — income less everything it cost — including the global budget's year-end
settlement (an underspend kept by a hospital costs the fund) and the quality deposits
forfeited (kept by the fund): the same figure the alarms' accumulated balance reads, on both
databases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.funds.journal import Line, post_entry
from safetynet.funds.rules import default_rules
from safetynet.funds.service import fund_figures
from safetynet.funds.watch import fund_years
from safetynet.store.db import session_scope

RULES = default_rules()
H = "H-COUNTY"
ENTRIES = [
    ("contribution", [Line("basic", "cash", 1_000_000),
                      Line("basic", "income.individual", -1_000_000)]),
    ("settlement", [Line("basic", "spending", 600_000, institution_code=H, month=5),
                    Line("basic", "payable", -600_000, institution_code=H, month=5)]),
    ("payment", [Line("basic", "payable", 600_000, institution_code=H, month=6),
                 Line("basic", "deposit", -30_000, institution_code=H, month=6),
                 Line("basic", "cash", -570_000, month=6)]),
    ("year_end", [Line("basic", "budget_adjustment", 50_000, institution_code=H, month=12),
                  Line("basic", "payable", -50_000, institution_code=H, month=12)]),
    ("deposit_return", [Line("basic", "deposit", 30_000, institution_code=H, month=12),
                        Line("basic", "cash", -20_000, month=12),
                        Line("basic", "forfeited", -10_000, institution_code=H, month=12)]),
]  # fmt: skip


def test_the_balance_is_the_funds_result(db_engine: Engine) -> None:
    with session_scope(db_engine) as s:
        for kind, lines in ENTRIES:
            post_entry(s, RULES, year=2017, posted_on=date(2017, 12, 31), kind=kind,
                       lines=lines, user="bureau")  # fmt: skip
    # income 10,000 − spending 6,000 − kept underspend 500 + forfeited deposit 100
    want = 1_000_000 - 600_000 - 50_000 + 10_000
    with session_scope(db_engine) as s:
        basic = next(f for f in fund_figures(s, RULES, 2017) if f.fund == "basic")
        watched = fund_years(s, RULES, 2017, 12, ["basic"])["basic"]
    assert basic.balance_fen == want == watched.accumulated
    url = db_engine.url.render_as_string(hide_password=False)
    shown = runner.invoke(app, ["funds", "balances", "--year", "2017", "--db", url])
    assert shown.exit_code == 0, shown.output
    row = next(line for line in shown.output.splitlines() if line.split()[:1] == ["basic"])
    assert "3,600.00" in row, row


runner = CliRunner()
