"""Review cases per claim: the institution's self-check, line decisions, appeal, second decision.

A case moves ``submitted → self_checked → reviewed → closed``, or ``reviewed → appealed →
closed`` when the institution appeals before the deadline; a refund of the claim makes it
``void`` (:mod:`safetynet.review.refunds`). Each line is approved, adjusted (an amount in
fen the institution bears, with reason, rule and article) or rejected (all of it).

Concurrency is optimistic: every change names the ``version`` it was made on and is applied
with ``UPDATE … WHERE version = :seen``; when another reviewer changed the row first the
request is refused with ``line_changed`` / ``case_changed`` (HTTP 409) naming who did. The
same decision sent twice (a double click, a retry) is answered from the row: a decision is
idempotent and appends nothing the second time.

Defined outcomes: a second adjustment of a line before the review is finished replaces the
first and the ledger records the difference; once the case is reviewed its lines change only
on appeal (``case_decided``); an appeal after the deadline is refused (``appeal_late``) and
the case stays reviewed; a case of a refunded claim refuses every change (``case_void``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased

from safetynet.codes import CaseState, DeductionKind, LineDecision, Outcome
from safetynet.review import deductions
from safetynet.review.errors import ReviewError
from safetynet.review.params import params_on
from safetynet.review.schema import ReviewParams
from safetynet.security import audit
from safetynet.security.roles import Permission, allows
from safetynet.security.scope import within
from safetynet.security.users import find_user
from safetynet.store.models import Claim, ClaimItem, Person, ReviewCase, ReviewLine
from safetynet.store.models.ledger import EntryKind, Settlement
from safetynet.store.models.security import User

FIRST_ROUND = (CaseState.SUBMITTED, CaseState.SELF_CHECKED)
REASON_NEEDED = (LineDecision.ADJUSTED, LineDecision.REJECTED)


def settled_claims():  # type: ignore[no-untyped-def]
    """A query of the ids of claims with a settlement that was not refunded."""
    reversal = aliased(Settlement)
    return select(Settlement.claim_id).where(
        Settlement.entry_kind == EntryKind.SETTLEMENT,
        ~exists().where(reversal.reverses_id == Settlement.id),
    )


def _case(session: Session, case_id: int) -> ReviewCase:
    case = session.get(ReviewCase, case_id)
    if case is None:
        raise ReviewError("case_unknown", f"no review case {case_id}", status=404)
    session.refresh(case)
    return case


def open_case(session: Session, claim_id: int, *, risk_score: float = 0.0,
              flag: str | None = None) -> ReviewCase:  # fmt: skip
    """The claim's case, opened (``submitted``, a pending line per item) if it has none.

    Only a settled, unrefunded claim is reviewed (``claim_not_settled`` otherwise)."""
    existing = session.scalar(select(ReviewCase).where(ReviewCase.claim_id == claim_id))
    if existing is not None:
        if flag and not existing.flag:
            existing.flag = flag
        return existing
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise ReviewError("claim_unknown", f"no claim {claim_id}", status=404)
    if session.scalar(settled_claims().where(Settlement.claim_id == claim_id)) is None:
        raise ReviewError("claim_not_settled", f"claim {claim.claim_no} is not settled", status=409)
    case = ReviewCase(
        claim_id=claim_id, institution_code=claim.institution_code, state=CaseState.SUBMITTED,
        risk_score=risk_score, flag=flag, version=0,
    )  # fmt: skip
    session.add(case)
    session.flush()
    items = session.execute(
        select(ClaimItem.id, ClaimItem.amount_fen, ClaimItem.deducted_fen)
        .where(ClaimItem.claim_id == claim_id)
        .order_by(ClaimItem.id)
    ).all()
    session.add_all(
        ReviewLine(case_id=case.id, claim_item_id=i, amount_fen=amount - pre,
                   decision=LineDecision.PENDING, deducted_fen=0, round=0, version=0)
        for i, amount, pre in items
    )  # fmt: skip
    session.flush()
    return case


def _bump_case(session: Session, case: ReviewCase, seen: int | None, **values: Any) -> None:
    """Apply ``values`` to the case if it is still at version ``seen`` (or its current one)."""
    version = case.version if seen is None else seen
    done = session.execute(
        update(ReviewCase)
        .where(ReviewCase.id == case.id, ReviewCase.version == version)
        .values(version=version + 1, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        session.refresh(case)
        raise ReviewError(
            "case_changed",
            f"case {case.id} was changed meanwhile (now {case.state.value}, version "
            f"{case.version}); reload it",
            status=409,
        )
    session.refresh(case)


def self_check(session: Session, case_id: int, *, by: str, note: str,
               version: int | None = None) -> ReviewCase:  # fmt: skip
    """The institution's office has checked the claim (``submitted → self_checked``)."""
    case = _case(session, case_id)
    if case.state == CaseState.SELF_CHECKED and case.self_checked_by == by and \
            case.self_check_note == note:  # fmt: skip
        return case  # the same request again
    if case.state != CaseState.SUBMITTED:
        raise ReviewError("case_state", f"case {case_id} is {case.state.value}", status=409)
    _bump_case(session, case, version, state=CaseState.SELF_CHECKED, self_check_note=note,
               self_checked_by=by)  # fmt: skip
    audit.record(session, username=by, action="review.self_check", target="review_case",
                 target_id=str(case_id), detail={"note": note})  # fmt: skip
    return case


def assign(session: Session, case_id: int, *, reviewer: str | None, by: str,
           version: int | None = None) -> ReviewCase:  # fmt: skip
    """Give the case to a reviewer (``None``: back to the queue), named in any case (the
    account's own name is kept)."""
    case = _case(session, case_id)
    if reviewer is not None and (account := find_user(session, reviewer)) is not None:
        reviewer = account.username
    if case.assigned_to == reviewer:
        return case
    if case.state not in (*FIRST_ROUND, CaseState.APPEALED):
        raise ReviewError("case_state", f"case {case_id} is {case.state.value}", status=409)
    if reviewer is not None and not _may_review(session, case, reviewer):
        raise ReviewError(
            "reviewer_unknown",
            f"{reviewer} is no active reviewer whose region holds case {case_id}",
        )
    _bump_case(session, case, version, assigned_to=reviewer)
    audit.record(session, username=by, action="review.assign", target="review_case",
                 target_id=str(case_id), detail={"reviewer": reviewer})  # fmt: skip
    return case


def _may_review(session: Session, case: ReviewCase, username: str) -> bool:
    """Whether ``username`` may decide the case's lines: an active user whose role reviews
    claims, not bound to an institution (an office does not decide), whose region holds the
    claim's person (the scope the pages and the API give reviewers)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or user.institution_code is not None:
        return False
    if not allows(user.role, Permission.REVIEW_CLAIMS):
        return False
    held = (
        select(Claim.id)
        .join(Person, Person.id == Claim.person_id)
        .where(Claim.id == case.claim_id, within(Person.region_code, user.region_code))
    )
    return session.scalar(held) is not None


@dataclass(frozen=True)
class Decided:
    line: ReviewLine
    replayed: bool  # the same decision was already recorded: nothing appended


def _deducted(decision: LineDecision, amount_fen: int, deduct_fen: int | None) -> int:
    if decision == LineDecision.APPROVED:
        if deduct_fen:
            raise ReviewError("deduct_with_approval", "an approved line deducts nothing")
        return 0
    if decision == LineDecision.REJECTED:
        if deduct_fen not in (None, amount_fen):
            raise ReviewError("deduct_with_rejection", "a rejected line deducts all of it")
        return amount_fen
    if decision == LineDecision.ADJUSTED:
        if deduct_fen is None or not 0 < deduct_fen < amount_fen:
            raise ReviewError(
                "deduct_out_of_range",
                f"an adjustment deducts more than 0 and less than the line's {amount_fen} fen",
            )
        return deduct_fen
    raise ReviewError("decision_unknown", f"no decision {decision}")


def decide_line(
    session: Session,
    line_id: int,
    *,
    decision: LineDecision | str,
    by: str,
    version: int,
    deduct_fen: int | None = None,
    reason: str | None = None,
    rule_id: str | None = None,
    article: int | None = None,
) -> Decided:
    """Approve, adjust or reject a line, as seen at ``version``.

    The institution bears the deducted amount: the ledger gets the difference to what the line
    deducted before (nothing when it is the same), the patient's settlement is not touched."""
    decision = LineDecision(decision)
    line = session.get(ReviewLine, line_id)
    if line is None:
        raise ReviewError("line_unknown", f"no review line {line_id}", status=404)
    session.refresh(line)
    case = _case(session, line.case_id)
    new_deducted = _deducted(decision, line.amount_fen, deduct_fen)
    reason = (reason or "").strip() or None
    if decision in REASON_NEEDED and reason is None:
        raise ReviewError("reason_missing", "an adjustment or a rejection needs a reason")
    if article is not None and not 1 <= article <= 50:
        raise ReviewError("article_unknown", f"Decree No. 735 has no article {article}")
    same = (line.decision == decision and line.deducted_fen == new_deducted
            and line.reason == reason and line.rule_id == rule_id and line.article == article
            and line.decided_by == by)  # fmt: skip
    if same and line.version == version + 1:
        return Decided(line, replayed=True)
    if case.state == CaseState.VOID:
        raise ReviewError("case_void", f"the claim of case {case.id} was refunded", status=409)
    if case.state in (CaseState.REVIEWED, CaseState.CLOSED):
        raise ReviewError(
            "case_decided",
            f"case {case.id} is {case.state.value}: its lines change only on appeal",
            status=409,
        )
    round_ = 2 if case.state == CaseState.APPEALED else 1
    before = line.deducted_fen
    done = session.execute(
        update(ReviewLine)
        .where(ReviewLine.id == line_id, ReviewLine.version == version)
        .values(decision=decision, deducted_fen=new_deducted, reason=reason, rule_id=rule_id,
                article=article, decided_by=by, decided_at=deductions.now(), round=round_,
                version=version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount  # fmt: skip
    session.refresh(line)
    if done != 1:
        who = f" by {line.decided_by}" if line.decided_by else ""
        raise ReviewError(
            "line_changed",
            f"line {line_id} was decided{who} meanwhile ({line.decision.value}, version "
            f"{line.version}); reload it",
            status=409,
        )
    claim = session.get(Claim, case.claim_id)
    assert claim is not None
    deductions.append(
        session, kind=DeductionKind.APPEAL if round_ == 2 else DeductionKind.DECISION,
        institution_code=case.institution_code, amount_fen=new_deducted - before,
        reason=reason or decision.value, decided_by=by, claim_id=claim.id,
        claim_item_id=line.claim_item_id, case_id=case.id, rule_id=rule_id, article=article,
    )  # fmt: skip
    audit.record(
        session, username=by, action="review.decide", target="review_line",
        target_id=str(line_id),
        detail={"case": case.id, "decision": decision.value, "deducted_fen": new_deducted,
                "before_fen": before, "reason": reason, "rule": rule_id, "article": article,
                "round": round_},
    )  # fmt: skip
    return Decided(line, replayed=False)


def lines(session: Session, case_id: int) -> list[ReviewLine]:
    return list(
        session.scalars(
            select(ReviewLine).where(ReviewLine.case_id == case_id).order_by(ReviewLine.id)
        )
    )


def outcome_of(decisions: list[LineDecision]) -> Outcome:
    """All approved: approved; all rejected: rejected; anything else: adjusted."""
    if all(d == LineDecision.APPROVED for d in decisions):
        return Outcome.APPROVED
    if all(d == LineDecision.REJECTED for d in decisions):
        return Outcome.REJECTED
    return Outcome.ADJUSTED


def finish(
    session: Session,
    case_id: int,
    *,
    by: str,
    today: date,
    version: int | None = None,
    params: ReviewParams | None = None,
) -> ReviewCase:
    """Record the decision on the whole claim once every line is decided.

    First round: ``reviewed``, with the appeal deadline: ``today`` + the deadline in force on
    ``today`` (the decision's day: the deadline runs from the decision, under the rule of its
    day; ``params`` default to the file in force that day). After an appeal: ``closed`` with
    the final outcome."""
    case = _case(session, case_id)
    if case.state in (CaseState.REVIEWED, CaseState.CLOSED) and case.decided_by == by:
        return case  # the same request again
    rows = lines(session, case_id)
    pending = [r.id for r in rows if r.decision == LineDecision.PENDING]
    if pending:
        raise ReviewError("lines_pending", f"{len(pending)} line(s) not decided yet")
    outcome = outcome_of([r.decision for r in rows])
    if case.state in FIRST_ROUND:
        appeal_rule = (params or params_on(today)).appeal_on(today)
        deadline = today + timedelta(days=int(appeal_rule.deadline.value))
        _bump_case(session, case, version, state=CaseState.REVIEWED, outcome=outcome,
                   decided_by=by, decided_on=today, appeal_deadline=deadline)  # fmt: skip
    elif case.state == CaseState.APPEALED:
        _bump_case(session, case, version, state=CaseState.CLOSED, final_outcome=outcome,
                   decided_by=by, decided_on=today, closed_on=today)  # fmt: skip
    else:
        raise ReviewError("case_state", f"case {case_id} is {case.state.value}", status=409)
    audit.record(session, username=by, action="review.finish", target="review_case",
                 target_id=str(case_id),
                 detail={"outcome": outcome.value, "state": case.state.value})  # fmt: skip
    return case


def appeal(session: Session, case_id: int, *, by: str, reason: str, today: date,
           version: int | None = None) -> ReviewCase:  # fmt: skip
    """The institution appeals a reviewed case, on or before its deadline."""
    case = _case(session, case_id)
    if case.state == CaseState.APPEALED and case.appealed_by == by and case.appeal_reason == reason:
        return case
    if not reason.strip():
        raise ReviewError("reason_missing", "an appeal needs a reason")
    if case.state != CaseState.REVIEWED:
        raise ReviewError("case_state", f"case {case_id} is {case.state.value}", status=409)
    assert case.appeal_deadline is not None
    if today > case.appeal_deadline:
        raise ReviewError(
            "appeal_late",
            f"the appeal deadline of case {case_id} was {case.appeal_deadline.isoformat()}",
            status=409,
        )
    _bump_case(session, case, version, state=CaseState.APPEALED, appeal_reason=reason.strip(),
               appealed_by=by, appealed_on=today)  # fmt: skip
    audit.record(session, username=by, action="review.appeal", target="review_case",
                 target_id=str(case_id), detail={"reason": reason})  # fmt: skip
    return case


def close(session: Session, case_id: int, *, by: str, today: date, accepted: bool = False,
          version: int | None = None, now: date | None = None) -> ReviewCase:  # fmt: skip
    """Close a reviewed case, dated ``today``: when the institution accepts the decision, or
    after the deadline — passed by ``now`` (the server's date, when the close's date is
    written by the user: a date written ahead does not end the appeal early)."""
    case = _case(session, case_id)
    if case.state == CaseState.CLOSED:
        return case
    if case.state != CaseState.REVIEWED:
        raise ReviewError("case_state", f"case {case_id} is {case.state.value}", status=409)
    assert case.appeal_deadline is not None
    if not accepted and min(today, now or today) <= case.appeal_deadline:
        raise ReviewError(
            "appeal_open",
            f"case {case_id} may be appealed until {case.appeal_deadline.isoformat()}",
            status=409,
        )
    _bump_case(session, case, version, state=CaseState.CLOSED, final_outcome=case.outcome,
               closed_on=today)  # fmt: skip
    audit.record(session, username=by, action="review.close", target="review_case",
                 target_id=str(case_id), detail={"accepted": accepted})  # fmt: skip
    return case
