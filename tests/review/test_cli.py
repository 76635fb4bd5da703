"""`safetynet review sample`, `review export` and `review cases` on a database file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.clock import local_today
from safetynet.review import cases, sanctions
from safetynet.store.db import make_engine, session_scope
from safetynet.store.models import Base, SpotCheck
from tests.review.conftest import settle
from tests.settlement.conftest import build_county

runner = CliRunner()


def test_sample_export_and_cases(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'county.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with session_scope(engine) as s:
        county = build_county(s)
    claim_ids = [settle(engine, county.ordinary_id, date(2017, m, 1))[0] for m in (2, 3, 4)]
    with session_scope(engine) as s:
        case = cases.open_case(s, claim_ids[0])
        [line, *_] = cases.lines(s, case.id)
        cases.decide_line(s, line.id, decision="adjusted", deduct_fen=12_345, by="rev1",
                          version=0, reason="超标准收费", rule_id="over-standard-charge",
                          article=38)  # fmt: skip
        sanctions.open_case(s, article=40, finding="虚构服务", loss_fen=100_00,
                            fine_multiple="2.5", by="inspector", today=date(2017, 5, 1),
                            institution_code="H-COUNTY")  # fmt: skip
    period = ["--from", "2017-01-01", "--to", "2017-12-31"]
    drawn = runner.invoke(app, ["review", "sample", "--db", url, "--region", "340421", *period,
                                "--seed", "3"])  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    # 2 closed claims, both low: ceil(5 % × 2) = 1, then ceil(2 % × 2) = 1 more at random
    assert "spot check 1: 2 claims drawn (seed 3)" in drawn.output
    with session_scope(engine) as s:
        check = s.scalar(select(SpotCheck))
        assert check is not None and check.strata["low"]["claims"] == 2
    today = local_today().isoformat()
    for what, extra in (("decisions", ["--from", "2000-01-01", "--to", today]),
                        ("deductions", ["--from", "2000-01-01", "--to", today]),
                        ("cases", [])):  # fmt: skip
        for suffix in (".xlsx", ".pdf"):
            out = tmp_path / f"{what}{suffix}"
            done = runner.invoke(app, ["review", "export", what, "--db", url, "-o", str(out),
                                       "--lang", "zh_Hans", *extra])  # fmt: skip
            assert done.exit_code == 0, done.output
            assert out.stat().st_size > 0
    decisions = list(load_workbook(tmp_path / "decisions.xlsx").active.values)
    assert any("超标准收费" in row and 123.45 in row for row in decisions)
    deductions = list(load_workbook(tmp_path / "deductions.xlsx").active.values)
    assert any("H-COUNTY" in row and 123.45 in row for row in deductions)
    listed = runner.invoke(app, ["review", "cases", "--db", url])
    assert listed.exit_code == 0 and "虚构服务" in listed.output and "250.00" in listed.output
    refused = runner.invoke(app, ["review", "export", "decisions", "--db", url, "-o",
                                  str(tmp_path / "d.xlsx")])  # fmt: skip
    assert refused.exit_code == 2 and "--from and --to" in refused.output
