"""The lines of a settled claim, for the per-item adjudication of ClaimResponse and EOB.

Each line's submitted and compliant (eligible) amount comes from the catalog class of its
item, through the engine's one definition (:func:`compliant_amounts`); each layer's benefit
is shared among the lines in proportion to their compliant amount (largest remainder, so
the lines of a layer add up to the layer's amount to the fen). A line that lost money says
why: deducted by review (the institution bears it), a class-B self-pay share, or not
covered (class C or out of catalog).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from safetynet.catalogs.in_force import ENTRY_COLUMNS, by_code, pick
from safetynet.codes import ItemClass
from safetynet.engine.compliance import compliant_amounts
from safetynet.money import to_fen
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.models import CatalogItem, Claim, ClaimItem, Settlement

_CLASSES = select(*ENTRY_COLUMNS).where(CatalogItem.code.in_(bindparam("codes", expanding=True)))


@dataclass(frozen=True)
class Line:
    sequence: int
    code: str
    amount_fen: int
    deducted_fen: int
    compliant_fen: int
    reasons: tuple[str, ...]  # why the line's eligible amount is below what was billed


@dataclass(frozen=True)
class ClaimLines:
    """What the answer says of the claim besides the settlement: its number, dates, lines."""

    claim_no: str | None
    start: date
    end: date | None
    lines: list[Line]


def priced_lines(
    session: Session,
    codes: list[str],
    amount: list[int],
    deducted: list[int],
    seq: list[int],
    days: list[date],
) -> list[Line]:
    """The lines priced by the catalog entries in force on their ``days``
    (:mod:`safetynet.catalogs.in_force`; out of catalog: class C)."""
    found = by_code(session.connection().execute(_CLASSES, {"codes": sorted(set(codes))}))
    rows = [pick(found.get(c, ()), day) for c, day in zip(codes, days, strict=True)]
    classes = [r.item_class if r is not None else ItemClass.C for r in rows]
    compliant, _ = compliant_amounts(
        np.array(amount, np.int64),
        np.array(deducted, np.int64),
        np.array([c == ItemClass.A for c in classes]),
        np.array([c == ItemClass.B for c in classes]),
        np.array([(r.self_pay_bp or 0) if r is not None else 0 for r in rows], np.int64),
        np.array([bool(r.essential) if r is not None else False for r in rows]),
    )
    out = []
    for i, code in enumerate(codes):
        reasons = []
        if deducted[i]:
            reasons.append("review_deducted")
        if classes[i] == ItemClass.C:
            reasons.append("not_covered")
        elif classes[i] == ItemClass.B and compliant[i] < amount[i] - deducted[i]:
            reasons.append("self_pay_share")
        out.append(Line(seq[i], code, amount[i], deducted[i], int(compliant[i]), tuple(reasons)))
    return out


def submission_lines(session: Session, sub: ClaimSubmission, sequences: list[int]) -> ClaimLines:
    lines = priced_lines(
        session,
        [x.code for x in sub.items],
        [to_fen(x.amount) for x in sub.items],
        [to_fen(x.deducted) for x in sub.items],
        sequences,
        [sub.date] * len(sub.items),  # a submission's lines are priced on the claim's date
    )
    return ClaimLines(sub.claim_no, sub.date, sub.discharge_date, lines)


def recorded_lines(session: Session, settlement_id: int) -> ClaimLines:
    """A ledger entry's claim: lines numbered 1, 2, … in the order they were billed."""
    entry = session.get(Settlement, settlement_id)
    claim = session.get(Claim, entry.claim_id) if entry is not None else None
    if claim is None:
        raise LookupError(settlement_id)
    items = session.scalars(
        select(ClaimItem).where(ClaimItem.claim_id == claim.id).order_by(ClaimItem.id)
    ).all()
    lines = priced_lines(
        session,
        [x.item_code for x in items],
        [x.amount_fen for x in items],
        [x.deducted_fen for x in items],
        list(range(1, len(items) + 1)),
        [x.service_date or claim.start_date for x in items],  # in_force.line_day
    )
    return ClaimLines(claim.claim_no, claim.start_date, claim.end_date, lines)


def share(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder; sums to ``total``)."""
    if not weights:
        return []
    base = sum(weights)
    if base <= 0:
        weights, base = [1] * len(weights), len(weights)
    sign, total = (-1, -total) if total < 0 else (1, total)
    exact = [total * w for w in weights]
    parts = [e // base for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] % base), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]
