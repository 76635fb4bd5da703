"""The review's JSON API: institutions fetch their review results; reviewers decide lines.

``GET /api/review/cases`` and ``GET /api/review/cases/{id}``: a user bound to an institution
(its system or its medical-insurance office) sees that institution's cases, others the cases
of claims of persons in their region. ``POST /api/review/lines/{id}``: a reviewer's decision,
sent with the ``version`` it was made on; another reviewer's earlier change answers 409
``line_changed``, the same decision again answers 200 with ``replayed: true``. Errors are JSON
``{"error": {"code", "message", "field"}}``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from safetynet.codes import CaseState
from safetynet.plain_text import Note, OneLine
from safetynet.review import cases, queue
from safetynet.review.errors import ReviewError
from safetynet.security.roles import Permission
from safetynet.store.models import ReviewLine
from safetynet.store.models.security import User
from safetynet.web.auditing import record_read
from safetynet.web.bounds import MAX_FEN, NOTE_LENGTH, RULE_LENGTH, Whole
from safetynet.web.db import get_db, release, write_session
from safetynet.web.errors import WebError
from safetynet.web.ids import MAX_ID, RowId
from safetynet.web.security import require

router = APIRouter(prefix="/api/review", tags=["review"])
REVIEW = require(Permission.REVIEW_CLAIMS)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _case_json(db: Session, case: Any) -> dict[str, Any]:
    view = queue.case_view(db, case)
    c = view.case
    return {
        "id": c.id, "claim_no": view.claim.claim_no, "institution_code": c.institution_code,
        "state": c.state.value, "outcome": c.outcome.value if c.outcome else None,
        "final_outcome": c.final_outcome.value if c.final_outcome else None,
        "deducted_fen": view.deducted_fen, "appeal_deadline": _iso(c.appeal_deadline),
        "decided_on": _iso(c.decided_on), "version": c.version,
        "lines": [
            {"id": x.id, "item_code": x.item_code, "amount_fen": x.amount_fen,
             "decision": x.decision, "deducted_fen": x.deducted_fen, "reason": x.reason,
             "rule_id": x.rule_id, "article": x.article, "round": x.round, "version": x.version}
            for x in view.lines
        ],
    }  # fmt: skip


def _refused(exc: ReviewError) -> WebError:
    return WebError(exc.status, exc.code, exc.message)


@router.get("/cases")
def list_cases(
    request: Request,
    state: Literal["open", "all", *tuple(s.value for s in CaseState)] = "all",  # type: ignore[valid-type]
    limit: Whole = Query(200, ge=1, le=1000),
    user: User = Depends(REVIEW),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """The review cases in scope (an institution: its own), flagged and riskiest first."""
    states = (queue.OPEN_STATES if state == "open" else tuple(CaseState) if state == "all"
              else (CaseState(state),))  # fmt: skip
    rows = queue.queue(db, region=user.region_code, institution_code=user.institution_code,
                       states=states, limit=limit)  # fmt: skip
    record_read(request, db, user, target="review_case", detail={"api": True, "rows": len(rows)})
    return {
        "cases": [
            {"id": r.case_id, "claim_no": r.claim_no, "institution_code": r.institution_code,
             "state": r.state, "outcome": r.outcome, "risk_score": r.risk_score,
             "flag": r.flag, "appeal_deadline": _iso(r.appeal_deadline)}
            for r in rows
        ]
    }  # fmt: skip


@router.get("/cases/{case_id}")
def read_case(
    request: Request,
    case_id: RowId,
    user: User = Depends(REVIEW),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """One case with every line's decision, deduction, reason, rule and article."""
    case = queue.case_in_scope(db, case_id, user.region_code, user.institution_code)
    if case is None:
        raise WebError(404, "case_unknown", f"no review case {case_id} in your scope")
    record_read(request, db, user, target="review_case", target_id=str(case_id))
    return _case_json(db, case)


class Decision(BaseModel):
    """A line's decision; numbers strict (a JSON integer, not "0", 0.5 or true), fields known."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["approved", "adjusted", "rejected"]
    version: int = Field(ge=0, le=MAX_ID, strict=True)
    deduct_fen: int | None = Field(default=None, ge=0, le=MAX_FEN, strict=True)
    reason: Note | None = Field(default=None, max_length=NOTE_LENGTH)  # a note: lines kept
    rule_id: OneLine | None = Field(default=None, max_length=RULE_LENGTH)
    article: int | None = Field(default=None, ge=1, le=50, strict=True)


@router.post("/lines/{line_id}")
def decide_line(
    request: Request,
    line_id: RowId,
    body: Decision,
    user: User = Depends(REVIEW),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """A reviewer's decision on a line (not an institution's user)."""
    if user.institution_code is not None:
        raise WebError(403, "forbidden", "an institution's office does not decide lines")
    line = db.get(ReviewLine, line_id)
    if line is None or queue.case_in_scope(db, line.case_id, user.region_code, None) is None:
        raise WebError(404, "line_unknown", f"no review line {line_id} in your scope")
    release(db)
    try:
        with write_session(request) as wdb:
            done = cases.decide_line(
                wdb, line_id, decision=body.decision, by=user.username, version=body.version,
                deduct_fen=body.deduct_fen, reason=body.reason, rule_id=body.rule_id,
                article=body.article,
            )  # fmt: skip
            out = {"line_id": line_id, "decision": done.line.decision.value,
                   "deducted_fen": done.line.deducted_fen, "version": done.line.version,
                   "replayed": done.replayed}  # fmt: skip
    except ReviewError as exc:
        raise _refused(exc) from None
    return out
