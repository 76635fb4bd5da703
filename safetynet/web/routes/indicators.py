"""Every indicator of a region and year, by period, sub-region and person category, each with
its definition — as a page and as an Excel download (one sheet per indicator)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from safetynet.exports.pdf import NUMERIC
from safetynet.exports.table import Table, display
from safetynet.indicators.result import IndicatorResult
from safetynet.indicators.service import IndicatorError, NoData, indicator_years, indicators
from safetynet.indicators.tables import tables, title_of
from safetynet.reports.notice import notice_regions
from safetynet.security.roles import Permission
from safetynet.store.models.security import User
from safetynet.web.access import region_in_scope
from safetynet.web.auditing import record_read
from safetynet.web.bounds import YearQuery, text_query
from safetynet.web.db import get_db
from safetynet.web.downloads import xlsx_download
from safetynet.web.errors import WebError
from safetynet.web.i18n import N_, translations
from safetynet.web.routes.dashboard import year_or_latest
from safetynet.web.security import require
from safetynet.web.templating import locale_of, render

router = APIRouter()


Found = tuple[IndicatorResult | None, str, int | None]  # result, region code, year


# what the page says of a query it cannot answer, by the field at fault
QUERY_PROBLEMS = {
    "period": N_("There is no such period: choose year, quarter or month."),
    "by": N_("The region cannot be broken down this way: choose a level below it."),
    "region": N_("There is no region %(value)s."),
    "policy": N_("The ledger names a policy that is not installed; ask the administrator."),
}


def _result(db: Session, user: User, region: str | None, year: int | None, period: str,
            by: str | None, by_category: bool, locale: str = "en") -> Found:  # fmt: skip
    code = region_in_scope(db, user, region)
    year = year_or_latest(db, year)
    if year is None:
        return None, code, None
    try:
        return indicators(db, code, year, period, by or None, by_category), code, year
    except NoData:
        return None, code, year
    except IndicatorError as exc:
        value = code if exc.field == "region" else ""
        text = QUERY_PROBLEMS.get(exc.field)
        message = translations(locale).gettext(text) % {"value": value} if text else exc.message
        raise WebError(400, "indicator_query", message, field=exc.field) from None


def _cells(table: Table) -> list[list[tuple[str, bool]]]:
    cols = table.columns
    return [
        [(display(v, c.kind), c.kind in NUMERIC) for c, v in zip(cols, row, strict=True)]
        for row in table.rows
    ]


@router.get("/indicators", include_in_schema=False)
def indicators_page(
    request: Request,
    region: str | None = text_query(None),
    year: YearQuery = None,
    period: str = text_query("year"),
    by: str | None = text_query(None),
    by_category: bool = False,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    locale = locale_of(request)
    result, code, year = _result(db, user, region, year, period, by, by_category, locale)
    record_read(
        request,
        db,
        user,
        target="indicators",
        target_id=code,
        detail={"year": year, "period": period, "by": by},
    )
    shown = tables(result, locale) if result else []
    context = {
        "result": result,
        "title": title_of(result, locale) if result else "",
        "tables": [(t, _cells(t)) for t in shown],
        "region_code": code, "year": year, "years": indicator_years(db), "period": period,
        "by": by or "", "by_category": by_category,
        "regions": notice_regions(db, user.region_code),
        "query": request.url.query,
    }  # fmt: skip
    return render(request, "indicators.html", context, status=200 if result else 404)


@router.get("/indicators.xlsx", include_in_schema=False)
def indicators_xlsx(
    request: Request,
    region: str | None = text_query(None),
    year: YearQuery = None,
    period: str = text_query("year"),
    by: str | None = text_query(None),
    by_category: bool = False,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    locale = locale_of(request)
    result, code, year = _result(db, user, region, year, period, by, by_category, locale)
    if result is None:
        raise WebError(404, "no_data", f"no enrollment and no settlements in {year}", field="year")
    return xlsx_download(
        request, db, user, tables(result, locale_of(request)),
        stem=f"indicators-{code}-{year}-{period}", target="indicators", target_id=code,
        detail={"year": year, "period": period, "by": by},
    )  # fmt: skip
