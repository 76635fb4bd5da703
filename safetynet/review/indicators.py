"""Review indicators of a period: review coverage, deductions by institution, recovered ÷
assessed, the spot-check error rate and the share of call-backs confirmed. Their written
definitions are the ``review`` section of ``safetynet/indicators/definitions.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from safetynet.clock import stored_days
from safetynet.codes import CaseState
from safetynet.review.cases import settled_claims
from safetynet.store.models import (
    Callback,
    Claim,
    ReviewCase,
    ReviewDeduction,
    SanctionCase,
    SanctionRecovery,
    SpotCheck,
    SpotCheckClaim,
)

# indicator id -> what it is also given for (None: one figure)
COMPUTED: dict[str, str | None] = {
    "review_coverage": None,
    "deductions_by_institution": "institution",
    "recovered_share": None,
    "spot_check_error_rate": None,
    "callbacks_confirmed": None,
}
DECIDED = (CaseState.REVIEWED, CaseState.APPEALED, CaseState.CLOSED)


@dataclass(frozen=True)
class Figure:
    indicator: str
    part: str | None  # None: the whole; else an institution code
    value: float | None  # None: nothing to divide by


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def review_indicators(session: Session, start: date, end: date) -> list[Figure]:
    """The period's figures (both ends included)."""
    lo, hi = stored_days(start, end)  # the county's days, as stored (UTC) times
    in_period = (Claim.end_date >= start, Claim.end_date <= end)
    settled = session.scalar(
        select(func.count()).select_from(Claim).where(Claim.id.in_(settled_claims()), *in_period)
    ) or 0  # fmt: skip
    decided = session.scalar(
        select(func.count()).select_from(ReviewCase).join(Claim, Claim.id == ReviewCase.claim_id)
        .where(ReviewCase.state.in_(DECIDED), *in_period)
    ) or 0  # fmt: skip
    out = [Figure("review_coverage", None, _ratio(decided, settled))]
    by_inst = session.execute(
        select(ReviewDeduction.institution_code, func.sum(ReviewDeduction.amount_fen))
        .where(ReviewDeduction.at >= lo, ReviewDeduction.at <= hi)
        .group_by(ReviewDeduction.institution_code)
        .order_by(ReviewDeduction.institution_code)
    ).all()
    out.append(Figure("deductions_by_institution", None, float(sum(int(v) for _, v in by_inst))))
    out += [Figure("deductions_by_institution", code, float(v)) for code, v in by_inst]
    # a cancelled (overturned) case assesses nothing and keeps nothing (its recoveries are
    # reversed in the fund journal): counted, it read as assessed and recovered in full
    opened = (SanctionCase.opened_on >= start, SanctionCase.opened_on <= end,
              SanctionCase.cancelled_on.is_(None))  # fmt: skip
    assessed = session.scalar(
        select(func.coalesce(func.sum(SanctionCase.loss_fen + SanctionCase.fine_fen), 0))
        .where(*opened)
    ) or 0  # fmt: skip
    recovered = session.scalar(
        select(func.coalesce(func.sum(SanctionRecovery.amount_fen), 0))
        .join(SanctionCase, SanctionCase.id == SanctionRecovery.case_id)
        .where(*opened)
    ) or 0  # fmt: skip
    out.append(Figure("recovered_share", None, _ratio(int(recovered), int(assessed))))
    checked, found = session.execute(
        select(func.coalesce(func.sum(SpotCheckClaim.amount_fen), 0),
               func.coalesce(func.sum(SpotCheckClaim.found_fen), 0))
        .join(SpotCheck, SpotCheck.id == SpotCheckClaim.spot_check_id)
        .where(SpotCheckClaim.found_fen.is_not(None), SpotCheck.drawn_at >= lo,
               SpotCheck.drawn_at <= hi)
    ).one()  # fmt: skip
    out.append(Figure("spot_check_error_rate", None, _ratio(int(found), int(checked))))
    calls, agree = session.execute(
        select(func.count(), func.coalesce(func.sum(case((Callback.agrees, 1), else_=0)), 0))
        .where(Callback.called_on >= start, Callback.called_on <= end)
    ).one()  # fmt: skip
    out.append(Figure("callbacks_confirmed", None, _ratio(int(agree), int(calls))))
    return out
