"""The append-only deduction ledger: what each institution bears of its claims after review.

An entry is never edited. A decision that changes a line appends the difference, so the sum
of a line's entries is always what the institution bears of it now (``review_line``
``deducted_fen``); a refund of the claim appends the negation. Each entry is posted to the
fund accounts as it is appended (a deduction from, a recovery from, or an amount given back
to the institution's payable), so the next statement offsets it; :func:`between` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.clock import local_date, stored
from safetynet.codes import DeductionKind
from safetynet.funds.journal import payer_of
from safetynet.funds.posting import Deduction as FundDeduction
from safetynet.funds.posting import post_deductions
from safetynet.store.models import Claim, Person, ReviewDeduction


def now() -> datetime:
    """The ledger's clock: naive UTC, like the audit log."""
    return datetime.now(UTC).replace(tzinfo=None)


def append(
    session: Session,
    *,
    kind: DeductionKind,
    institution_code: str,
    amount_fen: int,
    reason: str,
    decided_by: str,
    claim_id: int | None = None,
    claim_item_id: int | None = None,
    case_id: int | None = None,
    spot_check_id: int | None = None,
    rule_id: str | None = None,
    article: int | None = None,
    payer_region: str | None = None,
) -> ReviewDeduction | None:
    """Append one entry (nothing for a zero amount) in the caller's transaction. The fund
    that paid is the fund that recovers: an entry of a claim posts to its patient's county,
    one of no claim (a spot check's extrapolated share) to ``payer_region`` (the county whose
    claims were extrapolated), else to the institution's county."""
    if amount_fen == 0:
        return None
    entry = ReviewDeduction(
        kind=kind, institution_code=institution_code, amount_fen=amount_fen, reason=reason,
        decided_by=decided_by, claim_id=claim_id, claim_item_id=claim_item_id,
        case_id=case_id, spot_check_id=spot_check_id, rule_id=rule_id, article=article,
        at=now(),
    )  # fmt: skip
    session.add(entry)
    session.flush()
    _post_to_funds(session, entry, payer_region)
    return entry


def _post_to_funds(session: Session, entry: ReviewDeduction, payer_region: str | None) -> None:
    """Post the entry to the fund accounts in the same transaction: a line decision borne by
    the institution is a deduction from what it is owed, a spot check's extrapolated amount a
    recovery, and an amount given back (a lowered adjustment, a refund) reverses a deduction."""
    amount = entry.amount_fen
    if amount < 0:
        kind = "reversal"
    elif entry.kind == DeductionKind.SPOT_CHECK:
        kind = "recovery"
    else:
        kind = "deduction"
    post_deductions(
        session,
        [
            FundDeduction(
                institution_code=entry.institution_code,
                amount_fen=abs(amount),
                on=local_date(entry.at),
                reference=f"review-{entry.id}",
                reason=entry.reason,
                kind=kind,
                payer_region=_payer(session, entry.claim_id) or payer_of(payer_region),
            )
        ],
        user=entry.decided_by,
    )


def _payer(session: Session, claim_id: int | None) -> str | None:
    """The county whose money a claim's deduction is: its patient's (None without a claim:
    the institution's county)."""
    if claim_id is None:
        return None
    region = session.scalar(
        select(Person.region_code)
        .join(Claim, Claim.person_id == Person.id)
        .where(Claim.id == claim_id)
    )
    return payer_of(region)


@dataclass(frozen=True)
class Deduction:
    """One ledger entry as fund accounts read it (amount > 0: the institution bears it)."""

    id: int
    at: datetime
    kind: str
    institution_code: str
    claim_id: int | None
    claim_item_id: int | None
    amount_fen: int
    reason: str
    decided_by: str


def _as_datetime(value: date | datetime) -> datetime:
    """A stored time as is; a date as the stored time the county's day begins."""
    return value if isinstance(value, datetime) else stored(value)


def between(
    session: Session,
    start: date | datetime,
    end: date | datetime,
    institution_code: str | None = None,
) -> list[Deduction]:
    """The entries recorded in ``[start, end)`` (stored UTC times; a date means the county's
    midnight), oldest first.

    This is what fund accounts post to the journal: each entry once, by id; an entry is never
    changed afterwards, so posting ``between(a, b)`` then ``between(b, c)`` posts each once.
    """
    query = (
        select(ReviewDeduction)
        .where(ReviewDeduction.at >= _as_datetime(start), ReviewDeduction.at < _as_datetime(end))
        .order_by(ReviewDeduction.id)
    )
    if institution_code is not None:
        query = query.where(ReviewDeduction.institution_code == institution_code)
    return [
        Deduction(
            id=r.id, at=r.at, kind=str(r.kind.value), institution_code=r.institution_code,
            claim_id=r.claim_id, claim_item_id=r.claim_item_id, amount_fen=r.amount_fen,
            reason=r.reason, decided_by=r.decided_by,
        )
        for r in session.scalars(query)
    ]  # fmt: skip


def total(session: Session, *, claim_id: int | None = None, institution_code: str | None = None
          ) -> int:  # fmt: skip
    """The sum of the entries of a claim or of an institution (all time)."""
    query = select(func.coalesce(func.sum(ReviewDeduction.amount_fen), 0))
    if claim_id is not None:
        query = query.where(ReviewDeduction.claim_id == claim_id)
    if institution_code is not None:
        query = query.where(ReviewDeduction.institution_code == institution_code)
    return int(session.scalar(query) or 0)
