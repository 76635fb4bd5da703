"""The fund page: each fund's year (income, spending by month and fund, balance and rates,
months of cover, the projection band), the alarms that ring with their figures, and the
month's statements of the institutions in the region, with the statements as xlsx.

For the bureau (permission ``funds.read``); regions within the user's own; every view and
download is written to the audit log. Thin over :mod:`safetynet.funds.page`.
"""

from __future__ import annotations

import json
from fractions import Fraction

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from safetynet.funds.page import FundPage, build, journal_years
from safetynet.funds.rules import default_rules
from safetynet.funds.schema import FundRules
from safetynet.funds.tables import (
    ALARM_NAMES,
    FIGURE_NAMES,
    KINDS,
    SOURCE_NAMES,
    fund_names,
    narrow,
    statement_table,
)
from safetynet.funds.watch import FundYear
from safetynet.indicators.definitions import definition
from safetynet.money import fmt_yuan
from safetynet.security.roles import Permission
from safetynet.store.models.security import User
from safetynet.web.access import region_in_scope
from safetynet.web.auditing import record_read
from safetynet.web.bounds import YearQuery, text_query
from safetynet.web.db import get_db
from safetynet.web.downloads import xlsx_download
from safetynet.web.errors import WebError
from safetynet.web.security import require
from safetynet.web.templating import gettext_for, locale_of, render

router = APIRouter()


def _page(
    request: Request,
    db: Session,
    user: User,
    region: str | None,
    year: int | None,
    month: int | None,
) -> tuple[FundRules, FundPage, str, int, int] | None:
    """The rules, the figures, the region, year and month the fund page and its workbook
    show for the query (the latest posted year, December, the user's region unless given);
    None when nothing is posted to the journal yet (the region is checked all the same)."""
    code = region_in_scope(db, user, region)
    years = journal_years(db)
    if year is None and not years:
        return None
    year = year if year is not None else years[0]
    month = 12 if month is None else month
    if not 1 <= month <= 12:
        raise WebError(400, "month_unknown", "month must be 1-12", field="month")
    rules = default_rules()
    return rules, build(db, rules, code, year, month, locale_of(request)), code, year, month


def _figure(key: str, value: object) -> str:
    if value is None:
        return "—"
    if key.endswith("_fen"):
        return fmt_yuan(int(value))  # type: ignore[call-overload]
    return f"{value}"


@router.get("/funds", include_in_schema=False)
def funds_page(
    request: Request,
    region: str | None = text_query(None),
    year: YearQuery = None,
    month: int | None = Query(None, ge=1, le=12),
    user: User = Depends(require(Permission.FUNDS_READ)),
    db: Session = Depends(get_db),
) -> Response:
    shown = _page(request, db, user, region, year, month)
    if shown is None:  # nothing posted yet: say so, not "not found"
        return render(request, "funds_empty.html", {})
    rules, page, code, year, month = shown
    lang = locale_of(request)
    record_read(
        request,
        db,
        user,
        target="funds",
        target_id=code,
        detail={"year": year, "month": month, "format": "html"},
    )
    _ = gettext_for(request)
    names = fund_names(rules, lang)
    names["insurance"] = _("Basic medical insurance fund (basic + critical illness)")
    for series in page.chart["income"]:
        series["name"] = _(SOURCE_NAMES.get(series["name"], series["name"]))
    hits, rows = [], []
    several = len(page.counties) > 1  # each county's funds apart, named
    for county in page.counties:
        where = f"{county.name} ({county.code})" if several else ""
        rows += [
            {**_fund_row(names.get(f.fund, f.fund), f), "county": where} for f in county.figures
        ]
        for h in county.hits:
            t = h.alarm.threshold
            shown = (
                ""
                if t is None
                else (f"{t * 100:g}%" if h.alarm.kind != "cover_below" else f"{t:g}")
            )
            hits.append(
                {
                    "id": h.alarm.id,
                    "county": where,
                    "fund": names.get(h.fund, h.fund),
                    "title": _(ALARM_NAMES[h.alarm.kind]) % {"threshold": shown},
                    "figures": [
                        (_(FIGURE_NAMES.get(k, k)), _figure(k, v))
                        for k, v in h.figures.items()
                        if k != "threshold"
                    ],
                }
            )
    table = narrow(statement_table(rules, page.rows, page.names, year, month, lang))
    labels = {
        "income": _("Income of the year"),
        "actual": _("Spent to date"),
        "low": _("Projection, low"),
        "high": _("Projection, high"),
    }
    data = json.dumps({**page.chart, "labels": labels}, ensure_ascii=False).replace("<", "\\u003c")
    context = {
        "rows": rows,
        "several": several,
        "definitions": [
            (definition(i).name(lang), definition(i).formula(lang))
            for i in ("fund_utilization_rate", "accumulated_balance_rate")
        ],
        "region_code": code,
        "year": year,
        "month": month,
        "years": page.years,
        "regions": _regions(db, user),
        "visible": page.funds_visible,
        "hits": hits,
        "table": table,
        "kinds": KINDS,
        "data": data,
    }
    return render(request, "funds.html", context)


def _pct(x: Fraction | None) -> str:
    return "—" if x is None else f"{float(x) * 100:.2f}%"


def _fund_row(name: str, f: FundYear) -> dict[str, str]:
    low, high = f.projection_band
    cover = f.months_of_cover
    return {
        "name": name,
        "income": fmt_yuan(f.income),
        "spent": fmt_yuan(f.spending_to_date),
        "accumulated": fmt_yuan(f.accumulated),
        "utilization": _pct(f.utilization),
        "current": _pct(f.current_balance_rate),
        "accumulated_rate": _pct(f.accumulated_rate),
        "cover": "—" if cover is None else f"{float(cover):.1f}",
        "band": f"{fmt_yuan(low)} – {fmt_yuan(high)}",
    }


def _regions(db: Session, user: User):  # type: ignore[no-untyped-def]
    from safetynet.reports.notice import notice_regions

    return notice_regions(db, user.region_code)


@router.get("/funds/statements.xlsx", include_in_schema=False)
def statements_xlsx(
    request: Request,
    region: str | None = text_query(None),
    year: YearQuery = None,
    month: int | None = Query(None, ge=1, le=12),
    user: User = Depends(require(Permission.FUNDS_READ)),
    db: Session = Depends(get_db),
) -> Response:
    shown = _page(request, db, user, region, year, month)
    if shown is None:  # nothing posted yet: say so, not "not found"
        return render(request, "funds_empty.html", {})
    rules, page, code, year, month = shown
    lang = locale_of(request)
    table = statement_table(rules, page.rows, page.names, year, month, lang)
    return xlsx_download(
        request,
        db,
        user,
        [table],
        stem=f"statements-{code}-{year}-{month:02d}",
        target="fund_statements",
        target_id=code,
        detail={"year": year, "month": month},
    )
