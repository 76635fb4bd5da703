"""The settlement gate of duplicate bills: the same bill settled twice is refused, not paid twice.

A bill is known by what it bills, whatever number it carries (:func:`bill_of`): the person,
the institution, the kind of claim, the visit or admission date, the discharge date (a visit
ends the day it starts) and its item lines — code, quantity and amount, in any order. The
diagnosis, the referral and the review deductions are not part of it (a bill resent with a
corrected diagnosis is the same bill). A claim whose bill equals that of a settlement that
stands (not refunded) is refused with 409 ``duplicate_bill``, naming the earlier settlement;
so is a claim equal to one settled before it in the same batch. After a refund the bill
settles again (re-settlement).

A clerk or hospital system that knows the second bill is genuine (two identical same-day
visits) confirms it with a reason (``ClaimSubmission.duplicate_reason``): the gate lets it
through, and the interface records the reason in the audit log. A retry under the same
``Idempotency-Key`` is answered by the service with the first settlement (a replay: its
claim does not settle, so the gate never sees it as a duplicate), and so is a second claim
of the batch under a key an earlier one of it carries; a claim number already taken is
refused by the service as ``claim_exists``.

The year batch applies the same rule to the claims it settles (:func:`repeated_in_period`:
a repeat is left unsettled, counted as ``duplicate_bill``). Registered in
:mod:`safetynet.settlement.hooks` (``GATES``): preview and submit, the window, the REST API
and FHIR alike. One query per batch: the lines of the persons' standing settlements that
start on the claims' dates (the claims' ``(person_id, start_date)`` index).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, aliased

from safetynet.money import to_fen
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.hooks import GateClaim
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.lists import one_of, per_dialect
from safetynet.store.models import Claim, ClaimItem, Settlement
from safetynet.store.models.ledger import EntryKind

Line = tuple[str, int, int]  # item code, quantity, amount (fen)
Bill = tuple[int, str, str, date, date, tuple[Line, ...]]


# what a confirmed duplicate adds to its claim's fingerprint (the reason's words do not)
_CONFIRMED = "\n#duplicate bill confirmed"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# within one batch (:func:`hashes_kept`): each submission's JSON by its id, kept with the
# submission itself so that the id is not reused meanwhile
_TEXTS: ContextVar[dict[int, tuple[ClaimSubmission, str]] | None] = ContextVar(
    "request_texts", default=None
)


def _text(sub: ClaimSubmission) -> str:
    """The claim as sent, without the reason's words; within :func:`hashes_kept` computed
    once per submission (the gates, the settlement and the answer each ask for it)."""
    kept = _TEXTS.get()
    if kept is not None:
        hit = kept.get(id(sub))
        if hit is not None and hit[0] is sub:
            return hit[1]
    text = sub.model_dump_json(exclude={"duplicate_reason"})
    if kept is not None:
        kept[id(sub)] = (sub, text)
    return text


@contextmanager
def hashes_kept() -> Iterator[None]:
    """Each submission's JSON for :func:`request_hash` and :func:`retried_as` computed once
    while this lasts: a batch's submissions do not change while it is settled (it was
    computed four times a claim, a third of a millisecond on a slow machine). Nested, the
    outer one holds."""
    if _TEXTS.get() is not None:
        yield
        return
    token = _TEXTS.set({})
    try:
        yield
    finally:
        _TEXTS.reset(token)


def request_hash(sub: ClaimSubmission) -> str:
    """The submission's fingerprint (``Settlement.request_hash``): the claim as sent, and
    whether it is confirmed as a second, genuine bill — not the reason's words. A confirmed
    duplicate is thus distinct from the earlier bill it repeats (a retry under its key must
    send one of the two, :func:`retried_as`). Fund supervision knows a claim's own earlier
    settlement by its client key, not by this fingerprint: two identical confirmed bills
    share it and are still two claims. A claim without a reason hashes as before the reason
    existed (stored hashes stay valid)."""
    text = _text(sub)
    return _digest(text + _CONFIRMED if sub.duplicate_reason else text)


def retried_as(sub: ClaimSubmission) -> tuple[str, str]:
    """The fingerprints a retry of ``sub`` under its idempotency key may have been stored
    under: the claim sent without and with the confirming reason (a retry is the same claim
    with or without it; anything else sent under the key is refused as reused)."""
    text = _text(sub)
    return _digest(text), _digest(text + _CONFIRMED)


def bill_of(
    person_id: int, institution: str, kind: str, start: date, end: date | None,
    lines: Iterable[Line],
) -> Bill:  # fmt: skip
    """What makes two claims the same bill (lines in any order; a visit ends on its day)."""
    return (person_id, institution, kind, start, end or start, tuple(sorted(lines)))


def submitted_bill(person_id: int, sub: ClaimSubmission) -> Bill:
    return bill_of(
        person_id, sub.institution_code, sub.kind.value, sub.date, sub.discharge_date,
        ((i.code, i.quantity, to_fen(i.amount)) for i in sub.items),
    )  # fmt: skip


def duplicate(claim_date: date, earlier: str) -> SettlementError:
    """The refusal of a bill already settled (``earlier`` names the earlier settlement)."""
    return SettlementError(
        "duplicate_bill",
        f"the same bill of {claim_date.isoformat()} (person, institution, kind, dates and item "
        f"lines) was already settled as {earlier}: it is not paid twice; refund that "
        "settlement to settle it again, or confirm with a reason (duplicate_reason) that this "
        "is a second, genuine bill",
        field="items",
        status=409,
    )


def _build(pg: bool) -> Select[Any]:
    reversal = aliased(Settlement)
    return (
        select(
            Settlement.id,
            Claim.claim_no,
            Claim.person_id,
            Claim.institution_code,
            Claim.kind,
            Claim.start_date,
            Claim.end_date,
            ClaimItem.item_code,
            ClaimItem.quantity,
            ClaimItem.amount_fen,
        )
        .join(Settlement, Settlement.claim_id == Claim.id)
        .join(ClaimItem, ClaimItem.claim_id == Claim.id)
        .where(
            one_of(Claim.person_id, "persons", pg),
            one_of(Claim.start_date, "dates", pg),
            Settlement.entry_kind == EntryKind.SETTLEMENT,
            ~exists().where(reversal.reverses_id == Settlement.id),
        )
    )


_statement = per_dialect(_build)


def standing_bills(session: Session, persons: list[int], dates: list[date]) -> dict[Bill, str]:
    """The bills of the standing (not refunded) settlements of ``persons`` that start on one
    of ``dates``, each with the earlier settlement's name ("settlement 12 (claim ZY1)")."""
    rows = session.execute(
        _statement(session.connection()), {"persons": persons, "dates": dates}
    ).all()
    heads: dict[int, tuple[Any, ...]] = {}
    lines: dict[int, list[Line]] = {}
    for sid, no, person, inst, kind, start, end, code, qty, amount in rows:
        heads[sid] = (no, person, inst, getattr(kind, "value", kind), start, end)
        lines.setdefault(sid, []).append((code, int(qty or 1), int(amount)))
    out: dict[Bill, str] = {}
    for sid in sorted(heads):
        no, person, inst, kind, start, end = heads[sid]
        bill = bill_of(person, inst, kind, start, end, lines[sid])
        out.setdefault(bill, f"settlement {sid} (claim {no})")
    return out


def gate(session: Session, claims: Sequence[GateClaim]) -> list[SettlementError | None]:
    """Gate: per claim, the refusal of a bill settled before (or earlier in the batch)."""
    asked = [i for i, c in enumerate(claims) if c.settles and c.person is not None]
    out: list[SettlementError | None] = [None] * len(claims)
    if not asked:
        return out
    persons = sorted({claims[i].person.id for i in asked})
    dates = sorted({claims[i].sub.date for i in asked})
    seen = standing_bills(session, persons, dates)
    keys: set[str] = set()
    for i in asked:
        c = claims[i]
        if c.client_key and c.client_key in keys:
            continue  # a retry of a claim of this batch: the service answers it (a replay)
        bill = submitted_bill(c.person.id, c.sub)
        earlier = seen.get(bill)
        if earlier is not None and not c.sub.duplicate_reason:
            out[i] = duplicate(c.sub.date, earlier)
            continue
        # a claim of this batch: no settlement id yet ("—")
        seen.setdefault(bill, f"settlement — (claim {c.sub.claim_no or '—'})")
        if c.client_key:
            keys.add(c.client_key)
    return out


def repeated_in_period(
    session: Session, first: date, last: date, refused: Iterable[int] = ()
) -> dict[int, str]:
    """The year batch's rule (:mod:`safetynet.settlement.year_batch`): the unsettled claims
    starting between two dates whose bill repeats an earlier one of them (by claim id) — the
    id of each repeat and the earlier claim's number. A claim of ``refused`` (the batch leaves
    it unsettled for its facts, as the window refuses it) is never the earlier bill: the
    window never stores it. Only claims sharing their head (person, institution, kind, dates)
    with another are read with their lines: one query for those heads (a window count), one
    for their lines."""
    head = (Claim.person_id, Claim.institution_code, Claim.kind, Claim.start_date,
            Claim.end_date)  # fmt: skip
    unsettled = ~exists().where(Settlement.claim_id == Claim.id)
    shared = (
        select(Claim.id.label("id"), func.count().over(partition_by=head).label("n"))
        .where(Claim.start_date >= first, Claim.start_date <= last, unsettled)
        .subquery()
    )
    heads = session.execute(
        select(Claim.id, Claim.claim_no, *head)
        .join(shared, shared.c.id == Claim.id)
        .where(shared.c.n > 1)
        .order_by(Claim.id)
    ).all()
    if not heads:
        return {}
    lines: dict[int, list[Line]] = {}
    rows = session.execute(
        select(ClaimItem.claim_id, ClaimItem.item_code, ClaimItem.quantity, ClaimItem.amount_fen)
        .join(shared, shared.c.id == ClaimItem.claim_id)
        .where(shared.c.n > 1)
    ).all()
    for cid, code, qty, amount in rows:
        lines.setdefault(cid, []).append((code, int(qty or 1), int(amount)))
    seen: dict[Bill, str] = {}
    out: dict[int, str] = {}
    skip = set(refused)
    for cid, no, person, inst, kind, start, end in heads:
        if cid in skip:
            continue
        bill = bill_of(person, inst, getattr(kind, "value", kind), start, end, lines.get(cid, ()))
        if bill in seen:
            out[cid] = seen[bill]
        else:
            seen[bill] = no
    return out
