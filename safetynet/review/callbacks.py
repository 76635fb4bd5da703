"""Call-backs (回访): the township calls a discharged patient; a disagreeing answer flags the
claim for review.

The form records whether the care and the drugs billed were received and what the patient
paid at discharge; a call is dated on or after the discharge (a visit's day). The answer
agrees when both were received and the amount paid equals the settlement's out-of-pocket;
otherwise the claim's review case is opened (or found) with the flag ``callback`` and goes
to the top of the reviewers' queue.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.review import cases
from safetynet.review.errors import ReviewError
from safetynet.security import audit
from safetynet.store.models import Callback, Claim
from safetynet.store.models.ledger import Settlement

FLAG = "callback"


def expected_out_of_pocket(session: Session, claim_id: int) -> int:
    """What the patient was to pay: the claim's unrefunded settlement's out-of-pocket."""
    oop = session.scalar(
        select(Settlement.out_of_pocket_fen).where(
            Settlement.id.in_(
                cases.settled_claims()
                .with_only_columns(Settlement.id)
                .where(Settlement.claim_id == claim_id)
            )
        )
    )
    if oop is None:
        raise ReviewError("claim_not_settled", f"claim {claim_id} is not settled", status=409)
    return int(oop)


def record(
    session: Session, claim_id: int, *, care_received: bool, drugs_received: bool,
    paid_fen: int, by: str, on: date, note: str | None = None,
) -> Callback:  # fmt: skip
    """Record a call-back; flag the claim for review when the answer disagrees."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise ReviewError("claim_unknown", f"no claim {claim_id}", status=404)
    left = claim.end_date or claim.start_date
    if on < left:
        raise ReviewError(
            "callback_before_discharge",
            f"a call-back of claim {claim.claim_no} is on or after its discharge ({left})",
        )
    if paid_fen < 0:
        raise ReviewError("paid_negative", "the amount paid is not negative")
    expected = expected_out_of_pocket(session, claim_id)
    agrees = care_received and drugs_received and paid_fen == expected
    row = Callback(claim_id=claim_id, care_received=care_received, drugs_received=drugs_received,
                   paid_fen=paid_fen, expected_fen=expected, agrees=agrees, note=note,
                   called_by=by, called_on=on)  # fmt: skip
    session.add(row)
    session.flush()
    if not agrees:
        cases.open_case(session, claim_id, flag=FLAG)
    detail = {"agrees": agrees, "paid_fen": paid_fen}
    audit.record(session, username=by, action="review.callback", target="claim",
                 target_id=str(claim_id), detail=detail)  # fmt: skip
    return row
