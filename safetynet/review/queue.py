"""What the review pages and the REST API read: the reviewers' queue, one case with its
claim and lines, an institution's results, and the daily bill (一日清单) of a stay.

Scope: a user sees the cases of claims of persons in their region; a user bound to an
institution (its medical-insurance office) only that institution's cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.catalogs.in_force import entry_of_line
from safetynet.clock import local_today
from safetynet.codes import CaseState
from safetynet.review import cases
from safetynet.review.params import params_on
from safetynet.review.risk import claim_risk
from safetynet.security.scope import within
from safetynet.store.models import (
    Callback,
    CatalogItem,
    Claim,
    ClaimItem,
    Person,
    ReviewCase,
    ReviewLine,
)
from safetynet.store.models.ledger import Settlement

OPEN_STATES = (CaseState.SUBMITTED, CaseState.SELF_CHECKED, CaseState.APPEALED)


def open_for_year(session: Session, region: str, year: int, *, limit: int | None = None) -> int:
    """Open a case (with its risk score) for each of the region's settled claims of ``year``
    that has none, riskiest first (at most ``limit``); the number opened."""
    rows = session.execute(
        select(Claim.id, Claim.claim_no, Claim.institution_code)
        .join(Person, Person.id == Claim.person_id)
        .outerjoin(ReviewCase, ReviewCase.claim_id == Claim.id)
        .where(within(Person.region_code, region), ReviewCase.id.is_(None),
               Claim.id.in_(cases.settled_claims()),
               Claim.end_date >= date(year, 1, 1), Claim.end_date <= date(year, 12, 31))
    ).all()  # fmt: skip
    if not rows:
        return 0
    today = local_today()
    risk = claim_risk(session, region, [year], params_on(today).sampling_on(today))
    scored = sorted(((risk.score(no, code), cid) for cid, no, code in rows), reverse=True)
    for score, cid in scored[:limit]:
        cases.open_case(session, cid, risk_score=round(score, 3))
    return len(scored[:limit])


@dataclass(frozen=True)
class QueueRow:
    case_id: int
    claim_no: str
    institution_code: str
    kind: str
    start_date: date
    end_date: date
    total_fen: int
    risk_score: float
    flag: str | None
    state: str
    outcome: str | None
    assigned_to: str | None
    appeal_deadline: date | None


def _scoped(query, region: str, institution_code: str | None):  # type: ignore[no-untyped-def]
    query = query.join(Person, Person.id == Claim.person_id).where(
        within(Person.region_code, region)
    )
    if institution_code is not None:
        query = query.where(ReviewCase.institution_code == institution_code)
    return query


def queue(
    session: Session, *, region: str, institution_code: str | None = None,
    states: tuple[CaseState, ...] = OPEN_STATES, assigned_to: str | None = None,
    limit: int = 200,
) -> list[QueueRow]:  # fmt: skip
    """Cases in ``states``: flagged by a call-back first, then by risk score, highest first."""
    query = _scoped(
        select(ReviewCase, Claim).join(Claim, Claim.id == ReviewCase.claim_id),
        region, institution_code,
    ).where(ReviewCase.state.in_(states))  # fmt: skip
    if assigned_to is not None:
        query = query.where(ReviewCase.assigned_to == assigned_to)
    query = query.order_by(ReviewCase.flag.is_(None), ReviewCase.risk_score.desc(),
                           ReviewCase.id).limit(limit)  # fmt: skip
    return [
        QueueRow(
            case_id=c.id, claim_no=cl.claim_no, institution_code=c.institution_code,
            kind=cl.kind.value, start_date=cl.start_date, end_date=cl.end_date,
            total_fen=cl.total_fen, risk_score=c.risk_score, flag=c.flag, state=c.state.value,
            outcome=(c.final_outcome or c.outcome).value if (c.final_outcome or c.outcome)
            else None, assigned_to=c.assigned_to, appeal_deadline=c.appeal_deadline,
        )
        for c, cl in session.execute(query).all()
    ]  # fmt: skip


def case_in_scope(session: Session, case_id: int, region: str, institution_code: str | None
                  ) -> ReviewCase | None:  # fmt: skip
    """The case if the scope holds it (None otherwise: the same for missing and outside)."""
    query = _scoped(
        select(ReviewCase).join(Claim, Claim.id == ReviewCase.claim_id), region, institution_code
    ).where(ReviewCase.id == case_id)
    return session.scalar(query)


@dataclass(frozen=True)
class LineView:
    id: int
    item_code: str
    item_name: str
    service_date: date | None
    quantity: int
    amount_fen: int
    decision: str
    deducted_fen: int
    reason: str | None
    rule_id: str | None
    article: int | None
    decided_by: str | None
    round: int
    version: int


@dataclass(frozen=True)
class CaseView:
    case: ReviewCase
    claim: Claim
    lines: list[LineView]
    out_of_pocket_fen: int | None
    callbacks: list[Callback] = field(default_factory=list)

    @property
    def deducted_fen(self) -> int:
        return sum(line.deducted_fen for line in self.lines)


def case_view(session: Session, case: ReviewCase) -> CaseView:
    claim = session.get(Claim, case.claim_id)
    assert claim is not None
    rows = session.execute(
        select(ReviewLine, ClaimItem, CatalogItem.name)
        .join(ClaimItem, ClaimItem.id == ReviewLine.claim_item_id)
        .join(Claim, Claim.id == ClaimItem.claim_id)
        .outerjoin(CatalogItem, entry_of_line())  # the entry in force on the line's day
        .where(ReviewLine.case_id == case.id)
        .order_by(ReviewLine.id)
    ).all()
    lines = [
        LineView(id=r.id, item_code=i.item_code, item_name=name or i.item_code,
                 service_date=i.service_date, quantity=i.quantity, amount_fen=r.amount_fen,
                 decision=r.decision.value, deducted_fen=r.deducted_fen, reason=r.reason,
                 rule_id=r.rule_id, article=r.article, decided_by=r.decided_by, round=r.round,
                 version=r.version)
        for r, i, name in rows
    ]  # fmt: skip
    oop = session.scalar(
        select(Settlement.out_of_pocket_fen).where(
            Settlement.id.in_(cases.settled_claims().with_only_columns(Settlement.id)
                              .where(Settlement.claim_id == claim.id))
        )
    )  # fmt: skip
    calls = list(session.scalars(
        select(Callback).where(Callback.claim_id == claim.id).order_by(Callback.id)
    ))  # fmt: skip
    return CaseView(case, claim, lines, oop, calls)


@dataclass(frozen=True)
class BillDay:
    day: date
    lines: list[tuple[str, str, int, int]]  # code, name, quantity, amount (fen)

    @property
    def total_fen(self) -> int:
        return sum(line[3] for line in self.lines)


def daily_bill(session: Session, claim: Claim) -> list[BillDay]:
    """The stay's items per day of service (items without a day: on the admission day)."""
    rows = session.execute(
        select(ClaimItem.service_date, ClaimItem.item_code, CatalogItem.name,
               ClaimItem.quantity, ClaimItem.amount_fen)
        .join(Claim, Claim.id == ClaimItem.claim_id)
        .outerjoin(CatalogItem, entry_of_line())
        .where(ClaimItem.claim_id == claim.id)
        .order_by(ClaimItem.service_date, ClaimItem.id)
    ).all()  # fmt: skip
    days: dict[date, list[tuple[str, str, int, int]]] = {}
    for day, code, name, qty, amount in rows:
        days.setdefault(day or claim.start_date, []).append((code, name or code, qty, amount))
    return [BillDay(d, days[d]) for d in sorted(days)]
