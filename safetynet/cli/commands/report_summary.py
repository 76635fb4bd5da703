"""`safetynet report summary`: the annual work summary of a county or township, as PDF or
Excel."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from safetynet.cli.bounds import YEAR
from safetynet.cli.commands.report import check_document, fail, report_app
from safetynet.config import get_settings

console = Console()


@report_app.command("summary")
def summary(
    region: str = typer.Option(..., "--region", help="County or township code."),
    year: int = typer.Option(..., "--year", help="The scheme year.", **YEAR),
    out: Path = typer.Option(..., "--out", help="The file to write: FILE.pdf or FILE.xlsx."),
    lang: str = typer.Option("zh_Hans", "--lang", help="zh_Hans (default) or en."),
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """The annual work summary: enrollment and funds, the fund's use and balance, visits and
    costs by level, compensation, and the poor under the comprehensive policy by layer, with
    every indicator's definition."""
    from sqlalchemy.orm import Session

    from safetynet.indicators.service import IndicatorError, indicators
    from safetynet.reports.summary_report import build_summary, summary_pdf, summary_xlsx
    from safetynet.store.db import make_engine

    suffix = check_document(out, lang)
    engine = make_engine(db or get_settings().database_url)
    try:
        result = indicators(engine, region, year, "year", None, by_category=True)
    except IndicatorError as exc:
        fail(f"--{exc.field}: {exc.message}")
        return
    from safetynet.funds.summary import with_fund_statements
    from safetynet.reports.programme_tables import programme_table

    with Session(engine) as session:
        s = with_fund_statements(build_summary(result, lang), session, region, year, lang)
        programme = programme_table(session, region, year, lang)
    if programme is not None:
        s.tables.append(programme)
    body = summary_pdf(s, lang) if suffix == ".pdf" else summary_xlsx(s)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    console.print(f"wrote {out}: {s.title}")
    for line in s.sentences:
        console.print(f"  {line}")
