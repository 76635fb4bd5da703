"""The audit log page: who read or changed what (auditors and administrators), and the same
events as an Excel workbook (``/audit.xlsx``); reading the page and the download are
themselves audited (who read the log, with which filters). A reader sees the entries of their
region's users (and of no known user), not another region's."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from safetynet.reports.audit_tables import audit_table
from safetynet.security import audit
from safetynet.security.roles import Permission
from safetynet.store.models.security import User
from safetynet.web.auditing import record_read
from safetynet.web.bounds import text_query
from safetynet.web.db import get_db
from safetynet.web.downloads import xlsx_download
from safetynet.web.i18n import translations
from safetynet.web.security import require
from safetynet.web.templating import locale_of, render

router = APIRouter()


@router.get("/audit", include_in_schema=False)
def audit_log(
    request: Request,
    username: str = text_query(),
    target_id: str = text_query(),
    user: User = Depends(require(Permission.AUDIT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    events = audit.recent(db, username=username or None, target_id=target_id or None,
                          region_code=user.region_code)  # fmt: skip
    record_read(request, db, user, target="audit",
                detail={"username": username or None, "target_id": target_id or None})  # fmt: skip
    return render(
        request, "audit.html", {"events": events, "username": username, "target_id": target_id}
    )


@router.get("/audit.xlsx", include_in_schema=False)
def audit_log_xlsx(
    request: Request,
    username: str = text_query(),
    target_id: str = text_query(),
    user: User = Depends(require(Permission.AUDIT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """The events the page shows for the same filters, as a workbook."""
    events = audit.recent(db, username=username or None, target_id=target_id or None,
                          region_code=user.region_code)  # fmt: skip
    locale = locale_of(request)
    _ = translations(locale).gettext
    filters = {_("Username"): username, _("Resident ID or settlement"): target_id}
    note = "; ".join(f"{label}: {value}" for label, value in filters.items() if value)
    table = audit_table(events, locale, note=note or None)
    return xlsx_download(
        request, db, user, [table], stem="audit-log", target="audit",
        detail={"username": username or None, "target_id": target_id or None},
    )  # fmt: skip
