"""Payments to households in the fund journal: a re-assistance round paid, and its reversal.

A round pays households directly (no institution): one entry of kind ``reassist_round``
debits the fund's ``spending`` and credits its ``cash`` by the round's total — one
aggregated line each, as settlement entries sum their claims; the detail (each household's
explained amount) stays with the round, whose number the entry's reference names
(``reassist_round:<id>``). The fund is the one the funds file charges the
``re_assistance`` layer to, so what the layer paid at the window and what rounds pay add up
in the same fund's spending (its statements, its pot's alarm). The spending line's month is
the payment's month within the scheme year, month 12 when paid after it; its payer region is
the round's county (each county's pot is its own).

A cancelled round that was paid is reversed by an entry of kind ``reassist_undo`` with the
negated lines (reference ``reassist_undo:<id>``). Both are idempotent: the reference is
unique, so paying (or cancelling) twice posts once.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.funds.journal import Line, payer_of, post_entry
from safetynet.funds.rules import default_rules
from safetynet.funds.schema import FundRules
from safetynet.regions import significant
from safetynet.store.models import FundEntry, ReassistanceRound

LAYER = "re_assistance"
ROUND_KIND = "reassist_round"
UNDO_KIND = "reassist_undo"
CLAIM_KIND = "household"  # the spending line's kind: paid to households, not for claims


def fund_of_rounds(rules: FundRules) -> str:
    """The fund re-assistance rounds are paid from: the layer's."""
    return rules.fund_of_layer().get(LAYER, rules.unassigned_fund)


def _payer_of_round(session: Session, round_id: int) -> str | None:
    """The county whose pot pays the round: its region's (a round is drafted at a county or
    below it). Without it the lines were no county's, and a county's figures, its pot's
    alarm and the funds page left the rounds its households were paid out."""
    region = session.scalar(
        select(ReassistanceRound.region_code).where(ReassistanceRound.id == round_id)
    )
    return payer_of(region) if region and len(significant(region)) >= 6 else None


def _month(year: int, on: date) -> int:
    return on.month if on.year == year else 12


def _post(
    session: Session,
    rules: FundRules,
    kind: str,
    round_id: int,
    year: int,
    amount_fen: int,
    on: date,
    user: str,
    memo: str,
) -> int | None:
    reference = f"{kind}:{round_id}"
    done = session.scalar(select(FundEntry.id).where(FundEntry.reference == reference))
    if done is not None:
        return int(done)
    if amount_fen == 0:
        return None
    fund, month = fund_of_rounds(rules), _month(year, on)
    payer = _payer_of_round(session, round_id)
    lines = [
        Line(fund, "spending", amount_fen, claim_kind=CLAIM_KIND, month=month,
             payer_region=payer),
        Line(fund, "cash", -amount_fen, month=month, payer_region=payer),
    ]  # fmt: skip
    return post_entry(session, rules, year=year, posted_on=on, kind=kind, lines=lines,
                      user=user, reference=reference, memo=memo[:200])  # fmt: skip


def post_round_paid(
    session: Session,
    round_id: int,
    *,
    year: int,
    amount_fen: int,
    households: int,
    on: date,
    user: str,
    rules: FundRules | None = None,
) -> int | None:
    """Post a round paid to households (once); the entry's id (None for a round of 0)."""
    memo = f"re-assistance round {round_id} of {year}: {households} households"
    return _post(session, rules or default_rules(), ROUND_KIND, round_id, year, amount_fen,
                 on, user, memo)  # fmt: skip


def post_round_cancelled(
    session: Session,
    round_id: int,
    *,
    year: int,
    amount_fen: int,
    on: date,
    user: str,
    rules: FundRules | None = None,
) -> int | None:
    """Reverse a paid round's posting (once): the same lines negated."""
    memo = f"re-assistance round {round_id} of {year} cancelled"
    return _post(session, rules or default_rules(), UNDO_KIND, round_id, year, -amount_fen,
                 on, user, memo)  # fmt: skip


__all__ = ["fund_of_rounds", "post_round_cancelled", "post_round_paid"]
