"""A refund of a reviewed claim: its case becomes ``void`` and its deductions are undone.

Registered as a settlement after step (:mod:`safetynet.settlement.hooks`): it runs on the ids
of the entries just written, in their transaction, and acts on the reversals among them.
When a settlement is refunded the fund pays nothing for the claim, so the institution bears
nothing of it either: each line that deducted something gets a negating ``refund`` entry in
the ledger (so the claim's entries sum to zero), and the case refuses any further decision.
A refunded claim settled again is a new claim and is reviewed afresh.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import CaseState, DeductionKind
from safetynet.review import deductions
from safetynet.settlement.hooks import Entry
from safetynet.store.models import ReviewCase, ReviewLine


def void_refunded(session: Session, entry_ids: Sequence[int], entries: Sequence[Entry]) -> None:
    """After step: void the review cases of the claims whose settlement was just reversed
    (the reversals among ``entries``; a batch of settlements reads nothing)."""
    claim_ids = [e.claim_id for e in entries if e.reversal]
    if not claim_ids:
        return
    cases = session.scalars(
        select(ReviewCase).where(
            ReviewCase.claim_id.in_(claim_ids), ReviewCase.state != CaseState.VOID
        )
    ).all()
    for case in cases:
        for line in session.scalars(
            select(ReviewLine).where(ReviewLine.case_id == case.id, ReviewLine.deducted_fen != 0)
        ):
            deductions.append(
                session, kind=DeductionKind.REFUND, institution_code=case.institution_code,
                amount_fen=-line.deducted_fen, reason="claim refunded", decided_by="settlement",
                claim_id=case.claim_id, claim_item_id=line.claim_item_id, case_id=case.id,
            )  # fmt: skip
            line.deducted_fen = 0
            line.version += 1
        case.state = CaseState.VOID
        case.version += 1
    session.flush()
