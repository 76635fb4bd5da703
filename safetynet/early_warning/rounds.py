"""Re-assistance rounds kept in the database: computed as a draft with each household's
explained amount, approved by a second person, then marked paid; every change audited.

A year and region have at most one round that is not a draft left behind: a new draft is
refused while an approved or paid round of the year exists for the region, and approving
one discards the region's other drafts of the year.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from safetynet.early_warning.load import load_ledger
from safetynet.early_warning.reassist import compute_round
from safetynet.early_warning.rules import rules_for
from safetynet.security.audit import record as audit
from safetynet.store.bulk import bulk_insert
from safetynet.store.models import ReassistancePayment, ReassistanceRound

R = ReassistanceRound


class RoundError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def draft_round(
    session: Session, year: int, region_code: str, *, user: str, budget_fen: int | None = None
) -> ReassistanceRound:
    """Compute the year's round for the region from the ledger and store it as a draft."""
    done = session.scalar(
        select(R.id).where(R.year == year, R.region_code == region_code, R.state != "draft")
    )
    if done is not None:
        raise RoundError("round.exists", f"round {done} of {year} is already approved")
    rule = rules_for(region_code, date(year, 12, 31)).re_assistance
    if rule is None:
        raise RoundError("round.no_rule", "the rules in force have no re-assistance")
    budget = rule.budget if budget_fen is None else budget_fen
    frame = compute_round(rule, load_ledger(session.connection(), year, region_code), budget)
    owed, amount = int(frame["owed_fen"].sum() or 0), int(frame["amount_fen"].sum() or 0)
    row = R(year=year, region_code=region_code, budget_fen=budget, owed_fen=owed,
            amount_fen=amount, state="draft", computed_by=user)  # fmt: skip
    session.add(row)
    session.flush()
    bulk_insert(
        session.connection(),
        ReassistancePayment.__table__,  # type: ignore[arg-type]
        frame.with_columns(round_id=row.id),
    )
    audit(session, username=user, action="reassistance.draft", target="reassistance_round",
          target_id=str(row.id), detail={"year": year, "households": frame.height})  # fmt: skip
    return row


def approve_round(session: Session, round_id: int, *, user: str, on: date) -> ReassistanceRound:
    """Approve a draft (not by who computed it); the region's other drafts of the year go."""
    row = session.get(R, round_id, with_for_update=True)
    if row is None or row.state != "draft":
        raise RoundError("round.not_draft", f"round {round_id} is not a draft")
    if row.computed_by == user:
        raise RoundError("round.same_person", "a round is approved by someone else")
    others = select(R.id).where(R.year == row.year, R.region_code == row.region_code,
                                R.state == "draft", R.id != row.id)  # fmt: skip
    session.execute(delete(ReassistancePayment).where(ReassistancePayment.round_id.in_(others)))
    session.execute(delete(R).where(R.id.in_(others)))
    row.state, row.approved_by, row.approved_on = "approved", user, on
    audit(session, username=user, action="reassistance.approve", target="reassistance_round",
          target_id=str(round_id))  # fmt: skip
    session.flush()
    return row


def pay_round(session: Session, round_id: int, *, user: str, on: date) -> ReassistanceRound:
    """Mark an approved round paid to the households."""
    row = session.get(R, round_id, with_for_update=True)
    if row is None or row.state != "approved":
        raise RoundError("round.not_approved", f"round {round_id} is not approved")
    row.state, row.paid_on = "paid", on
    audit(session, username=user, action="reassistance.pay", target="reassistance_round",
          target_id=str(round_id), detail={"amount_fen": row.amount_fen})  # fmt: skip
    session.flush()
    return row
