"""`safetynet warnings`: a claim file end to end, and the database (SQLite and PostgreSQL):
evaluate and record, list, export to Excel and PDF, a re-assistance round."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.clock import local_today
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import EarlyWarning
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county

__all__ = ["county"]
ROOT = Path(__file__).parents[2]
runner = CliRunner()


def test_claim_file_with_reference_income(tmp_path: Path) -> None:
    out = tmp_path / "w.csv"
    result = runner.invoke(app, [
        "warnings", "evaluate", "--year", "2017",
        "--claims", str(ROOT / "examples" / "claims-anhui-2017.jsonl"),
        "--policy", "anhui-poor-2017", "--reference-income", "11720", "--out", str(out),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    found = pl.read_csv(out)
    assert "self_pay_year" in found["rule_id"].to_list()
    # a household rule names the file's household key and the reference × members
    shares = found.filter(pl.col("kind") == "household_share")
    half = shares.row(0, named=True)
    assert half["household_key"].startswith("H-") and half["income_fen"] % 1_172_000 == 0
    # one tier per household (its most severe), never both
    assert shares["household_key"].is_unique().all()


def test_claim_file_round_within_a_short_budget(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    result = runner.invoke(app, [
        "warnings", "reassist", "--year", "2017",
        "--claims", str(ROOT / "examples" / "claims-anhui-2017.jsonl"),
        "--policy", "anhui-poor-2017", "--budget", "100", "--out", str(out),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert pl.read_csv(out)["amount_fen"].sum() == 10_000


def test_claims_without_policy_is_refused() -> None:
    result = runner.invoke(app, ["warnings", "evaluate", "--year", "2017", "--claims", "x.jsonl"])
    assert result.exit_code == 2


def test_database_evaluate_list_export(db_engine: Engine, county: County, tmp_path: Path) -> None:
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    url = db_engine.url.render_as_string(hide_password=False)
    ref = runner.invoke(
        app,
        [
            "warnings",
            "reference-income",
            "--region",
            "340421",
            "--year",
            "2016",
            "--income",
            "11720",
            "--source",
            "统计公报",
            "--db",
            url,
        ],
    )
    assert ref.exit_code == 0 and "11,720.00" in ref.output, ref.output
    with db_engine.connect() as conn:
        from safetynet.early_warning.load import load_households

        homes = load_households(conn, 2017)
    assert set(homes["reference_fen"].to_list()) == {1_172_000}
    first = runner.invoke(app, ["warnings", "evaluate", "--year", "2017", "--db", url])
    assert first.exit_code == 0, first.output
    with session_scope(db_engine) as s:
        stored = s.scalar(select(func.count(EarlyWarning.id)))
    assert stored and f"{stored} new warnings recorded" in first.output
    again = runner.invoke(app, ["warnings", "evaluate", "--year", "2017", "--db", url])
    assert "0 new warnings recorded" in again.output
    listed = runner.invoke(app, ["warnings", "list", "--year", "2017", "--db", url, "--lang", "en"])
    assert listed.exit_code == 0 and "Monitoring list of 2017" in listed.output
    xlsx = tmp_path / "list.xlsx"
    done = runner.invoke(app, ["warnings", "export", "--year", "2017", "--db", url,
                               "--out", str(xlsx), "--lang", "en"])  # fmt: skip
    assert done.exit_code == 0, done.output
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Monitoring list of 2017" in texts[0]
    assert "compliant self-pay of the year above the line" in texts
    pdf = tmp_path / "list.pdf"
    made = runner.invoke(
        app, ["warnings", "export", "--year", "2017", "--db", url, "--out", str(pdf)]
    )
    assert made.exit_code == 0, (made.output, made.exception)
    assert pdf.read_bytes().startswith(b"%PDF")
    shown = runner.invoke(app, ["warnings", "indicators", "--year", "2017", "--db", url,
                                "--lang", "en"])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    monitored = re.search(r"monitored_persons: (\d+)", shown.output)
    assert monitored and int(monitored.group(1)) >= 1 and "Persons under monitoring" in shown.output
    paid = runner.invoke(app, ["warnings", "reassist", "--year", "2017", "--db", url])
    assert paid.exit_code == 0 and "1 households" in paid.output


def test_steps_and_hand_over_packet(db_engine: Engine, county: County, tmp_path: Path) -> None:
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    url = db_engine.url.render_as_string(hide_password=False)
    runner.invoke(app, ["warnings", "evaluate", "--year", "2017", "--db", url])
    with session_scope(db_engine) as s:
        wid = s.scalar(select(func.min(EarlyWarning.id)))
    base = ["warnings", "step", str(wid), "--db", url, "--by", "town"]
    early = runner.invoke(
        app, [*base[:3], "hand_over", *base[3:], "--on", local_today().isoformat()]
    )
    assert early.exit_code == 2 and "step.out_of_order" in early.output
    today = local_today().isoformat()
    ok = runner.invoke(app, [*base[:3], "visit_confirmed", *base[3:], "--on", today,
                             "--note", "home visit: bills confirmed"])  # fmt: skip
    assert ok.exit_code == 0 and "now verified" in ok.output, ok.output
    xlsx, pdf = tmp_path / "p.xlsx", tmp_path / "p.pdf"
    made = runner.invoke(app, ["warnings", "packet", str(wid), "--db", url, "--out", str(xlsx),
                               "--lang", "en"])  # fmt: skip
    assert made.exit_code == 0, (made.output, made.exception)
    book = load_workbook(xlsx)
    texts = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
    values = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert "home visit: bills confirmed" in texts
    assert 60_000 in values  # the bill, in yuan, on the member's and the claim's rows
    assert any("Rules hit" in t for t in texts)
    made = runner.invoke(app, ["warnings", "packet", str(wid), "--db", url, "--out", str(pdf)])
    assert made.exit_code == 0, (made.output, made.exception)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_reference_income_of_zero_or_below_is_refused(tmp_path: Path) -> None:
    """Zero or below, every household without an income and with any out-of-pocket would be
    above it: refused before the database is opened."""
    for income in ("0", "-11720"):
        out = runner.invoke(app, ["warnings", "reference-income", "--region", "340421", "--year",
                                  "2016", "--income", income, "--source", "x", "--db",
                                  f"sqlite:///{tmp_path / 'none.db'}"])  # fmt: skip
        assert out.exit_code != 0 and "above zero" in out.output, out.output
    assert not (tmp_path / "none.db").exists()
