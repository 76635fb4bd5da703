"""What the payment-round pages show, built below the web layer: the rounds (payment
batches) of a year, one round's payments with the institutions' names, the steps it may
take next, and the sentence of each refusal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.funds.payments import unknown_payee_lines
from safetynet.i18n import N_
from safetynet.store.models import Institution, Payment, PaymentBatch

STATES = {
    "draft": N_("draft"),
    "approved": N_("approved"),
    "released": N_("released"),
    "void": N_("void"),
}
# a refused step's code (payments.PaymentError) -> the sentence the page shows
ERRORS = {
    "bad_month": N_("The month must be 1 to 12."),
    "round_exists": N_("This month already has a payment round."),
    "round_future": N_("That month has not begun: a round pays a month that has begun."),
    "round_empty": N_("That month has nothing to pay or settle: no round was made."),
    "unknown_batch": N_("There is no such payment round."),
    "not_draft": N_("Only a draft round can be approved."),
    "maker_approves": N_("A round is approved by someone other than who made it."),
    "released": N_("This round was released already; nothing was paid twice."),
    "not_approved": N_("Approve the round before releasing it."),
    "approver_releases": N_("A round is released by someone other than who approved it."),
    "not_released": N_("The bank file exists once the round is released."),
    "paid_before_month": N_("A round cannot be paid before the month it pays."),
    "round_unknown_institution": N_(
        "The journal holds lines of institutions the registry does not have: no round was "
        "made. Add them to the registry, then make the round again."
    ),
    "payments_region": N_(
        "This round would also pay the money of counties outside your region: it is made "
        "by a user whose region holds them all, or by each county for its own."
    ),
}

# the refusal ``round_unknown_institution``'s sentence naming them (codes and journal entries)
UNKNOWN_PAYEES = N_(
    "The journal holds lines of institutions the registry does not have: %(codes)s (journal "
    "entries %(entries)s). Add these institutions to the registry, then make the round "
    "again; no round was made."
)


def unknown_payees_sentence(
    session: Session, year: int, payer: str | None
) -> tuple[str, dict[str, str]] | None:
    """The sentence of a round refused ``round_unknown_institution`` and its arguments: the
    codes the registry does not hold and the journal entries naming them, of the year's
    statements (of ``payer``'s money); None when there are none (any more)."""
    lines = unknown_payee_lines(session, year, payer=payer)
    if not lines:
        return None
    codes = sorted({ln.institution_code for ln in lines})
    entries = sorted({ln.entry_id for ln in lines})
    return UNKNOWN_PAYEES, {"codes": ", ".join(codes), "entries": ", ".join(map(str, entries))}


@dataclass(frozen=True)
class PaymentRow:
    institution_code: str
    institution: str
    fund: str
    approved_fen: int
    deposit_fen: int
    prepaid_fen: int
    amount_fen: int


def rounds_of(session: Session, year: int | None, payers: str = "") -> list[PaymentBatch]:
    """The payment rounds of ``year`` (every year when None), newest month first: of the
    paying counties whose codes start with ``payers`` and those of every county."""
    q = select(PaymentBatch).order_by(PaymentBatch.year.desc(), PaymentBatch.month.desc(),
                                      PaymentBatch.id.desc())  # fmt: skip
    if year is not None:
        q = q.where(PaymentBatch.year == year)
    if payers:
        q = q.where(
            PaymentBatch.payer_region.is_(None) | PaymentBatch.payer_region.startswith(payers)
        )
    return list(session.scalars(q))


def payments_of(session: Session, batch_id: int) -> list[PaymentRow]:
    """A round's payments, by institution and fund, with the institutions' names."""
    q = (
        select(Payment, Institution.name)
        .join(Institution, Institution.code == Payment.institution_code)
        .where(Payment.batch_id == batch_id)
        .order_by(Payment.institution_code, Payment.fund)
    )
    return [
        PaymentRow(
            p.institution_code,
            name,
            p.fund,
            p.approved_fen,
            p.deposit_fen,
            p.prepaid_fen,
            p.amount_fen,
        )
        for p, name in session.execute(q)
    ]


def next_step(batch: PaymentBatch) -> str | None:
    """``approve`` for a draft, ``release`` for an approved round, else None."""
    return {"draft": "approve", "approved": "release"}.get(batch.state)
