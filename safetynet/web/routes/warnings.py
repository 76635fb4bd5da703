"""Early-warning pages: the monitoring list of the user's region (township staff on a phone,
the county on a desk), one warning with its packet and its next step, the step form, and the
hand-over packet as Excel or PDF. Region-scoped (a warning outside the region is a 404) and
audited; thin over :mod:`safetynet.early_warning`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.early_warning import packet, service
from safetynet.early_warning.rules import rules_for
from safetynet.early_warning.tables import (
    ERROR_NAMES,
    LEVEL_NAMES,
    RULE_NAMES,
    STATE_NAMES,
    STEP_NAMES,
)
from safetynet.early_warning.workflow import MEASURE_KINDS, MOVES, WorkflowError, record_step
from safetynet.exports.table import display
from safetynet.reports.years import working_year
from safetynet.security.roles import Permission, user_allows
from safetynet.security.scope import region_contains
from safetynet.store.models import EarlyWarning, Household, Region
from safetynet.store.models.security import User
from safetynet.web.auditing import record_read
from safetynet.web.bounds import NOTE_LENGTH, RULE_LENGTH, YearQuery, day_within, text_form
from safetynet.web.csrf import check_csrf
from safetynet.web.db import get_db, release, write_session
from safetynet.web.downloads import file_download
from safetynet.web.errors import WebError
from safetynet.web.ids import RowId
from safetynet.web.security import require
from safetynet.web.templating import locale_of, render

router = APIRouter()
NAMES = {
    "rules": RULE_NAMES, "levels": LEVEL_NAMES, "states": STATE_NAMES, "steps": STEP_NAMES,
    "errors": ERROR_NAMES, "next": {"visit": STEP_NAMES["visit_confirmed"],
    "hand_over": STEP_NAMES["hand_over"], "measure": STEP_NAMES["measure"],
    "follow_up": STEP_NAMES["follow_up_below"]},
}  # fmt: skip


def warning_in_region(db: Session, user: User, warning_id: int) -> EarlyWarning:
    """The warning if its village lies in the user's region; 404 otherwise."""
    found = db.get(EarlyWarning, warning_id)
    if found is None or not region_contains(db, user.region_code, found.region_code):
        raise WebError(404, "warning_unknown", f"no warning {warning_id} in your region")
    return found


def _named(db: Session, rows: list[dict[str, Any]]) -> None:
    """Each card's village by name and household by its number (the registry's, as on the
    warning's page), not by the database's codes and row ids."""
    codes = {r["region_code"] for r in rows}
    ids = {r["household_id"] for r in rows}
    villages: dict[str, str] = dict(
        db.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all()
    )
    numbers: dict[int, str] = dict(
        db.execute(select(Household.id, Household.number).where(Household.id.in_(ids))).all()
    )
    for r in rows:
        r["village"] = villages.get(r["region_code"], r["region_code"])
        r["household_no"] = numbers.get(r["household_id"], r["household_id"])


@router.get("/warnings", include_in_schema=False)
def warnings_page(
    request: Request,
    year: YearQuery = None,
    overdue: bool = False,
    user: User = Depends(require(Permission.WARNING_READ, Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """The monitoring list of the region: a card per warning, overdue first."""
    y = year or working_year(db)
    try:
        frame = service.monitoring_list(db, y, local_today(), user.region_code)
    except LookupError:  # no early-warning rules in force that year
        raise WebError(404, "no_data", f"no early-warning rules for {y}", field="year") from None
    if overdue:
        frame = frame.filter(frame["overdue"])
    rows = frame.sort(["overdue", "due_on"], descending=[True, False], nulls_last=True).to_dicts()
    _named(db, rows)
    record_read(request, db, user, target="early_warning", detail={"year": y, "rows": len(rows)})
    return render(request, "warnings.html", {"rows": rows, "year": y, "names": NAMES,
                                             "overdue": overdue})  # fmt: skip


@router.get("/warnings/{warning_id}", include_in_schema=False)
def warning_page(
    request: Request,
    warning_id: RowId,
    user: User = Depends(require(Permission.WARNING_READ, Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """One warning: the hand-over packet's tables and the form of its next step."""
    found = warning_in_region(db, user, warning_id)
    tables = packet.packet_tables(db, warning_id, locale_of(request))
    shown = [
        (t, [[display(v, c.kind) for v, c in zip(row, t.columns, strict=True)] for row in t.rows])
        for t in tables
    ]
    listed = service.monitoring_list(db, found.year, local_today(), user.region_code)
    row = listed.filter(listed["id"] == warning_id).to_dicts()[0]
    steps = [s for s, (before, _to) in MOVES.items() if found.state in before]
    if not user_allows(user, Permission.WARNING_WORK):
        steps = []  # reading only: no step form
    record_read(request, db, user, target="early_warning", target_id=str(warning_id))
    return render(request, "warning.html", {
        "w": row, "tables": shown, "steps": steps, "measures": MEASURE_KINDS, "names": NAMES,
        "today": local_today().isoformat(), "error": request.query_params.get("error"),
    })  # fmt: skip


@router.post("/warnings/{warning_id}/step", include_in_schema=False)
def warning_step(
    request: Request,
    warning_id: RowId,
    step: str = text_form(...),
    on: str = text_form(...),
    measure: str = text_form("", length=RULE_LENGTH),
    note: str = text_form("", length=NOTE_LENGTH, lines=True),
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.WARNING_WORK)),
    db: Session = Depends(get_db),
) -> Response:
    """Record the step (``early_warning.work``: the bureau; a role that only reads persons —
    a window clerk, an auditor — may not change a warning); back to the warning (with the
    refusal's code when refused)."""
    check_csrf(request, csrf_token)
    found = warning_in_region(db, user, warning_id)
    if not on.strip():
        raise WebError(422, "date_invalid", "write the date as YYYY-MM-DD", field="on")
    day = day_within(on, "on")
    try:  # the workflow of the household's county's rules (its own file, else national)
        workflow = rules_for(found.region_code, day).workflow
    except LookupError:  # before the first rules: no warning can take a step then
        raise WebError(422, "day_out_of_range", f"on: no rules on {day}", field="on") from None
    release(db)
    try:
        with write_session(request) as wdb:
            record_step(wdb, warning_id, step, day, user=user.username, workflow=workflow,
                        note=note or None, measure=measure or None)  # fmt: skip
    except WorkflowError as exc:
        return RedirectResponse(f"/warnings/{warning_id}?error={exc.code}", status_code=303)
    return RedirectResponse(f"/warnings/{warning_id}", status_code=303)


@router.get("/warnings/{warning_id}/packet.{ext}", include_in_schema=False)
def warning_packet(
    request: Request,
    warning_id: RowId,
    ext: str,
    user: User = Depends(require(Permission.WARNING_READ, Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """The hand-over packet as an Excel workbook or a PDF (audited as an export)."""
    if ext not in ("xlsx", "pdf"):
        raise WebError(404, "format_unknown", f"no packet as .{ext}")
    warning_in_region(db, user, warning_id)
    lang = locale_of(request)
    body = (
        packet.packet_xlsx(db, warning_id, lang)
        if ext == "xlsx"
        else packet.packet_pdf(db, warning_id, lang, local_today())
    )
    return file_download(request, db, user, body, ext=ext, stem=f"warning-{warning_id}",
                         target="early_warning", target_id=str(warning_id))  # fmt: skip
