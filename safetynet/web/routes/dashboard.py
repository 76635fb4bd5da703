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

from safetynet.exports.xlsx import xlsx_bytes
from safetynet.indicators.service import (
    IndicatorError,
    NoData,
    UnknownRegion,
    indicator_years,
    indicators,
)
from safetynet.reports.notice import notice_regions
from safetynet.security import audit
from safetynet.security.roles import Permission
from safetynet.security.scope import region_contains
from safetynet.store.models.security import User
from safetynet.web.dashboard_data import Dashboard, build_dashboard
from safetynet.web.db import get_db
from safetynet.web.errors import WebError
from safetynet.web.security import require
from safetynet.web.summary_report import build_summary, summary_pdf, summary_xlsx
from safetynet.web.templating import gettext_for, locale_of, render

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _json(data: object) -> str:
    """JSON for a ``<script>`` element: ``<`` escaped, so no text can close the element."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def _scope(db: Session, user: User, region: str | None) -> str:
    code = (region or user.region_code).strip()
    if not region_contains(db, user.region_code, code):
        raise WebError(404, "region_unknown", f"no region {code} in your region", field="region")
    return code


def _dashboard(request: Request, db: Session, user: User, region: str | None, year: int | None
               ) -> tuple[Dashboard | None, str, int | None, list[int]]:  # fmt: skip
    code = _scope(db, user, region)
    years = indicator_years(db)
    year = year if year is not None else (years[0] if years else None)
    if year is None:
        return None, code, None, years
    try:
        return build_dashboard(db, code, year, locale_of(request)), code, year, years
    except NoData:
        return None, code, year, years


def _audit(request: Request, db: Session, user: User, code: str, year: int | None, fmt: str
           ) -> None:  # fmt: skip
    audit.record_read(db, username=user.username, action="export" if fmt != "html" else "read",
                 target="dashboard", target_id=code, detail={"year": year, "format": fmt},
                 client=request.client.host if request.client else None)  # fmt: skip
    db.commit()


@router.get("/dashboard", include_in_schema=False)
def dashboard_page(
    request: Request,
    region: str | None = None,
    year: int | None = None,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    dash, code, year, years = _dashboard(request, db, user, region, year)
    _audit(request, db, user, code, year, "html")
    _ = gettext_for(request)
    context = {
        "dash": dash,
        "region_code": code,
        "year": year,
        "years": years,
        "regions": notice_regions(db, user.region_code),
        "data": _json(dash.charts) if dash else "{}",
        "error": None if dash else _("No enrollment and no settlements in this year."),
    }
    return render(request, "dashboard.html", context, status=200 if dash else 404)


@router.get("/dashboard.xlsx", include_in_schema=False)
def dashboard_xlsx(
    request: Request,
    region: str | None = None,
    year: int | None = None,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    dash, code, year, _years = _dashboard(request, db, user, region, year)
    if dash is None:
        raise WebError(404, "no_data", f"no enrollment and no settlements in {year}", field="year")
    _audit(request, db, user, code, year, "xlsx")
    name = f"dashboard-{code}-{year}.xlsx"
    return Response(xlsx_bytes(dash.tables), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _summary(request: Request, db: Session, user: User, region: str | None, year: int | None,
             fmt: str) -> Response:  # fmt: skip
    code = _scope(db, user, region)
    if year is None:
        years = indicator_years(db)
        year = years[0] if years else None
    try:
        result = indicators(db, code, year or 0, "year", None, by_category=True)
    except IndicatorError as exc:
        status = 404 if isinstance(exc, NoData | UnknownRegion) else 400
        raise WebError(status, "no_data", exc.message, field=exc.field) from None
    locale = locale_of(request)
    s = build_summary(result, locale)
    _audit(request, db, user, code, year, f"summary-{fmt}")
    body = summary_pdf(s, locale) if fmt == "pdf" else summary_xlsx(s)
    name = f"summary-{code}-{year}.{fmt}"
    return Response(body, media_type="application/pdf" if fmt == "pdf" else XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/reports/summary.pdf", include_in_schema=False)
def summary_pdf_download(
    request: Request,
    region: str | None = None,
    year: int | None = None,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    return _summary(request, db, user, region, year, "pdf")


@router.get("/reports/summary.xlsx", include_in_schema=False)
def summary_xlsx_download(
    request: Request,
    region: str | None = None,
    year: int | None = None,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    return _summary(request, db, user, region, year, "xlsx")
