"""The analyst's policy-design page: choose a base policy, the parameters and the targets,
start a search on a year of the database's claims, watch its progress, see the frontier and
download the reforms and the workbook. The search runs in the background
(:mod:`safetynet.design.jobs`); the page polls its progress (``/static/design.js``)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from safetynet.design.errors import DesignError
from safetynet.design.jobs import JOBS, Job
from safetynet.design.service import make_design
from safetynet.design.source import claims_from_db
from safetynet.design.tables import chart_points, metric_label, result_tables
from safetynet.design.targets import METRICS, OBJECTIVES
from safetynet.engine.compile import compile_policy
from safetynet.exports.pdf import NUMERIC
from safetynet.exports.table import Table, display
from safetynet.i18n import N_, gettext_for
from safetynet.indicators.service import indicator_years
from safetynet.policy.loader import load_policy, shipped_policies
from safetynet.security.roles import Permission
from safetynet.store.models.security import User
from safetynet.web.auditing import record_read
from safetynet.web.bounds import LINES_LENGTH, Whole, YearForm, text_form
from safetynet.web.csrf import check_csrf
from safetynet.web.db import get_db
from safetynet.web.downloads import xlsx_download
from safetynet.web.errors import WebError
from safetynet.web.security import require
from safetynet.web.templating import locale_of, render

router = APIRouter()
EXAMPLE_PARAMETERS = (
    "layers[basic].rules[inpatient_poor].ratio.county=80%:95%:5%\n"
    "layers[basic].rules[inpatient_poor].deductible.county=0:500:100"
)
EXAMPLE_TARGETS = "poor_ratio>=85%\npoor_oop_share[5000]<=10%"
OBJECTIVE_LABELS = {
    "least-spending": N_("least fund spending"),
    "most-protection": N_("most protection of the poor"),
}
STATES = {
    "preparing": N_("Preparing the claims"),
    "searching": N_("Searching"),
    "done": N_("Done"),
    "failed": N_("No result"),
}


@lru_cache(maxsize=1)
def _titles() -> dict[str, tuple[str, str]]:
    """Each shipped policy's title in English and Chinese, by file stem (what the form sends)."""
    return {
        stem: (policy.title_en, policy.title_zh)
        for stem, path in shipped_policies().items()
        for policy in [load_policy(path)]
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _form(request: Request, db: Session, values: dict[str, Any], error: str | None = None,
          status: int = 200) -> Response:  # fmt: skip
    context = {
        "values": values,
        "error": error,
        "policies": [  # chosen by title in the user's language
            (stem, zh if locale_of(request) == "zh_Hans" else en)
            for stem, (en, zh) in _titles().items()
        ],
        "years": indicator_years(db),
        "objectives": [(o, OBJECTIVE_LABELS[o]) for o in OBJECTIVES],
        "metrics": list(METRICS),
    }
    return render(request, "design.html", context, status=status)


@router.get("/design", include_in_schema=False)
def design_page(
    request: Request,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    values = {
        "base": "anhui-poor-2017", "year": None, "parameters": EXAMPLE_PARAMETERS,
        "targets": EXAMPLE_TARGETS, "objective": "least-spending", "trials": 200,
    }  # fmt: skip
    return _form(request, db, values)


@router.post("/design", include_in_schema=False)
def design_start(
    request: Request,
    year: YearForm,
    base: str = text_form(...),
    parameters: str = text_form(..., length=LINES_LENGTH, lines=True),
    targets: str = text_form("", length=LINES_LENGTH, lines=True),
    objective: str = text_form("least-spending"),
    trials: Whole = Form(200),
    csrf_token: str = text_form(""),
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    check_csrf(request, csrf_token)
    values = {"base": base, "year": year, "parameters": parameters, "targets": targets,
              "objective": objective, "trials": trials}  # fmt: skip
    try:
        if base not in shipped_policies():
            raise DesignError(N_("no shipped policy %(base)s"), base=base)
        if not 1 <= trials <= 2_000:
            raise DesignError(N_("the candidates must number between 1 and 2,000"))
        design = make_design(base, _lines(parameters), _lines(targets), objective)
        cp = compile_policy(design.space.base)
        engine = db.get_bind()
        region = user.region_code  # the claims of the user's region only
        job = JOBS.start(
            user.username, design, f"{year} ({region})",
            lambda: claims_from_db(engine, cp, year, region), trials,  # type: ignore[arg-type]
            region=region,
        )  # fmt: skip
    except DesignError as exc:
        return _form(request, db, values, exc.translated(gettext_for(locale_of(request))), 400)
    detail = {**values, "parameters": _lines(parameters), "targets": _lines(targets)}
    record_read(request, db, user, target="design", target_id=job.id, action="search",
                detail=detail)  # fmt: skip
    return RedirectResponse(f"/design/{job.id}", status_code=303)


def _job(job_id: str, user: User) -> Job:
    job = JOBS.get(job_id, user.username, user.region_code)
    if job is None:
        raise WebError(404, "no_search", "no such search (searches are kept until a restart)")
    return job


def _cells(table: Table) -> list[list[tuple[str, bool]]]:
    return [
        [(display(v, c.kind), c.kind in NUMERIC) for c, v in zip(table.columns, row, strict=True)]
        for row in table.rows
    ]


def _tables(job: Job, locale: str) -> list[Table]:
    assert job.result is not None
    title = f"{job.design.space.base.id} · {job.claims}"
    return result_tables(job.result, job.design.space.base, title, locale)


@router.get("/design/{job_id}", include_in_schema=False)
def design_job(
    request: Request,
    job_id: str,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    job = _job(job_id, user)
    locale = locale_of(request)
    shown = _tables(job, locale) if job.result is not None else []
    _ = gettext_for(locale)
    chart = None
    if job.result is not None and job.result.valid:
        from safetynet.design.search import COST, PROTECTION

        policy = job.design.space.base
        chart = json.dumps(
            {
                **chart_points(job.result),
                "labels": {
                    "x": metric_label(COST, policy, _), "y": metric_label(PROTECTION, policy, _),
                    "others": _("Misses a target"), "feasible": _("Meets every target"),
                    "frontier": _("Frontier"), "best": _("Best reform"),
                    "candidate": _("Candidate"),
                },
            },
            ensure_ascii=False,
        ).replace("</", "<\\/")  # fmt: skip
    context = {
        "job": job,
        "error": job.error.translated(_) if job.error else None,
        "state": STATES[job.state],
        "tables": [(t, _cells(t)) for t in shown],
        "chart": chart,
        "objective": OBJECTIVE_LABELS[job.design.objective],
    }
    return render(request, "design_job.html", context)


@router.get("/design/{job_id}/progress", include_in_schema=False)
def design_progress(
    job_id: str, user: User = Depends(require(Permission.REPORT_READ))
) -> JSONResponse:
    job = _job(job_id, user)
    return JSONResponse(
        {"state": job.state, "done": job.done, "total": job.total, "finished": job.finished}
    )


@router.get("/design/{job_id}/design.xlsx", include_in_schema=False)
def design_xlsx(
    request: Request,
    job_id: str,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    job = _job(job_id, user)
    if job.result is None:
        raise WebError(404, "no_result", "the search has no result yet")
    return xlsx_download(request, db, user, _tables(job, locale_of(request)),
                         stem=f"design-{job.design.space.base.id}", target="design",
                         target_id=job.id)  # fmt: skip


@router.get("/design/{job_id}/reform-{rank}.yaml", include_in_schema=False)
def design_reform(
    request: Request,
    job_id: str,
    rank: int,
    user: User = Depends(require(Permission.REPORT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    job = _job(job_id, user)
    if not 1 <= rank <= len(job.reforms):
        raise WebError(404, "no_reform", f"the search has no reform {rank}")
    record_read(request, db, user, target="design", target_id=job.id, action="export",
                detail={"format": "yaml", "reform": rank})  # fmt: skip
    name = f"{job.design.space.base.id}-reform-{rank}.yaml"
    return Response(
        job.reforms[rank - 1],
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
