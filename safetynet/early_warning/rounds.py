"""Re-assistance rounds kept in the database: computed as a draft with each household's
explained amount (entitlement, paid at the window, owed, scale, paid), approved by a second
person, then paid — posted to the re-assistance fund's journal in the same transaction —
or cancelled; every change audited.

A county and year have at most one live round besides drafts: a new draft, or an approval,
is refused while an approved or paid round of the year exists anywhere in the region's
county (a county's round and a township's would pay the township's households twice; two
townships' rounds would each spend the county's one budget), and approving one discards the
region's other drafts of the year. A township's round has the year's budget less what the
window paid in the county's other regions. An approved or paid round may be cancelled (with
a reason); a paid one's posting is then reversed, and a new draft of the year is allowed.

A round belongs to one county: it is drafted for a county or a region in one (a city's or a
province's round would pay the households its counties' rounds pay, and neither would see
the other: refused, ``round.no_county``); a user of another county (neither in the round's
county nor in a region above it) may not read it or take its steps (:func:`of_other_county`;
the steps refuse it with ``round.other_county`` when given the acting user's region).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.early_warning.load import REASSISTANCE_LAYER, load_ledger, region_households
from safetynet.early_warning.reassist import compute_round, in_households, window_paid
from safetynet.early_warning.rules import rules_for
from safetynet.funds.household_payments import post_round_cancelled, post_round_paid
from safetynet.regions import descendants_select
from safetynet.security.audit import record as audit
from safetynet.security.scope import region_contains, within
from safetynet.store.bulk import bulk_insert
from safetynet.store.models import (
    Household,
    ReassistancePayment,
    ReassistanceRound,
    Region,
    Settlement,
    SettlementLayer,
)

R = ReassistanceRound


class RoundError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _county_of(session: Session, code: str) -> str:
    """The county the region lies in (the top of its tree when no county is above it)."""
    here = session.get(Region, code)
    while here is not None and here.level != RegionLevel.COUNTY and here.parent_code:
        here = session.get(Region, here.parent_code)
    return here.code if here is not None else code


def _in_a_county(session: Session, code: str) -> bool:
    """Whether the region is a county or lies in one."""
    return session.scalar(select(Region.level).where(
        Region.code == _county_of(session, code))) == RegionLevel.COUNTY  # fmt: skip


def of_other_county(session: Session, row: ReassistanceRound, region_code: str) -> bool:
    """Whether a user of ``region_code`` is of another county than the round's: neither in
    the round's county (the county, a township of it) nor in a region above it."""
    county = _county_of(session, row.region_code)
    return not (
        region_contains(session, county, region_code)
        or region_contains(session, region_code, county)
    )


def _locked(session: Session, round_id: int, region_code: str | None) -> ReassistanceRound | None:
    """The round, locked for the step; refused when the acting user (of ``region_code``,
    when given) is of another county."""
    row = session.get(R, round_id, with_for_update=True)
    if row is not None and region_code is not None and of_other_county(session, row, region_code):
        raise RoundError("round.other_county", f"round {round_id} belongs to another county")
    return row


def _window_in(session: Session, year: int, region_code: str) -> int:
    """What the ``re_assistance`` settlement layer paid in the region's tree that year (to
    the entries settled in its households, as its round counts them)."""
    S, L = Settlement, SettlementLayer
    return int(session.scalar(
        select(func.coalesce(func.sum(L.paid_fen), 0))
        .join(S, S.id == L.settlement_id)
        .join(Household, Household.id == S.household_id)
        .where(L.layer_id == REASSISTANCE_LAYER, S.year == year,
               within(Household.region_code, region_code))
    ) or 0)  # fmt: skip


def _live_in_county(
    session: Session, year: int, region_code: str, but: int | None = None
) -> int | None:
    """An approved or paid round of the year (other than ``but``) in the region's county: a
    county pays one round a year from its one budget (a county's round and a township's
    would pay the township's households twice; two townships' would share the budget)."""
    county = _county_of(session, region_code)
    found = session.scalar(
        select(R.id).where(
            R.year == year, R.state.in_(("approved", "paid")),
            R.region_code.in_(descendants_select(county)),
            R.id != (but if but is not None else -1),
        ).order_by(R.id)
    )  # fmt: skip
    return None if found is None else int(found)


def _spent_elsewhere(session: Session, year: int, region_code: str) -> int:
    """What the county's pot paid that year at the window outside the region (a township's
    round shares the county's budget with the window in the county's other regions)."""
    county = _county_of(session, region_code)
    if county == region_code:
        return 0
    return _window_in(session, year, county) - _window_in(session, year, region_code)


def draft_round(
    session: Session, year: int, region_code: str, *, user: str, budget_fen: int | None = None
) -> ReassistanceRound:
    """Compute the year's round for the region (a county or a region in one) from the ledger
    and store it as a draft."""
    if not _in_a_county(session, region_code):
        raise RoundError("round.no_county", f"{region_code} is no county nor in one")
    done = _live_in_county(session, year, region_code)
    if done is not None:
        raise RoundError("round.exists", f"round {done} of {year} is already approved")
    rule = rules_for(region_code, date(year, 12, 31)).re_assistance
    if rule is None:
        raise RoundError("round.no_rule", "the rules in force have no re-assistance")
    annual = rule.budget if budget_fen is None else budget_fen
    budget = max(0, annual - _spent_elsewhere(session, year, region_code))
    conn = session.connection()
    homes = region_households(conn, region_code)
    ledger = load_ledger(conn, year, region_code, by_household=True)
    frame = compute_round(rule, ledger, budget, homes)
    ledger = in_households(ledger, homes)
    owed, amount = int(frame["owed_fen"].sum() or 0), int(frame["amount_fen"].sum() or 0)
    row = R(year=year, region_code=region_code, budget_fen=budget, owed_fen=owed,
            amount_fen=amount, window_fen=window_paid(ledger), state="draft",
            computed_by=user)  # fmt: skip
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


def approve_round(
    session: Session, round_id: int, *, user: str, on: date, region_code: str | None = None
) -> ReassistanceRound:
    """Approve a draft (not by who computed it); the region's other drafts of the year go.
    ``region_code``: the acting user's region (refused when of another county)."""
    row = _locked(session, round_id, region_code)
    if row is None or row.state != "draft":
        raise RoundError("round.not_draft", f"round {round_id} is not a draft")
    if row.computed_by == user:
        raise RoundError("round.same_person", "a round is approved by someone else")
    done = _live_in_county(session, row.year, row.region_code, row.id)
    if done is not None:
        raise RoundError("round.exists", f"round {done} of {row.year} is already approved")
    others = select(R.id).where(R.year == row.year, R.region_code == row.region_code,
                                R.state == "draft", R.id != row.id)  # fmt: skip
    session.execute(delete(ReassistancePayment).where(ReassistancePayment.round_id.in_(others)))
    session.execute(delete(R).where(R.id.in_(others)))
    row.state, row.approved_by, row.approved_on = "approved", user, on
    audit(session, username=user, action="reassistance.approve", target="reassistance_round",
          target_id=str(round_id))  # fmt: skip
    session.flush()
    return row


def pay_round(
    session: Session, round_id: int, *, user: str, on: date, region_code: str | None = None
) -> ReassistanceRound:
    """Mark an approved round paid to the households and post it to the fund journal
    (paying a paid round again changes and posts nothing); not by who approved it
    (``round.approver_pays``: three people — who computes, who approves, who pays — as the
    institutions' payment rounds); ``region_code`` as approving."""
    row = _locked(session, round_id, region_code)
    if row is not None and row.state == "paid":
        return row
    if row is None or row.state != "approved":
        raise RoundError("round.not_approved", f"round {round_id} is not approved")
    if row.approved_by == user:  # maker-checker, as the institutions' payment rounds
        raise RoundError(
            "round.approver_pays", "a round is paid by someone other than its approver"
        )
    if on < date(row.year, 1, 1):  # before the year it re-assists: a wrong date
        raise RoundError(
            "round.paid_before_year",
            f"round {round_id} re-assists {row.year}: it cannot be paid on {on.isoformat()}",
        )
    row.state, row.paid_on = "paid", on
    households = session.scalar(
        select(func.count()).where(ReassistancePayment.round_id == round_id)
    )
    entry = post_round_paid(session, round_id, year=row.year, amount_fen=row.amount_fen,
                            households=int(households or 0), on=on, user=user)  # fmt: skip
    detail = {"amount_fen": row.amount_fen, "entry": entry}
    audit(session, username=user, action="reassistance.pay", target="reassistance_round",
          target_id=str(round_id), detail=detail)  # fmt: skip
    session.flush()
    return row


def cancel_round(
    session: Session,
    round_id: int,
    *,
    user: str,
    on: date,
    reason: str,
    region_code: str | None = None,
) -> ReassistanceRound:
    """Cancel an approved or paid round; a paid one's posting is reversed in the journal, on
    the day it was paid or later (``round.cancel_before_paid``); ``region_code`` as
    approving."""
    row = _locked(session, round_id, region_code)
    if row is None or row.state not in ("approved", "paid"):
        raise RoundError("round.not_cancellable", f"round {round_id} is not approved or paid")
    if not reason.strip():
        raise RoundError("round.no_reason", "say why the round is cancelled")
    if row.state == "paid" and row.paid_on is not None and on < row.paid_on:
        raise RoundError(  # the reversal would be posted before the payment it reverses
            "round.cancel_before_paid",
            f"round {round_id} was paid on {row.paid_on.isoformat()}: it cannot be cancelled "
            f"on {on.isoformat()}, before that; nothing was written",
        )
    entry = None
    if row.state == "paid":
        entry = post_round_cancelled(session, round_id, year=row.year,
                                     amount_fen=row.amount_fen, on=on, user=user)  # fmt: skip
    row.state, row.cancelled_by, row.cancelled_on = "cancelled", user, on
    audit(session, username=user, action="reassistance.cancel", target="reassistance_round",
          target_id=str(round_id), detail={"reason": reason[:200], "entry": entry})  # fmt: skip
    session.flush()
    return row
