"""`safetynet report summary`: the annual work summary of a county or township, as PDF or
Excel."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from safetynet.cli.commands.report import report_app
from safetynet.config import get_settings

console = Console()
err = Console(stderr=True)
FORMATS = (".pdf", ".xlsx")
LANGS = ("zh_Hans", "en")


def _fail(message: str) -> None:
    err.print(f"[red]{message}[/red]")
    raise typer.Exit(2)


@report_app.command("summary")
def summary(
    region: str = typer.Option(..., "--region", help="County or township code."),
    year: int = typer.Option(..., "--year", help="The scheme year."),
    out: Path = typer.Option(..., "--out", help="The file to write: FILE.pdf or FILE.xlsx."),
    lang: str = typer.Option("zh_Hans", "--lang", help="zh_Hans (default) or en."),
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """The annual work summary: enrollment and funds, the fund's use and balance, visits and
    costs by level, compensation, and the poor under the comprehensive policy by layer, with
    every indicator's definition."""
    from safetynet.indicators.service import IndicatorError, indicators
    from safetynet.store.db import make_engine
    from safetynet.web.summary_report import build_summary, summary_pdf, summary_xlsx

    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        _fail(f"--out {out}: write a .pdf or an .xlsx file")
    if lang not in LANGS:
        _fail(f"--lang {lang!r}: use zh_Hans or en")
    engine = make_engine(db or get_settings().database_url)
    try:
        result = indicators(engine, region, year, "year", None, by_category=True)
    except IndicatorError as exc:
        _fail(f"--{exc.field}: {exc.message}")
        return
    s = build_summary(result, lang)
    body = summary_pdf(s, lang) if suffix == ".pdf" else summary_xlsx(s)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    console.print(f"wrote {out}: {s.title}")
    for line in s.sentences:
        console.print(f"  {line}")
