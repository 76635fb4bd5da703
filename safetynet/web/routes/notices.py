"""The monthly public notice of reimbursements (县乡村三级公示): pick a county, township or
village within your region and a month, read the notice (names and IDs masked), download it
as PDF or Excel. Every view and download is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.exports.pdf import NUMERIC
from safetynet.exports.table import Table, display
from safetynet.reports.notice import (
    Notice,
    NoticeError,
    latest_month,
    notice_regions,
    parse_month,
    public_notice,
    without_id_tails,
)
from safetynet.reports.notice_tables import (
    notice_pdf,
    notice_stem,
    notice_subtitle,
    notice_tables,
    notice_title,
    notice_xlsx,
)
from safetynet.security.roles import Permission, allows
from safetynet.store.models.security import User
from safetynet.web.access import region_in_scope
from safetynet.web.auditing import record_read
from safetynet.web.bounds import Whole, text_query
from safetynet.web.db import get_db
from safetynet.web.downloads import file_download
from safetynet.web.errors import WebError
from safetynet.web.security import require
from safetynet.web.templating import gettext_for, locale_of, render

router = APIRouter()
PAGE_LINES = 200  # lines of the reimbursements table per page; the downloads hold every line


@dataclass
class HtmlTable:
    """A notice table as the page shows it: cells as text, numbers flagged for alignment;
    one page of a long table, with the total row always at its end."""

    table: Table
    cells: list[list[tuple[str, bool]]]
    strong: set[int]
    page: int = 1  # 1-based
    pages: int = 1
    first: int = 1  # the first and last line shown (1-based, of the lines before the total)
    last: int = 0
    lines: int = 0  # all lines before the total


def _html(table: Table, page: int = 1) -> HtmlTable:
    rows = list(table.rows)
    strong = set(table.strong)
    lines = max(len(rows) - 1, 0)  # the last row is the total
    pages = max((lines + PAGE_LINES - 1) // PAGE_LINES, 1)
    page = min(max(page, 1), pages)
    start, end = 0, len(rows)
    if lines > PAGE_LINES:  # this page's lines and the total
        start, end = (page - 1) * PAGE_LINES, min(page * PAGE_LINES, lines)
        rows = [*rows[start:end], rows[-1]]
        strong = {i - start for i in strong if start <= i < end} | {len(rows) - 1}
    numeric = [c.kind in NUMERIC for c in table.columns]
    cells = [
        [("" if v in (None, "") else display(v, c.kind), n)
         for c, v, n in zip(table.columns, row, numeric, strict=True)]
        for row in rows
    ]  # fmt: skip
    return HtmlTable(table, cells, strong, page, pages, start + 1, min(end, lines), lines)


def _audit_page(request: Request, db: Session, user: User, notice: Notice) -> None:
    record_read(
        request,
        db,
        user,
        target="notice",
        target_id=f"{notice.region_code} {notice.period}",
        detail={"format": "html", "lines": notice.rows.height},
    )


def _notice(db: Session, user: User, region: str, month: str) -> Notice:
    """The notice of a region and month as the user may read it: the public masking, and
    no ID tail for a role without the right to see resident IDs."""
    code = region_in_scope(db, user, region)
    try:
        year, mon = parse_month(month)
        notice = public_notice(db, code, year, mon)
        return notice if allows(user.role, Permission.PERSON_READ) else without_id_tails(notice)
    except NoticeError as exc:
        status = 404 if exc.code == "region_unknown" else 400
        raise WebError(status, exc.code, exc.message, field=exc.field) from None


def _default_region(db: Session, user: User) -> str:
    regions = notice_regions(db, user.region_code)
    codes = [r.code for r in regions]
    return user.region_code if user.region_code in codes else (codes[0] if codes else "")


@router.get("/reports/notice", include_in_schema=False)
def notice_page(
    request: Request,
    region: str | None = text_query(None),
    month: str | None = text_query(None),
    page: Whole = Query(1, ge=1, le=100_000),
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    _ = gettext_for(request)
    regions = notice_regions(db, user.region_code)
    code = region_in_scope(db, user, region) if region else _default_region(db, user)
    if month is None:
        last = latest_month(db, code) if code else None
        today = local_today()
        year, mon = last or (today.year, today.month)
        month = f"{year:04d}-{mon:02d}"
    context: dict[str, object] = {
        "regions": regions, "region_code": code, "month": month, "notice": None,
        "error": None,
    }  # fmt: skip
    if not code:
        context["error"] = _("No county, township or village in your region publishes notices.")
        return render(request, "notice.html", context, status=404)
    try:
        notice = _notice(db, user, code, month)
    except WebError as exc:
        if exc.code != "month_invalid":
            raise
        context["error"] = _("Write the month as YYYY-MM, for example 2018-03.")
        return render(request, "notice.html", context, status=400)
    locale = locale_of(request)
    _audit_page(request, db, user, notice)
    tables = notice_tables(notice, locale)
    context.update(
        notice=notice,
        title=notice_title(notice, locale),
        subtitle=notice_subtitle(notice, locale),
        tables=[_html(t, page if t is tables[-1] else 1) for t in tables],
        query=f"region={notice.region_code}&month={notice.period}",
    )
    return render(request, "notice.html", context)


def _download(
    request: Request, db: Session, user: User, region: str, month: str, fmt: str
) -> Response:
    notice = _notice(db, user, region, month)
    locale = locale_of(request)
    body = notice_pdf(notice, locale) if fmt == "pdf" else notice_xlsx(notice, locale)
    return file_download(
        request,
        db,
        user,
        body,
        ext=fmt,
        stem=notice_stem(notice),
        target="notice",
        target_id=f"{notice.region_code} {notice.period}",
        detail={"lines": notice.rows.height},
    )


@router.get("/reports/notice.pdf", include_in_schema=False)
def notice_pdf_download(
    request: Request,
    region: str = text_query(...),
    month: str = text_query(...),
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    return _download(request, db, user, region, month, "pdf")


@router.get("/reports/notice.xlsx", include_in_schema=False)
def notice_xlsx_download(
    request: Request,
    region: str = text_query(...),
    month: str = text_query(...),
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    return _download(request, db, user, region, month, "xlsx")
