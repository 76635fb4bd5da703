"""The dashboard: a region's year in charts (Apache ECharts, served from /static) beside its
key figures and their definitions, and the same tables as an Excel download.

Region and year are chosen on the page (regions within the user's own; years with data).
The annual work summary (PDF, Excel) of the same region and year is downloaded from here.
Views and downloads are written to the audit log.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from safetynet.exports.table import Table, display
from safetynet.funds.summary import with_fund_statements
from safetynet.indicators.service import (
    IndicatorError,
    NoData,
    UnknownRegion,
    indicator_years,
    indicators,
)
from safetynet.reports.dashboard_data import Dashboard, build_dashboard
from safetynet.reports.notice import notice_regions
from safetynet.reports.programme_tables import pathway_table, programme_table
from safetynet.reports.summary_report import build_summary, summary_pdf, summary_xlsx
from safetynet.security.roles import Permission
from safetynet.store.models.security import User
from safetynet.web.access import region_in_scope
from safetynet.web.auditing import record_read
from safetynet.web.bounds import YearQuery, text_query
from safetynet.web.db import get_db
from safetynet.web.downloads import file_download, xlsx_download
from safetynet.web.errors import WebError
from safetynet.web.security import require
from safetynet.web.templating import gettext_for, locale_of, render

router = APIRouter()


def _json(data: object) -> str:
    """JSON for a ``<script>`` element: ``<`` escaped, so no text can close the element."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def programme_shown(table: Table | None) -> tuple[Table, list[list[str]]] | None:
    """The programme's table and its cells as text, for the page."""
    if table is None:
        return None
    cells = [[display(v, c.kind) for v, c in zip(row, table.columns, strict=True)]
             for row in table.rows]  # fmt: skip
    return table, cells


def year_or_latest(db: Session, year: int | None) -> int | None:
    """The year asked for, else the latest with enrollment or settlements (None: no data)."""
    if year is not None:
        return year
    years = indicator_years(db)
    return years[0] if years else None


def _dashboard(
    request: Request, db: Session, user: User, region: str | None, year: int | None
) -> tuple[Dashboard | None, str, int | None]:
    code = region_in_scope(db, user, region)
    year = year_or_latest(db, year)
    if year is None:
        return None, code, None
    try:
        return build_dashboard(db, code, year, locale_of(request)), code, year
    except NoData:
        return None, code, year


@router.get("/dashboard", include_in_schema=False)
def dashboard_page(
    request: Request,
    region: str | None = text_query(None),
    year: YearQuery = None,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    dash, code, year = _dashboard(request, db, user, region, year)
    record_read(
        request,
        db,
        user,
        target="dashboard",
        target_id=code,
        detail={"year": year, "format": "html"},
    )
    _ = gettext_for(request)
    programme = programme_table(db, code, year, locale_of(request)) if dash and year else None
    pathways = pathway_table(db, code, year, locale_of(request)) if programme and year else None
    context = {
        "dash": dash,
        "programme": programme_shown(programme),
        "pathways": programme_shown(pathways),
        "region_code": code,
        "year": year,
        "years": indicator_years(db),
        "regions": notice_regions(db, user.region_code),
        "data": _json(dash.charts) if dash else "{}",
        "error": None if dash else _("No enrollment and no settlements in this year."),
    }
    return render(request, "dashboard.html", context, status=200 if dash else 404)


@router.get("/dashboard.xlsx", include_in_schema=False)
def dashboard_xlsx(
    request: Request,
    region: str | None = text_query(None),
    year: YearQuery = None,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    dash, code, year = _dashboard(request, db, user, region, year)
    if dash is None:
        raise WebError(404, "no_data", f"no enrollment and no settlements in {year}", field="year")
    programme = programme_table(db, code, year or 0, locale_of(request))
    pathways = pathway_table(db, code, year or 0, locale_of(request)) if programme else None
    tables = [*dash.tables, *(t for t in (programme, pathways) if t is not None)]
    return xlsx_download(request, db, user, tables, stem=f"dashboard-{code}-{year}",
                         target="dashboard", target_id=code, detail={"year": year})  # fmt: skip


def _summary(request: Request, db: Session, user: User, region: str | None, year: int | None,
             fmt: str) -> Response:  # fmt: skip
    code = region_in_scope(db, user, region)
    year = year_or_latest(db, year)
    try:
        result = indicators(db, code, year or 0, "year", None, by_category=True)
    except IndicatorError as exc:
        status = 404 if isinstance(exc, NoData | UnknownRegion) else 400
        raise WebError(status, "no_data", exc.message, field=exc.field) from None
    locale = locale_of(request)
    s = with_fund_statements(build_summary(result, locale), db, code, year or 0, locale)
    programme = programme_table(db, code, year or 0, locale)
    if programme is not None:
        s.tables.append(programme)
        pathways = pathway_table(db, code, year or 0, locale)
        if pathways is not None:
            s.tables.append(pathways)
    body = summary_pdf(s, locale) if fmt == "pdf" else summary_xlsx(s)
    return file_download(request, db, user, body, ext=fmt, stem=f"summary-{code}-{year}",
                         target="summary", target_id=code, detail={"year": year})  # fmt: skip


@router.get("/reports/summary.pdf", include_in_schema=False)
def summary_pdf_download(
    request: Request,
    region: str | None = text_query(None),
    year: YearQuery = None,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    return _summary(request, db, user, region, year, "pdf")


@router.get("/reports/summary.xlsx", include_in_schema=False)
def summary_xlsx_download(
    request: Request,
    region: str | None = text_query(None),
    year: YearQuery = None,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    return _summary(request, db, user, region, year, "xlsx")
