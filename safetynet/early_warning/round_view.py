"""What the re-assistance round pages and exports show, built below the web layer: the rounds
a user's region sees in a year (the county: every figure of the round; a township: what the
round pays its own households), one round's households in the user's region with the figures
that explain each amount and the household's members (names and resident IDs masked for a
reader without the right to see them), and the sentence of each state and refusal."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.i18n import N_
from safetynet.registry.masking import mask_name, mask_resident_id_tail
from safetynet.security.scope import region_contains, within
from safetynet.store.models import Household, Person, ReassistancePayment, ReassistanceRound

R, P = ReassistanceRound, ReassistancePayment

STATES = {
    "draft": N_("draft"),
    "approved": N_("approved"),
    "paid": N_("paid"),
    "cancelled": N_("cancelled"),
}
# a refused step's code (rounds.RoundError) -> the sentence the page shows
ERRORS = {
    "round.exists": N_("This year already has an approved or paid round; cancel it first."),
    "round.no_rule": N_("The rules in force have no re-assistance."),
    "round.not_draft": N_("Only a draft round can be approved."),
    "round.same_person": N_("A round is approved by someone other than who computed it."),
    "round.approver_pays": N_("A round is paid by someone other than who approved it."),
    "round.not_approved": N_("Approve the round before paying it."),
    "round.not_cancellable": N_("Only an approved or paid round can be cancelled."),
    "round.no_reason": N_("Say why the round is cancelled."),
    "round.paid_before_year": N_("A round cannot be paid before the year it re-assists."),
    "round.cancel_before_paid": N_("A paid round cannot be cancelled before the day it was paid."),
    "round.other_county": N_("This round belongs to another county."),
    "round.no_county": N_("A round is drafted at a county, for its own households."),
}


@dataclass(frozen=True)
class RoundSummary:
    """A round as a region sees it: the round's own figures and what it pays in the region."""

    id: int
    year: int
    region_code: str
    state: str
    budget_fen: int
    window_fen: int
    pot_fen: int  # the budget less what the layer paid at the window
    owed_fen: int
    amount_fen: int
    scale: float  # pot ÷ owed, at most 1 (the share each household gets)
    computed_by: str
    approved_by: str | None
    paid_on: str | None
    cancelled_by: str | None
    households: int  # in the reader's region
    households_fen: int  # paid to them


@dataclass(frozen=True)
class Member:
    name: str
    resident_id: str
    relation: str | None


@dataclass
class HouseholdRow:
    household_id: int
    number: str
    village: str
    persons: int
    self_pay_fen: int
    excess_fen: int
    entitlement_fen: int
    window_fen: int
    owed_fen: int
    scale: float
    amount_fen: int
    members: list[Member] = field(default_factory=list)


def _summary(row: ReassistanceRound, households: int, paid: int) -> RoundSummary:
    pot = max(0, row.budget_fen - row.window_fen)
    scale = 1.0 if row.owed_fen <= pot else pot / row.owed_fen
    return RoundSummary(row.id, row.year, row.region_code, row.state, row.budget_fen,
                        row.window_fen, pot, row.owed_fen, row.amount_fen, scale,
                        row.computed_by, row.approved_by,
                        row.paid_on.isoformat() if row.paid_on else None, row.cancelled_by,
                        households, paid)  # fmt: skip


def _local(session: Session, round_ids: list[int], region: str) -> dict[int, tuple[int, int]]:
    """Per round: its households in ``region`` and what it pays them."""
    if not round_ids:
        return {}
    q = (
        select(P.round_id, func.count(), func.coalesce(func.sum(P.amount_fen), 0))
        .join(Household, Household.id == P.household_id)
        .where(P.round_id.in_(round_ids), within(Household.region_code, region))
        .group_by(P.round_id)
    )
    return {int(r): (int(n), int(fen)) for r, n, fen in session.execute(q)}


def visible(session: Session, row: ReassistanceRound, region: str) -> bool:
    """Whether a reader of ``region`` sees the round: its region contains the reader's (a
    township of the county) or lies within it (the county, the city above)."""
    return region_contains(session, row.region_code, region) or region_contains(
        session, region, row.region_code
    )


def rounds_of(session: Session, year: int, region: str) -> list[RoundSummary]:
    """The rounds of ``year`` a reader of ``region`` sees, newest first."""
    rows = [
        r
        for r in session.scalars(select(R).where(R.year == year).order_by(R.id.desc()))
        if visible(session, r, region)
    ]
    local = _local(session, [r.id for r in rows], region)
    return [_summary(r, *local.get(r.id, (0, 0))) for r in rows]


def latest_year(session: Session) -> int | None:
    """The latest year with a round (the page's default year)."""
    found = session.scalar(select(func.max(R.year)))
    return int(found) if found is not None else None


def round_summary(session: Session, row: ReassistanceRound, region: str) -> RoundSummary:
    return _summary(row, *_local(session, [row.id], region).get(row.id, (0, 0)))


def households_of(
    session: Session, round_id: int, region: str, *, unmasked: bool
) -> list[HouseholdRow]:
    """The round's households in ``region`` by household number, each with its members
    (names and resident IDs masked unless ``unmasked``)."""
    q = (
        select(P, Household.number, Household.region_code)
        .join(Household, Household.id == P.household_id)
        .where(P.round_id == round_id, within(Household.region_code, region))
        .order_by(Household.number, P.household_id)
    )
    rows = {
        p.household_id: HouseholdRow(
            p.household_id,
            number,
            village,
            p.persons,
            p.self_pay_fen,
            p.excess_fen,
            p.entitlement_fen,
            p.window_fen,
            p.owed_fen,
            p.scale_bp / 10_000,
            p.amount_fen,
        )
        for p, number, village in session.execute(q)
    }
    if not rows:
        return []
    members = (
        select(Person.household_id, Person.name, Person.resident_id, Person.relation)
        .join(P, P.household_id == Person.household_id)
        .join(Household, Household.id == P.household_id)
        .where(P.round_id == round_id, within(Household.region_code, region))
        .order_by(Person.household_id, Person.id)
    )
    for household_id, name, resident_id, relation in session.execute(members):
        if not unmasked:
            name, resident_id = mask_name(name), mask_resident_id_tail(resident_id)
        rows[household_id].members.append(Member(name, resident_id, relation))
    return list(rows.values())
