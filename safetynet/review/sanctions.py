"""Sanctions under Decree No. 735: a case per finding, its fine, what is recovered, suspensions.

A sanction case names the article, the fund's loss and the fine as a multiple of the loss
within the article's range (art. 38: 1–2×, art. 40 and 41: 2–5×; ``files/``). The fine in
fen is ``loss × multiple``, rounded half up to the fen. Recoveries are appended; what is
outstanding is ``loss + fine − recovered`` and a case is ``settled`` once it is zero.

Each recovery is posted to the fund journal as it is recorded (kind ``recovery``, reference
``recovery:sanction-<recovery id>``, to the funds file's ``deductions_fund``): an
institution's is offset against what the fund owes it (Dr ``payable``, so its next payment
round pays that much less), a person's is cash received (Dr ``cash``); both Cr
``recoveries``. A case cancelled (overturned) takes no more recoveries, and each posted one
is reversed (kind ``recovery_undo``, reference ``recovery_undo:sanction-<id>``): the
institution is owed it again (its next payment round pays it), the person is owed a refund
(Cr ``refund_payable``). :func:`refund_case` pays a person's refund once (kind ``refund``,
reference ``refund:sanction-case-<case id>``: Dr ``refund_payable``, Cr ``cash``) by what the
journal records as owed back for the case. Posting is idempotent by reference.

A suspension is a dated fact ``[valid_from, valid_to)``: an institution's department for
6–12 months (art. 38, 40) or a person's direct settlement for 3–12 months (art. 41), the
months within the article's range as in force on ``valid_from``; ``valid_to`` is
:func:`add_months` (the same day of the month, the month's last day when it has none). The
window enforces them (:mod:`safetynet.review.gate`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, SanctionState, SuspensionScope
from safetynet.funds.journal import payer_of
from safetynet.funds.posting import Deduction as FundDeduction
from safetynet.funds.posting import post_deductions
from safetynet.review import deductions
from safetynet.review.errors import ReviewError
from safetynet.review.params import params_on
from safetynet.review.schema import Article, Range, ReviewParams
from safetynet.security import audit
from safetynet.security.scope import within
from safetynet.store.models import (
    Claim,
    FundEntry,
    FundLine,
    Institution,
    Person,
    ReviewCase,
    SanctionCase,
    SanctionRecovery,
    Suspension,
)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _article(params: ReviewParams | None, number: int, day: date) -> Article:
    """Article ``number`` as in force on ``day`` (of ``params``, default the review
    parameters in force that day: :func:`safetynet.review.params.params_on`)."""
    params = params or params_on(day)
    if number not in params.articles:
        known = ", ".join(str(n) for n in sorted(params.articles))
        raise ReviewError("article_unknown", f"article {number} is not sanctioned here ({known})")
    return params.article_on(number, day)


def _within(rng: Range, value: Decimal, what: str, code: str) -> None:
    low, high = Decimal(str(rng.min.value)), Decimal(str(rng.max.value))
    if not low <= value <= high:
        raise ReviewError(code, f"{what} {value} is outside {low}–{high}")


def fine_fen(loss_fen: int, multiple: Decimal) -> int:
    """``loss × multiple`` in fen, half up."""
    return int((Decimal(loss_fen) * multiple).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _fixed_fine_fen(rules: Article, article: int, fine_yuan: Decimal | str | None) -> int:
    """The fixed fine of ``rules`` (art. 39) in fen: given, in yuan, within its range."""
    assert rules.fixed_fine is not None
    if fine_yuan is None or not str(fine_yuan).strip():
        raise ReviewError("fine_amount_missing", f"article {article} fines a fixed amount")
    try:
        yuan = Decimal(str(fine_yuan).strip())
    except InvalidOperation:
        raise ReviewError("fine_amount_invalid", f"{fine_yuan!r} is not an amount") from None
    if not yuan.is_finite() or yuan * 100 != int(yuan * 100):
        raise ReviewError("fine_amount_invalid", "an amount has at most two decimals")
    low = Decimal(str(rules.fixed_fine.min.value))
    high = Decimal(str(rules.fixed_fine.max.value))
    if not low <= yuan <= high:
        raise ReviewError("fine_amount_out_of_range",
                          f"a fine of {yuan} yuan under article {article} is outside "
                          f"{low}–{high} yuan")  # fmt: skip
    return int(yuan * 100)


def open_case(
    session: Session,
    *,
    article: int,
    finding: str,
    loss_fen: int,
    fine_multiple: Decimal | str | float | None = None,
    by: str,
    today: date,
    institution_code: str | None = None,
    person_id: int | None = None,
    review_case_id: int | None = None,
    params: ReviewParams | None = None,
    fine_yuan: Decimal | str | None = None,
    occurred_on: date | None = None,
) -> SanctionCase:
    """A sanction case for a finding; the multiple must be within the article's range (an
    article with a fixed fine, art. 39: ``fine_yuan`` within its range, and no multiple; an
    article that fines only fraud, art. 41: no multiple is a case without fraud, no fine).
    The article is read as in force on the day the violation occurred (``occurred_on``,
    default ``today``; the Administrative Penalty Law applies the rules of the time of the
    act): before it was in force the case is refused ``params_not_in_force``."""
    if occurred_on is not None and occurred_on > today:
        raise ReviewError("occurred_future", "the violation occurred after the case is opened")
    rules = _article(params, article, occurred_on or today)
    if rules.fixed_fine is not None:
        if fine_multiple is not None and str(fine_multiple).strip():
            raise ReviewError(
                "article_fixed_fine", f"article {article} fines a fixed amount, not a multiple"
            )
        multiple = Decimal(0)
        fine = _fixed_fine_fen(rules, article, fine_yuan)
    elif rules.fine is None:
        raise ReviewError("article_no_fine", f"article {article} sets no fine multiple")
    elif rules.fine_if is not None and (fine_multiple is None or not str(fine_multiple).strip()):
        multiple, fine = Decimal(0), 0  # not fraud: repaid, no fine (art. 41)
    else:
        try:
            multiple = Decimal(str(fine_multiple))
        except InvalidOperation:
            raise ReviewError("fine_multiple_invalid",
                              f"{fine_multiple!r} is not a number") from None  # fmt: skip
        if not multiple.is_finite():  # NaN is not ordered: compared, it would raise
            raise ReviewError("fine_multiple_invalid", f"{fine_multiple!r} is not a number")
        _within(rules.fine, multiple, f"a fine of {multiple}× under article {article}:",
                "fine_multiple_out_of_range")  # fmt: skip
        if multiple * 100 != int(multiple * 100):
            raise ReviewError("fine_multiple_invalid", "a multiple has at most two decimals")
        fine = fine_fen(loss_fen, multiple)
    if loss_fen < 0:
        raise ReviewError("loss_negative", "the loss to the fund is not negative")
    if (institution_code is None) == (person_id is None):
        raise ReviewError("party_missing", "a case names an institution or a person")
    if institution_code is not None and session.get(Institution, institution_code) is None:
        raise ReviewError("institution_unknown", f"no institution {institution_code}", status=404)
    if not finding.strip():
        raise ReviewError("finding_missing", "a case states its finding")
    if review_case_id is not None:  # its recoveries go to the claim's county: the right claim
        _check_review_case(session, review_case_id, institution_code, person_id)
        _check_not_sanctioned(session, review_case_id, institution_code, person_id)
    case = SanctionCase(
        institution_code=institution_code, person_id=person_id, review_case_id=review_case_id,
        article=article, finding=finding.strip(), loss_fen=loss_fen,
        fine_multiple_pct=int(multiple * 100), fine_fen=fine,
        state=SanctionState.OPEN if loss_fen + fine else SanctionState.SETTLED, opened_by=by,
        opened_on=today, version=0,
    )  # fmt: skip
    _insert(session, case)
    audit.record(session, username=by, action="sanction.open", target="sanction_case",
                 target_id=str(case.id),
                 detail={"article": article, "loss_fen": loss_fen,
                         "fine_multiple": str(multiple), "fine_fen": case.fine_fen})  # fmt: skip
    return case


def _insert(session: Session, case: SanctionCase) -> None:
    """Write a new case. Two requests at once may both pass :func:`_check_not_sanctioned`;
    the database's partial unique index (one standing case per review case and party) lets
    one in and refuses the other, which is answered as the check would (``already_sanctioned``,
    409) once the first is committed."""
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        if case.review_case_id is not None:
            _check_not_sanctioned(session, case.review_case_id, case.institution_code,
                                  case.person_id)  # fmt: skip
        raise


def _check_review_case(
    session: Session, review_case_id: int, institution_code: str | None, person_id: int | None
) -> None:
    """The review case a sanction names: known (``case_unknown``, 404), and of the sanctioned
    institution or person (``case_party``): its recoveries go back to the county of that
    claim's patient."""
    row = session.execute(
        select(ReviewCase.institution_code, Claim.person_id)
        .join(Claim, Claim.id == ReviewCase.claim_id)
        .where(ReviewCase.id == review_case_id)
    ).first()
    if row is None:
        raise ReviewError("case_unknown", f"no review case {review_case_id}", status=404)
    if (institution_code is not None and row[0] != institution_code) or (
        person_id is not None and row[1] != person_id
    ):
        raise ReviewError("case_party", f"review case {review_case_id} is another party's")


def _check_not_sanctioned(
    session: Session, review_case_id: int, institution_code: str | None, person_id: int | None
) -> None:
    """One act, one sanction (Administrative Penalty Law art. 29: no second fine for the same
    act): a party with a standing case on the review case — not cancelled, settled or not —
    is refused ``already_sanctioned`` (409); once that case is cancelled (overturned) a new
    one may be opened. Another party of the same claim (the hospital and the patient) has
    cases of its own."""
    party = (
        SanctionCase.institution_code == institution_code
        if institution_code is not None
        else SanctionCase.person_id == person_id
    )
    standing = session.scalar(
        select(SanctionCase.id)
        .where(SanctionCase.review_case_id == review_case_id, party)
        .where(SanctionCase.cancelled_on.is_(None))
        .limit(1)
    )
    if standing is not None:
        raise ReviewError(
            "already_sanctioned",
            f"sanction case {standing} already sanctions this party for review case "
            f"{review_case_id}",
            status=409,
        )


def recovered_fen(session: Session, case_id: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(SanctionRecovery.amount_fen), 0)).where(
            SanctionRecovery.case_id == case_id
        )
    )
    return int(total or 0)


def _open_case(session: Session, case_id: int) -> SanctionCase:
    """The case, locked for a change; refused when unknown or cancelled."""
    case = session.get(SanctionCase, case_id, with_for_update=True)
    if case is None:
        raise ReviewError("sanction_unknown", f"no sanction case {case_id}", status=404)
    if case.cancelled_on is not None:
        raise ReviewError("sanction_cancelled", f"sanction case {case_id} is cancelled",
                          status=409)  # fmt: skip
    return case


def record_recovery(session: Session, case_id: int, *, amount_fen: int, by: str,
                    received_on: date, note: str | None = None) -> SanctionCase:  # fmt: skip
    """Append an amount recovered; not more than is outstanding."""
    case = _open_case(session, case_id)
    if amount_fen <= 0:
        raise ReviewError("recovery_not_positive", "a recovery is more than zero")
    owed = case.loss_fen + case.fine_fen - recovered_fen(session, case_id)
    if amount_fen > owed:
        raise ReviewError("recovery_exceeds", f"only {owed} fen is outstanding", status=409)
    row = SanctionRecovery(case_id=case_id, amount_fen=amount_fen, received_on=received_on,
                           note=note, recorded_by=by, at=deductions.now())  # fmt: skip
    session.add(row)
    session.flush()
    _post(session, case, [row], "recovery", received_on, by)
    if amount_fen == owed:
        case.state = SanctionState.SETTLED
    case.version += 1
    session.flush()
    audit.record(session, username=by, action="sanction.recover", target="sanction_case",
                 target_id=str(case_id), detail={"amount_fen": amount_fen})  # fmt: skip
    return case


def _post(session: Session, case: SanctionCase, rows: list[SanctionRecovery],
          kind: str, on: date | None, by: str) -> None:  # fmt: skip
    """Post recoveries (or their undo, dated ``on``) to the fund journal, once each, in the
    money of the county that lost it (:func:`_payer_county`)."""
    payer = _payer_county(session, case)
    post_deductions(session, [
        FundDeduction(
            institution_code=case.institution_code or "", amount_fen=r.amount_fen,
            on=on or r.received_on, reference=f"sanction-{r.id}",
            reason=f"sanction case {case.id}, art. {case.article}: {case.finding}",
            kind=kind, payer_region=payer,  # type: ignore[arg-type]
        )
        for r in rows
    ], user=by)  # fmt: skip


def _payer_county(session: Session, case: SanctionCase) -> str | None:
    """The county whose fund a case's recoveries go back to: a person's, their county; a
    case on a reviewed claim, the county of the claim's patient, whose fund paid the claim
    (as the claim's review deductions, :func:`safetynet.review.deductions._payer`: a
    hospital of county A fined for a county-B resident's claim repays B); otherwise None,
    the institution's county."""
    if case.person_id is None and case.review_case_id is not None:
        return payer_of(session.scalar(
            select(Person.region_code)
            .join(Claim, Claim.person_id == Person.id)
            .join(ReviewCase, ReviewCase.claim_id == Claim.id)
            .where(ReviewCase.id == case.review_case_id)
        ))  # fmt: skip
    return _person_county(session, case)


def _person_county(session: Session, case: SanctionCase) -> str | None:
    """The paying county of a person's case (None for an institution's: its county)."""
    if case.person_id is None:
        return None
    return payer_of(session.scalar(select(Person.region_code).where(Person.id == case.person_id)))


def cancel_case(session: Session, case_id: int, *, by: str, on: date, reason: str
                ) -> SanctionCase:  # fmt: skip
    """Cancel (overturn) a case on ``on``: no more recoveries, and every recovery posted to
    the fund journal is reversed on that day. Cancelling twice is refused."""
    case = _open_case(session, case_id)
    if not reason.strip():
        raise ReviewError("reason_missing", "a cancellation needs a reason")
    case.cancelled_on, case.cancelled_by, case.cancel_reason = on, by, reason.strip()[:200]
    case.version += 1
    rows = list(session.scalars(
        select(SanctionRecovery).where(SanctionRecovery.case_id == case_id)
        .order_by(SanctionRecovery.id)
    ))  # fmt: skip
    _post(session, case, rows, "recovery_undo", on, by)
    session.flush()
    audit.record(session, username=by, action="sanction.cancel", target="sanction_case",
                 target_id=str(case_id),
                 detail={"reversed_fen": sum(r.amount_fen for r in rows)})  # fmt: skip
    return case


def refund_reference(case_id: int) -> str:
    """The reference of a case's refund in the fund journal."""
    return f"refund:sanction-case-{case_id}"


def refund_due_fen(session: Session, case_id: int) -> int:
    """What the fund owes a person back for a cancelled case, as its journal records it: the
    ``refund_payable`` credited by the case's recovery undos, less the refund paid (0 for an
    institution's case, whose undo the next payment round gives back)."""
    refs = [f"recovery_undo:sanction-{r}" for r in session.scalars(
        select(SanctionRecovery.id).where(SanctionRecovery.case_id == case_id))]  # fmt: skip
    refs.append(refund_reference(case_id))
    owed = session.scalar(
        select(func.coalesce(func.sum(FundLine.amount_fen), 0))
        .join(FundEntry, FundEntry.id == FundLine.entry_id)
        .where(FundEntry.reference.in_(refs), FundLine.account == "refund_payable")
    )
    return -int(owed or 0)


def refund_case(session: Session, case_id: int, *, by: str, on: date) -> int:
    """Pay a person back what was recovered on a case cancelled after the recovery: posted
    once to the fund journal (Dr ``refund_payable``, Cr ``cash``, dated ``on``), audited;
    the fen paid (0 when refunded already: nothing is posted twice)."""
    case = session.get(SanctionCase, case_id, with_for_update=True)
    if case is None:
        raise ReviewError("sanction_unknown", f"no sanction case {case_id}", status=404)
    if case.person_id is None:
        raise ReviewError(
            "refund_institution",
            f"sanction case {case_id} is an institution's: its next payment round pays it back",
            status=409,
        )
    if case.cancelled_on is None:
        raise ReviewError("sanction_not_cancelled", f"sanction case {case_id} is not cancelled",
                          status=409)  # fmt: skip
    if session.scalar(select(FundEntry.id).where(FundEntry.reference == refund_reference(case_id))):
        return 0  # refunded already
    due = refund_due_fen(session, case_id)
    if due <= 0:
        raise ReviewError("refund_nothing_due", f"nothing is owed back on case {case_id}",
                          status=409)  # fmt: skip
    post_deductions(session, [FundDeduction(
        institution_code="", amount_fen=due, on=on, reference=f"sanction-case-{case_id}",
        reason=f"refund of sanction case {case_id}, art. {case.article}: {case.finding}",
        kind="refund", payer_region=_person_county(session, case),
    )], user=by)  # fmt: skip
    case.version += 1
    session.flush()
    detail = {"amount_fen": due, "on": on.isoformat()}
    audit.record(session, username=by, action="sanction.refund", target="sanction_case",
                 target_id=str(case_id), detail=detail)  # fmt: skip
    return due


@dataclass(frozen=True)
class CaseRow:
    """A sanction case with its sums, as lists and exports show it."""

    id: int
    party: str  # institution code, or the person's resident ID
    article: int
    finding: str
    loss_fen: int
    fine_multiple: Decimal
    fine_fen: int
    assessed_fen: int  # loss + fine
    recovered_fen: int
    outstanding_fen: int
    state: str  # open, settled, or cancelled (overturned: its recoveries reversed)
    opened_on: date
    region_code: str | None  # the institution's or the person's region
    refund_due_fen: int = 0  # a cancelled person's case: owed back, not yet refunded


def case_rows(session: Session, institution_code: str | None = None) -> list[CaseRow]:
    """Every sanction case (of one institution), newest first, with recovered and outstanding."""
    recovered = (
        select(SanctionRecovery.case_id, func.sum(SanctionRecovery.amount_fen).label("fen"))
        .group_by(SanctionRecovery.case_id)
        .subquery()
    )
    query = (
        select(
            SanctionCase,
            Person.resident_id,
            func.coalesce(recovered.c.fen, 0),
            func.coalesce(Institution.region_code, Person.region_code),
        )
        .outerjoin(recovered, recovered.c.case_id == SanctionCase.id)
        .outerjoin(Person, Person.id == SanctionCase.person_id)
        .outerjoin(Institution, Institution.code == SanctionCase.institution_code)
        .order_by(SanctionCase.id.desc())
    )
    if institution_code is not None:
        query = query.where(SanctionCase.institution_code == institution_code)
    out = []
    for case, resident_id, got, region in session.execute(query):
        assessed = case.loss_fen + case.fine_fen
        out.append(CaseRow(
            id=case.id, party=case.institution_code or resident_id or "", article=case.article,
            finding=case.finding, loss_fen=case.loss_fen,
            fine_multiple=Decimal(case.fine_multiple_pct) / 100, fine_fen=case.fine_fen,
            assessed_fen=assessed, recovered_fen=int(got),
            outstanding_fen=0 if case.cancelled_on else assessed - int(got),
            state="cancelled" if case.cancelled_on else case.state.value,
            opened_on=case.opened_on, region_code=region,
            refund_due_fen=refund_due_fen(session, case.id)
            if case.cancelled_on and case.person_id else 0,
        ))  # fmt: skip
    return out


def _months(params: ReviewParams | None, article: int, scope: SuspensionScope, months: int,
            day: date) -> None:  # fmt: skip
    rules = _article(params, article, day)
    rng = (
        rules.person_suspension if scope == SuspensionScope.PERSON else rules.department_suspension
    )
    if rng is None:
        raise ReviewError("article_no_suspension",
                          f"article {article} suspends no {scope.value}")  # fmt: skip
    _within(rng, Decimal(months), f"a suspension of {months} months under article {article}:",
            "suspension_out_of_range")  # fmt: skip


def suspend_person(
    session: Session, *, person_id: int, article: int, months: int, valid_from: date,
    reason: str, by: str, sanction_case_id: int | None = None,
    params: ReviewParams | None = None,
) -> Suspension:  # fmt: skip
    """Suspend a person's direct settlement for ``months`` from ``valid_from``."""
    _months(params, article, SuspensionScope.PERSON, months, valid_from)
    if session.get(Person, person_id) is None:
        raise ReviewError("person_unknown", f"no person {person_id}", status=404)
    return _suspend(session, SuspensionScope.PERSON, article, months, valid_from, reason, by,
                    sanction_case_id, person_id=person_id)  # fmt: skip


def suspend_department(
    session: Session, *, institution_code: str, department: str, claim_kinds: list[str],
    article: int, months: int, valid_from: date, reason: str, by: str,
    sanction_case_id: int | None = None, params: ReviewParams | None = None,
) -> Suspension:  # fmt: skip
    """Suspend an institution's department: its claims of ``claim_kinds`` (all kinds when
    empty) are refused at the window for ``months`` from ``valid_from``."""
    _months(params, article, SuspensionScope.DEPARTMENT, months, valid_from)
    if session.get(Institution, institution_code) is None:
        raise ReviewError("institution_unknown", f"no institution {institution_code}", status=404)
    known = {k.value for k in ClaimKind}
    unknown = sorted({k for k in claim_kinds if k not in known})
    if unknown:
        raise ReviewError("claim_kind_unknown", f"no claim kind {', '.join(unknown)}")
    kinds = [ClaimKind(k).value for k in claim_kinds]
    if not department.strip():
        raise ReviewError("department_missing", "name the department")
    return _suspend(session, SuspensionScope.DEPARTMENT, article, months, valid_from, reason, by,
                    sanction_case_id, institution_code=institution_code,
                    department=department.strip(), claim_kinds=kinds)  # fmt: skip


def _suspend(session: Session, scope: SuspensionScope, article: int, months: int,
             valid_from: date, reason: str, by: str, sanction_case_id: int | None,
             **party: object) -> Suspension:  # fmt: skip
    if not reason.strip():
        raise ReviewError("reason_missing", "a suspension needs a reason")
    row = Suspension(
        scope=scope, article=article, reason=reason.strip(), valid_from=valid_from,
        valid_to=add_months(valid_from, months), created_by=by,
        sanction_case_id=sanction_case_id, **party,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(session, username=by, action="sanction.suspend", target="suspension",
                 target_id=str(row.id),
                 detail={"scope": scope.value, "article": article, "months": months,
                         "from": valid_from.isoformat()})  # fmt: skip
    return row


def case_region(session: Session, case_id: int) -> str | None:
    """The region of a sanction case's party (its institution's, else its person's); None
    for an unknown case."""
    row = session.execute(
        select(SanctionCase.id, func.coalesce(Institution.region_code, Person.region_code))
        .outerjoin(Person, Person.id == SanctionCase.person_id)
        .outerjoin(Institution, Institution.code == SanctionCase.institution_code)
        .where(SanctionCase.id == case_id)
    ).first()
    return None if row is None else (row[1] or "")


def suspensions_in(session: Session, region: str, limit: int = 100) -> list[Suspension]:
    """The latest suspensions of persons and institutions in ``region``, newest first."""
    query = (
        select(Suspension)
        .outerjoin(Person, Person.id == Suspension.person_id)
        .outerjoin(Institution, Institution.code == Suspension.institution_code)
        .where(within(func.coalesce(Institution.region_code, Person.region_code), region))
        .order_by(Suspension.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
