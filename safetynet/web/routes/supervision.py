"""The risk scorecard of a region's year: institutions (or doctors) ranked against peers of
their level, a chart of each score's contributions by metric, and the scorecard as xlsx.

For the bureau (permission ``supervision.read``); regions within the user's own; every
view and download is written to the audit log.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.indicators.service import indicator_years
from safetynet.reports.notice import notice_regions
from safetynet.security.roles import Permission
from safetynet.store.models import Institution
from safetynet.store.models.security import User
from safetynet.supervision.scorecard_table import (
    LEVELS,
    METRIC_LABELS,
    READMISSION_ALERT,
    UNIT_TYPES,
    scorecard_table,
)
from safetynet.supervision.scores import METRICS
from safetynet.supervision.service import year_scores
from safetynet.web.access import region_in_scope
from safetynet.web.auditing import record_read
from safetynet.web.bounds import YearQuery, text_query
from safetynet.web.db import get_db
from safetynet.web.downloads import xlsx_download
from safetynet.web.errors import WebError
from safetynet.web.security import require
from safetynet.web.templating import gettext_for, locale_of, render

router = APIRouter()
TOP = 10  # units shown per level in the chart and the table


def _args(db: Session, user: User, region: str | None, year: int | None, kind: str):
    code = region_in_scope(db, user, region)
    if kind not in UNIT_TYPES:
        raise WebError(400, "kind_unknown", "kind must be institution or doctor", field="kind")
    years = indicator_years(db)
    year = year if year is not None else (years[0] if years else None)
    if year is None:
        raise WebError(404, "no_data", "no claims in any year", field="year")
    return code, year


def _name_units(db: Session, levels: list[dict[str, Any]]) -> None:
    """Each row's institution by name beside its code (a doctor's code is its institution's
    code, a dash and the doctor's number)."""
    codes = {r["unit"].split("-", 1)[0] for lv in levels for r in lv["rows"]}
    names: dict[str, str] = dict(
        db.execute(
            select(Institution.code, Institution.name).where(Institution.code.in_(codes))
        ).all()
    )
    for lv in levels:
        for r in lv["rows"]:
            r["name"] = names.get(r["unit"].split("-", 1)[0], "")


@router.get("/supervision/scorecard", include_in_schema=False)
def scorecard_page(
    request: Request,
    region: str | None = text_query(None),
    year: YearQuery = None,
    kind: str = text_query("institution"),
    user: User = Depends(require(Permission.SUPERVISION_READ)),
    db: Session = Depends(get_db),
) -> Response:
    code, year = _args(db, user, region, year, kind)
    result = year_scores(db, code, year)
    record_read(request, db, user, target="supervision_scorecard", target_id=code,
                detail={"year": year, "kind": kind, "format": "html"})  # fmt: skip
    _ = gettext_for(request)
    card = result.card.filter(result.card["unit_type"] == kind)
    levels = []
    for level in [lv for lv in LEVELS if lv in set(card["level"])]:
        part = card.filter(card["level"] == level).head(TOP)
        rows = []
        for r in part.iter_rows(named=True):
            drivers = sorted(((_(METRIC_LABELS[k]), r[f"c_{k}"]) for k in METRICS
                              if r[f"c_{k}"] > 0), key=lambda kv: -kv[1])[:3]  # fmt: skip
            rows.append({"rank": r["rank"], "unit": r["unit"], "score": r["score"],
                         "claims": r["claims"], "admissions": r["admissions"],
                         "drivers": drivers,
                         "abnormal": [_(METRIC_LABELS[k]) for k in r["abnormal"]]
                         + ([_(READMISSION_ALERT)] if r["readmission_alert"] else [])})  # fmt: skip
        levels.append({
            "id": level, "name": _(LEVELS[level]), "rows": rows,
            "chart": {"units": part["unit"].to_list(), "series": [
                {"name": _(METRIC_LABELS[k]), "data": [round(v, 2) for v in part[f"c_{k}"]]}
                for k in METRICS
            ]},
        })  # fmt: skip
    _name_units(db, levels)
    data = json.dumps({"levels": [{"id": lv["id"], **lv["chart"]} for lv in levels]},
                      ensure_ascii=False).replace("<", "\\u003c")  # fmt: skip
    context = {
        "region_code": code, "year": year, "kind": kind, "levels": levels, "data": data,
        "years": indicator_years(db), "regions": notice_regions(db, user.region_code),
        "claims": result.claims, "flagged": result.hits["claim_no"].n_unique(),
        "flag_z": f"{result.rules.scoring.flag_z.value:g}",
        "kinds": [(k, _(v)) for k, v in UNIT_TYPES.items()],
        "rules_title": result.rules.title_zh if locale_of(request).startswith("zh")
        else result.rules.title_en,
    }  # fmt: skip
    return render(request, "supervision_scorecard.html", context)


@router.get("/supervision/scorecard.xlsx", include_in_schema=False)
def scorecard_xlsx(
    request: Request,
    region: str | None = text_query(None),
    year: YearQuery = None,
    user: User = Depends(require(Permission.SUPERVISION_READ)),
    db: Session = Depends(get_db),
) -> Response:
    code, year = _args(db, user, region, year, "institution")
    result = year_scores(db, code, year)
    _ = gettext_for(request)
    title = _("Risk scorecard %(region)s %(year)s") % {"region": code, "year": year}
    table = scorecard_table(result.card, locale_of(request), title)
    return xlsx_download(request, db, user, [table], stem=f"scorecard-{code}-{year}",
                         target="supervision_scorecard", target_id=code,
                         detail={"year": year})  # fmt: skip
