"""The extension points of settlement: gates before a claim is settled, steps after it is written.

Other rooms of SafetyNet take part in every settlement without the settlement service
importing them:

- A **gate** may refuse claims before they are settled (a suspended person or department,
  a claim supervision blocks). It receives the whole batch at once and answers, per claim,
  ``None`` (let it through) or the ``SettlementError`` to refuse it with. A gate reads what
  it needs with one query per batch, never one per claim.
- An **after** step runs in the same transaction once a batch's ledger entries are written
  (journal postings, warnings, storing screening hits). It receives the ids of the new
  entries — settlements, and the reversal a refund appends — and, in the same order, the
  :class:`Entry` rows the service has just written, from memory: a step computes from them
  what it can (journal lines, which households to check, which entries are reversals)
  rather than reading back what was just written, and reads the rest set-based (one
  statement per table per batch). A failure rolls the whole batch back: nothing is paid
  that is not also posted.

Each is named here by its dotted path (``module:function``), imported when first used, so
the rooms that hook in may import the settlement service freely. The order of the lists is
the order they run in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from safetynet.settlement.errors import SettlementError
from safetynet.settlement.submission import ClaimSubmission

UNREAD = "unread"  # GateClaim.institution when the caller has not read it


@dataclass(frozen=True)
class GateClaim:
    """One claim of a batch as a gate sees it: the submission and its person's row, its
    client key, and whether the checks after the gates that read only the ledger let it be
    written (``settles``: false for a replay, a claim number taken, a claim the engine's
    facts refuse — an unknown item, a person not enrolled). A gate that reads the batch's
    claims as each other's history (screening) counts only the ones written before.
    ``institution``: the claim's institution as the settlement read it (a row of
    ``INSTITUTION_COLUMNS``, None when unknown), or :data:`UNREAD` when the caller did not
    read it (a gate that needs it reads it)."""

    sub: ClaimSubmission
    person: Any  # PersonFacts: person_id, household_id, region_code, sex, ...
    client_key: str | None = None
    settles: bool = True
    institution: Any = UNREAD


@dataclass(frozen=True, slots=True)
class Entry:
    """A ledger entry just written, as the after steps see it (the values written, from
    memory): ``layers`` are (layer id, paid fen) in the cascade's order; a reversal's
    amounts are negated; ``request_hash`` is None for a reversal; ``client_key``: the key
    the settlement was submitted under (None without one, and for a reversal)."""

    id: int
    reversal: bool
    claim_id: int
    person_id: int
    household_id: int
    year: int
    claim_date: date
    kind: str  # ClaimKind value
    institution_code: str
    request_hash: str | None
    layers: tuple[tuple[str, int], ...]
    claim_no: str
    client_key: str | None = None
    # (status mask, institution level, diagnosis, total, compliant, paid, out-of-pocket fen,
    # the patient's age in whole years on the claim's date) as written; None when the writer
    # did not give them (a step reads them if it needs them)
    amounts: tuple[int, str | None, str | None, int, int, int, int, int | None] | None = None


Gate = Callable[[Session, Sequence[GateClaim]], list[SettlementError | None]]
After = Callable[[Session, Sequence[int], Sequence[Entry]], None]

# Dotted paths ("package.module:function"), in the order they run.
GATES: tuple[str, ...] = (
    "safetynet.review.gate:suspended",
    "safetynet.settlement.duplicate_bill:gate",
    "safetynet.supervision.window:gate",
)
AFTER: tuple[str, ...] = (
    "safetynet.supervision.window:store",
    "safetynet.early_warning.totals:after_settlement",
    "safetynet.early_warning.online:after_settlement",
    "safetynet.review.refunds:void_refunded",
    "safetynet.funds.posting:after_settlement",
)

# Steps after a bulk write of a year's ledger (the year batch: ``year_batch.settle_year``),
# run once in its transaction with the year, after its entries are written: a room that
# keeps figures derived from the ledger rebuilds them (the after steps above do not run
# for a bulk write).
AFTER_YEAR: tuple[str, ...] = ("safetynet.early_warning.totals:after_year",)

# What each room reads on first use of its gate or after step, read at a server's start-up
# (:func:`warm`): no argument, nothing written.
WARM: tuple[str, ...] = (
    "safetynet.early_warning.online:warm",
    "safetynet.funds.rules:default_rules",
)


@cache
def _load(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    fn: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return fn


def gates() -> list[Gate]:
    return [_load(p) for p in GATES]


def afters() -> list[After]:
    return [_load(p) for p in AFTER]


def warm() -> None:
    """Import every gate and after step and run each room's :data:`WARM` preparation, so the
    first batch a server settles costs what the others do (a server calls this at
    start-up)."""
    gates()
    afters()
    for path in WARM:
        _load(path)()


def refusals(session: Session, claims: Sequence[GateClaim]) -> list[SettlementError | None]:
    """Per claim, the first gate's refusal, or None when every gate lets it through."""
    out: list[SettlementError | None] = [None] * len(claims)
    for gate in gates():
        open_ = [i for i, r in enumerate(out) if r is None]
        if not open_:
            break
        answers = gate(session, [claims[i] for i in open_])
        for i, answer in zip(open_, answers, strict=True):
            out[i] = answer
    return out


def year_written(session: Session, year: int) -> None:
    """Run every :data:`AFTER_YEAR` step after a bulk write of ``year``'s ledger."""
    for path in AFTER_YEAR:
        _load(path)(session, year)


def written(session: Session, entries: Sequence[Entry]) -> None:
    """Run every after step on the entries just written (nothing when there are none)."""
    if not entries:
        return
    ids = [e.id for e in entries]
    for step in afters():
        step(session, ids, entries)
