"""The overview: the user's region at a glance (registry and a year of the ledger), as a page
and as an Excel workbook (``/overview.xlsx``) of the same figures."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from safetynet.policy.in_force import policy_by_id
from safetynet.reports.overview import overview
from safetynet.reports.overview_tables import overview_tables
from safetynet.security.roles import Permission, user_allows
from safetynet.store.models import Region, Settlement
from safetynet.store.models.security import User
from safetynet.web.bounds import YearQuery
from safetynet.web.db import get_db
from safetynet.web.downloads import xlsx_download
from safetynet.web.security import current_user, require
from safetynet.web.templating import locale_of, render

router = APIRouter()


def layer_names(db: Session, year: int | None) -> dict[str, tuple[str, str]]:
    """Layer id → (English, Chinese) name, from the policies the year's ledger used."""
    from sqlalchemy import select

    from safetynet.derived import views
    from safetynet.derived.snapshot import current

    names: dict[str, tuple[str, str]] = {}
    if year is None:
        return names
    snap = current(db.connection())
    policies = (
        views.ledger_policies(snap, year)
        if snap is not None
        else db.scalars(select(Settlement.policy_id).distinct().where(Settlement.year == year))
    )
    for pid in policies:
        policy = policy_by_id(pid)
        if policy is not None:
            for layer in policy.layers:
                names.setdefault(layer.id, (layer.name_en, layer.name_zh))
    return names


@router.get("/", include_in_schema=False)
def home(
    request: Request,
    year: YearQuery = None,
    user: User = Depends(current_user),
    db: Session = Depends(get_db),
) -> Response:
    if not user_allows(user, Permission.REPORT_READ):  # the region's figures: not for a
        # user bound to an institution (roles.AT_INSTITUTION_WITHHELD)
        if user_allows(user, Permission.CLAIM_SETTLE):  # a clerk starts at the window
            from safetynet.web.routes.window import landing

            return landing(request, db, user)
        if user_allows(user, Permission.PROGRAMME_WORK):  # a village doctor: the worklist
            return RedirectResponse("/worklist", status_code=303)
        if user_allows(user, Permission.REVIEW_CLAIMS):  # a hospital's office: its cases
            return RedirectResponse("/review", status_code=303)
        return RedirectResponse("/persons", status_code=303)
    ov = overview(db, user.region_code, year)
    region = db.get(Region, user.region_code)
    bar_max = max([paid for _, paid in ov.layers] + [1])
    level_max = max([r.total_fen for r in ov.levels] + [1])
    return render(
        request,
        "overview.html",
        {
            "ov": ov,
            "region": region,
            "names": layer_names(db, ov.year),
            "bar_max": bar_max,
            "level_max": level_max,
        },
    )


@router.get("/overview.xlsx", include_in_schema=False)
def overview_xlsx(
    request: Request,
    year: YearQuery = None,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """The page's figures, by institution level and by layer, as a workbook."""
    ov = overview(db, user.region_code, year)
    region = db.get(Region, user.region_code)
    name = region.name if region else user.region_code
    tables = overview_tables(ov, layer_names(db, ov.year), name, locale_of(request))
    return xlsx_download(
        request, db, user, tables,
        stem=f"overview-{user.region_code}-{ov.year or 'all'}", target="overview",
        target_id=user.region_code, detail={"year": ov.year},
    )  # fmt: skip
