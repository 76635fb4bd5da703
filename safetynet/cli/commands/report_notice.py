"""`safetynet report notice`: a region's monthly public notice of reimbursements, as PDF or
Excel (names and resident IDs masked)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from safetynet.cli.commands.report import check_document, fail, report_app
from safetynet.config import get_settings

console = Console()


@report_app.command("notice")
def notice(
    region: str = typer.Option(..., "--region", help="County, township or village code."),
    month: str = typer.Option(..., "--month", help="The month, YYYY-MM (e.g. 2018-03)."),
    out: Path = typer.Option(..., "--out", help="The file to write: FILE.pdf or FILE.xlsx."),
    lang: str = typer.Option("zh_Hans", "--lang", help="zh_Hans (default) or en."),
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """The monthly public notice (县乡村三级公示) of a county, township or village: every
    reimbursement of the month with names and IDs masked, subtotals and the total."""
    from safetynet.money import fmt_yuan
    from safetynet.reports.notice import NoticeError, parse_month, public_notice
    from safetynet.reports.notice_tables import empty_statement, notice_pdf, notice_xlsx
    from safetynet.store.db import make_engine, session_scope

    suffix = check_document(out, lang)
    try:
        year, mon = parse_month(month)
        with session_scope(make_engine(db or get_settings().database_url)) as session:
            result = public_notice(session, region, year, mon)
    except NoticeError as exc:
        fail(f"--{exc.field or 'region'}: {exc.message}")
        return
    body = notice_pdf(result, lang) if suffix == ".pdf" else notice_xlsx(result, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    if result.is_empty:
        console.print(f"wrote {out}: {empty_statement(result, lang)}")
        return
    t = result.totals
    console.print(
        f"wrote {out}: {result.region_name} {result.period}, {result.rows.height:,} lines, "
        f"{t['persons']:,} persons, total cost {fmt_yuan(t['total_fen'])} yuan, reimbursed "
        f"{fmt_yuan(t['paid_fen'])} yuan, paid by patients {fmt_yuan(t['out_of_pocket_fen'])} yuan"
    )
