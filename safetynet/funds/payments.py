"""Paying institutions: annual budgets, monthly prepayments, the payment round with
maker-checker, the bank file, and the global budget's year-end settlement.

- :func:`set_budgets` records each institution's annual budget in a fund (latest in force).
- :func:`post_prepayments` advances ``1 / months`` of the budget for a month (Dr ``prepaid``,
  Cr ``cash``; the fen left over by the division go to the earliest months), once per
  institution and month.
- :func:`make_round` drafts a payment batch from the month's statements and records the last
  journal entry they read (what is posted for the month afterwards goes to the next round,
  :func:`~safetynet.funds.statements.settled_period`, the next year's first round for
  what is posted for a year after its December round); :func:`approve`
  needs another user than its maker; :func:`release` needs another user than its approver
  and posts the payments (per institution and fund: Dr ``payable`` by what was approved and
  adjusted, Cr ``prepaid`` netted, Cr ``deposit`` withheld, Cr ``cash`` paid) — once.
  A refused step writes nothing; each step done is written to the audit log
  (``payment_batch.make``, ``.approve``, ``.release``).
- :func:`bank_csv` is the bank's file of a released batch.
- A round whose payer is above the county (a round of every county's money, or of a city's
  or province's) is read and worked only by a user whose region is above the county and
  holds every county the round pays the money of (:func:`may_work_round`; the steps refuse
  others with ``payments_county``); a user above the county drafts a round of every
  county's money only when it would pay no other region's (``payments_region``).
- :func:`settle_global_budgets` posts the year-end settlement of each budget: of the
  underspend the institution keeps its share, of the overspend it bears the fund's
  complement (Dr/Cr ``budget_adjustment`` against ``payable``).
- :func:`return_deposits` returns each institution's quality deposit of the year by its
  assessment (Dr ``deposit``, Cr ``cash`` returned, Cr ``forfeited`` the rest), once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safetynet.clock import local_today, utc_now
from safetynet.codes import RegionLevel
from safetynet.exports.csv_file import csv_text
from safetynet.funds.journal import JournalError, Line, check_text, post_entry
from safetynet.funds.prorata import apportion
from safetynet.funds.schema import FundRules
from safetynet.funds.statements import (
    ACCOUNTS_READ,
    check_payer,
    compute,
    month_rows,
    opening_carried,
    payer_expr,
    payer_prefix,
    period_of,
    round_cutoffs,
    year_lines,
)
from safetynet.money import apply_ratio, to_yuan
from safetynet.regions import significant
from safetynet.security.audit import record as audit
from safetynet.store.models import (
    Budget,
    FundEntry,
    FundLine,
    Institution,
    Payment,
    PaymentBatch,
    Region,
)

MAX_BUDGET_FEN = 10**13  # 100 billion yuan: far above any institution's, far inside the column


class PaymentError(JournalError):
    """A payment step refused (who may do it, in which state), nothing written."""


def set_budgets(
    session: Session, rules: FundRules, year: int, fund: str, budgets: dict[str, int], user: str
) -> None:
    """Record each institution's annual budget (fen) in ``fund`` for ``year``."""
    if fund not in rules.fund_ids():
        raise JournalError("unknown_fund", f"no fund {fund!r} in the chart")
    check_text("user", user)
    known = set(session.scalars(select(Institution.code).where(Institution.code.in_(budgets))))
    unknown = sorted(set(budgets) - known)
    if unknown:
        raise JournalError("unknown_institution", f"no institution {', '.join(unknown)}")
    bad = sorted(c for c, v in budgets.items() if v < 0)
    if bad:
        raise JournalError("bad_amount", f"a budget is negative: {', '.join(bad)}")
    huge = sorted(c for c, v in budgets.items() if v > MAX_BUDGET_FEN)
    if huge:
        raise JournalError(
            "bad_amount",
            f"a budget is above {MAX_BUDGET_FEN // 100:,} yuan: {', '.join(huge)}; nothing "
            "was recorded",
        )
    session.add_all(
        Budget(year=year, fund=fund, institution_code=c, amount_fen=v, set_by=user)
        for c, v in sorted(budgets.items())
    )
    session.flush()


def budgets_in_force(session: Session, year: int) -> dict[tuple[str, str], int]:
    """(institution, fund) → the latest budget recorded for the year."""
    latest = (
        select(func.max(Budget.id))
        .where(Budget.year == year)
        .group_by(Budget.institution_code, Budget.fund)
    )
    rows = session.execute(
        select(Budget.institution_code, Budget.fund, Budget.amount_fen).where(Budget.id.in_(latest))
    )
    return {(i, f): int(v) for i, f, v in rows}


def prepayment_of_month(rules: FundRules, budget_fen: int, month: int) -> int:
    """The month's share of an annual budget (months beyond the prepayment's get nothing)."""
    months = rules.payments.prepayment.months
    if month > months:
        return 0
    parts = apportion(budget_fen, {f"{m:02d}": 1 for m in range(1, months + 1)})
    return parts[f"{month:02d}"]


def budget_payer(session: Session, institution: str) -> str:
    """The paying county of an institution's budget lines (prepayments, the year-end
    settlement), named on every line (the ``cash`` line too, which has no institution to
    tell it: a line of no county was left out of the county's fund figures and alarms): the
    institution's own county when the registry holds it; for one in none (a city's or a
    province's hospital) the registry's one county. Its lines were the county of its own
    region's code (``341800``, a city's), which pays no claim: the prepayments were never
    netted against its claims, paid in full as well. With several counties such an
    institution's budget is refused (``budget_county``), nothing posted."""
    region = session.scalar(select(Institution.region_code).where(Institution.code == institution))
    county = region[:6] if region and len(region) >= 6 else None
    counties = select(Region.code).where(Region.level == RegionLevel.COUNTY)
    if county and session.scalar(counties.where(Region.code.startswith(county)).limit(1)):
        return county
    found = sorted({code[:6] for code in session.scalars(counties)})
    if len(found) != 1:
        raise JournalError(
            "budget_county",
            f"institution {institution} is in no county and the registry has "
            f"{len(found)} counties: whose budget it is cannot be told; nothing was posted",
        )
    return found[0]


def post_prepayments(
    session: Session, rules: FundRules, year: int, month: int, *, user: str, on: date
) -> list[int]:
    """Advance the month's share of every budget in force (skipped if done already)."""
    if not 1 <= month <= 12:
        raise JournalError("bad_month", f"month {month} is not 1-12")
    out = []
    for (inst, fund), budget in sorted(budgets_in_force(session, year).items()):
        amount = prepayment_of_month(rules, budget, month)
        ref = f"prepayment:{year}:{month:02d}:{fund}:{inst}"
        if amount <= 0 or session.scalar(select(FundEntry.id).where(FundEntry.reference == ref)):
            continue
        payer = budget_payer(session, inst)
        lines = [
            Line(fund, "prepaid", amount, institution_code=inst, month=month, payer_region=payer),
            Line(fund, "cash", -amount, month=month, payer_region=payer),
        ]
        out.append(
            post_entry(
                session,
                rules,
                year=year,
                posted_on=on,
                kind="prepayment",
                lines=lines,
                user=user,
                reference=ref,
                memo=f"prepayment {year}-{month:02d}",
            )
        )
    return out


def round_months(year: int) -> list[int]:
    """The months of ``year`` a payment round may be made for: those begun by the county's
    today (every month of a past year, none of a future one) — one rule for the command
    line, the web form and the service."""
    today = local_today()
    if year > today.year:
        return []
    return list(range(1, (today.month if year == today.year else 12) + 1))


def _freeze_journal(session: Session) -> int:
    """The last journal entry, with no entry posted until the caller's transaction ends (on
    PostgreSQL a SHARE lock on the journal waits for postings under way and holds new ones;
    SQLite writes one transaction at a time): the round's statements read exactly the
    entries up to it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE fund_entry IN SHARE MODE"))
    return int(session.scalar(select(func.max(FundEntry.id))) or 0)


@dataclass(frozen=True)
class UnknownPayeeLine:
    """A journal line a payment round reads that names an institution the registry does not
    hold (written before entries were checked against the registry)."""

    entry_id: int
    line_id: int
    institution_code: str
    posted_on: date
    account: str
    amount_fen: int


def unknown_payee_lines(
    session: Session,
    year: int,
    *,
    payer: str | None = None,
    through: int | None = None,
    codes: Sequence[str] | None = None,
) -> list[UnknownPayeeLine]:
    """The journal lines the statements of ``year`` read (their accounts, of ``year`` and
    earlier) that name an institution the registry does not hold, by entry and line:
    ``payer``: of that county's money only; ``through``: the entries up to it; ``codes``:
    of those institutions only."""
    county = payer_expr()
    q = (
        select(FundLine.entry_id, FundLine.id, FundLine.institution_code, FundEntry.posted_on,
               FundLine.account, FundLine.amount_fen)
        .join(FundEntry, FundEntry.id == FundLine.entry_id)
        .outerjoin(Institution, Institution.code == FundLine.institution_code)
        .where(FundLine.institution_code.is_not(None), Institution.code.is_(None),
               FundEntry.year <= year, FundLine.account.in_(ACCOUNTS_READ))
        .order_by(FundLine.entry_id, FundLine.id)
    )  # fmt: skip
    if payer is not None:
        q = q.where(county == payer)
    if through is not None:
        q = q.where(FundLine.entry_id <= through)
    if codes is not None:
        q = q.where(FundLine.institution_code.in_(sorted(codes)))
    return [UnknownPayeeLine(int(e), int(i), str(c), d, str(a), int(v))
            for e, i, c, d, a, v in session.execute(q)]  # fmt: skip


SHOWN_LINES = 20  # a refusal names at most this many journal lines (and how many more)


def _refuse_unknown_payees(session: Session, year: int, month: int, codes: set[str],
                           payer: str | None, through: int) -> None:  # fmt: skip
    """Refuse the round (``round_unknown_institution``) naming the institutions the registry
    does not hold that it would pay and the journal lines that name them: a payment to a
    code no bank file can name is never drafted, nor the others' of the month without it
    (the statements would count them settled)."""
    lines = unknown_payee_lines(session, year, payer=payer, through=through, codes=sorted(codes))
    shown = "; ".join(
        f"entry {ln.entry_id} line {ln.line_id} ({ln.posted_on.isoformat()}, "
        f"{ln.institution_code}, {ln.account} {to_yuan(ln.amount_fen)} yuan)"
        for ln in lines[:SHOWN_LINES]
    )
    more = f"; and {len(lines) - SHOWN_LINES} more" if len(lines) > SHOWN_LINES else ""
    raise PaymentError(
        "round_unknown_institution",
        f"{year}-{month:02d}: the journal holds lines of institutions the registry does not "
        f"have, {', '.join(sorted(codes))} — {shown}{more}. Add these institutions to the "
        "registry, then make the round again; no round was made",
    )


def make_round(
    session: Session,
    rules: FundRules,
    year: int,
    month: int,
    *,
    user: str,
    payer_region: str | None = None,
    region_code: str | None = None,
) -> PaymentBatch:
    """Draft the month's payment batch from the statements (one payment per institution,
    fund and paying county with anything to settle): of one paying county's money
    (``payer_region``, its 6-digit code) or of every county's. ``region_code``: the drafting
    user's region (None: not checked, the command line's operator); a round that would pay
    the money of a county outside it is refused ``payments_region``, nothing written. A month
    not begun (:func:`round_months`) is refused ``round_future``, a month with nothing to pay
    or settle ``round_empty``: no empty round is drafted. A round that would pay an
    institution the registry does not hold (journal lines written before entries were
    checked) is refused ``round_unknown_institution``, naming the codes and the journal
    lines: nothing is paid for the month until the registry holds them."""
    if not 1 <= month <= 12:
        raise PaymentError("bad_month", f"month {month} is not 1-12")
    if month not in round_months(year):
        raise PaymentError(
            "round_future",
            f"{year}-{month:02d} has not begun (today is {local_today().isoformat()}): a round "
            "pays a month begun; nothing was written",
        )
    check_text("user", user)
    check_payer(session, payer_region, county=True)
    live = select(PaymentBatch.id).where(
        PaymentBatch.year == year, PaymentBatch.month == month, PaymentBatch.state != "void"
    )
    if payer_region is not None:  # the county's round, or a round of every county
        live = live.where(
            (PaymentBatch.payer_region == payer_region) | PaymentBatch.payer_region.is_(None)
        )
    open_ = session.scalar(live)
    if open_ is not None:
        raise PaymentError("round_exists", f"batch {open_} already pays {year}-{month:02d}")
    through = _freeze_journal(session)
    # this round reads every entry up to ``through`` not read by a round made before (of
    # its year, or of an earlier year after that year's December round)
    cutoffs = {**round_cutoffs(session), (period_of(year, month), payer_region): through}
    lines = year_lines(session, year, through=through, cutoffs=cutoffs, payer=payer_region)
    bp = rules.payments.quality_deposit.share_bp
    opening = opening_carried(session, year, bp, cutoffs, payer=payer_region, through=through)
    rows = month_rows(compute(lines, bp, opening), month)
    pays = [r for r in rows if r.approved + r.adjustment + r.carried != 0 or r.prepaid_applied]
    payees = {r.institution_code for r in pays}
    known = set(session.scalars(select(Institution.code).where(Institution.code.in_(payees))))
    if payees - known:
        _refuse_unknown_payees(session, year, month, payees - known, payer_region, through)
    # December's round also closes the year (what is left — an advance not netted, a sum
    # owed — is carried into the next year's rounds): it is made when the month has any
    # statement at all; any other month's only with something to pay or settle
    if not pays and not (month == 12 and rows):
        raise PaymentError(
            "round_empty",
            f"{year}-{month:02d} has nothing to pay or settle: no round was made",
        )
    if region_code is not None:
        mine = payer_prefix(region_code)
        if any(not (r.payer_region or "").startswith(mine) for r in pays):
            raise PaymentError("payments_region", "the round would pay other regions' money")
    batch = PaymentBatch(
        year=year,
        month=month,
        state="draft",
        made_by=user,
        total_fen=sum(max(r.payable, 0) for r in pays),
        through_entry_id=through,
        payer_region=payer_region,
    )
    try:
        with session.begin_nested():  # another user's draft of the month, committed meanwhile
            session.add(batch)
            session.flush()
    except IntegrityError:
        raise PaymentError("round_exists", f"a batch already pays {year}-{month:02d}") from None
    session.add_all(
        Payment(
            batch_id=batch.id,
            institution_code=r.institution_code,
            fund=r.fund,
            approved_fen=r.approved + r.adjustment + r.carried,
            deposit_fen=r.deposit,
            prepaid_fen=r.prepaid_applied,
            amount_fen=r.payable,
            payer_region=r.payer_region,
        )
        for r in pays
    )
    session.flush()
    detail = {"year": year, "month": month, "payments": len(pays), "total_fen": batch.total_fen,
              "payer_region": payer_region}  # fmt: skip
    audit(session, username=user, action="payment_batch.make", target="payment_batch",
          target_id=str(batch.id), detail=detail)  # fmt: skip
    return batch


def payer_above_county(payer_region: str | None) -> bool:
    """Whether a round pays money above one county's: every county's (no payer region) or a
    city's or a province's (a code shorter than a county's once its padding is gone)."""
    return payer_region is None or len(significant(payer_region)) < 6


def above_county(session: Session, region_code: str) -> bool:
    """Whether the region is a city or a province (above the county)."""
    level = session.scalar(select(Region.level).where(Region.code == region_code))
    return level in (RegionLevel.CITY, RegionLevel.PROVINCE)


def may_work_round(session: Session, batch: PaymentBatch, region_code: str) -> bool:
    """Whether a user of ``region_code`` may read or work the round: a round whose payer is
    above the county needs a user above the county whose region holds every county the
    round pays the money of (:func:`workable_rounds`: a city's user never works a round that
    pays another city's counties; a county's user works its own county's rounds, which
    county's is the caller's region check). :func:`workable_rounds` of one round."""
    return bool(workable_rounds(session, [batch], region_code))


def workable_rounds(
    session: Session, batches: Sequence[PaymentBatch], region_code: str
) -> list[PaymentBatch]:
    """The rounds of ``batches`` a user of ``region_code`` may read or work
    (:func:`may_work_round`), in their order: at most two queries however many rounds (the
    region's level, and the rounds that pay outside it)."""
    above = [b.id for b in batches if payer_above_county(b.payer_region)]
    if not above:
        return list(batches)
    if not above_county(session, region_code):
        return [b for b in batches if b.id not in above]
    outside = set(session.scalars(_paying_outside(above, region_code).distinct()))
    return [b for b in batches if b.id not in outside]


def _paying_outside(batch_ids: Sequence[int], region_code: str) -> Select[tuple[int]]:
    """The rounds of ``batch_ids`` with a payment of a county outside ``region_code`` (a
    payment of no known paying county counts as outside every region but the whole
    country's), each once per such payment."""
    return select(Payment.batch_id).where(
        Payment.batch_id.in_(batch_ids),
        ~func.coalesce(Payment.payer_region, "").startswith(
            payer_prefix(region_code), autoescape=True
        ),
    )


def refusal(session: Session, region_code: str) -> str:
    """The code a user refused a round (:func:`may_work_round`) is told: ``payments_region``
    above the county (the round pays other regions' money), ``payments_county`` below."""
    return "payments_region" if above_county(session, region_code) else "payments_county"


def _batch(
    session: Session, batch_id: int, region_code: str | None = None, user: str | None = None
) -> PaymentBatch:
    check_text("user", user)
    batch = session.get(PaymentBatch, batch_id, with_for_update=True)
    if batch is None:
        raise PaymentError("unknown_batch", f"no payment batch {batch_id}")
    if region_code is not None and not may_work_round(session, batch, region_code):
        code = refusal(session, region_code)
        raise PaymentError(code, f"batch {batch_id} pays above the county or outside the region")
    return batch


def approve(
    session: Session, batch_id: int, *, user: str, region_code: str | None = None
) -> PaymentBatch:
    """Approve a draft batch: by anyone but its maker (``region_code``: the acting user's
    region, refused for a round above the county unless the user is above it)."""
    batch = _batch(session, batch_id, region_code, user)
    if batch.state != "draft":
        raise PaymentError("not_draft", f"batch {batch_id} is {batch.state}, not a draft")
    if user == batch.made_by:
        raise PaymentError(
            "maker_approves", f"batch {batch_id} was made by {user}: another user must approve it"
        )
    batch.state, batch.approved_by, batch.approved_at = "approved", user, utc_now()
    session.flush()
    audit(session, username=user, action="payment_batch.approve", target="payment_batch",
          target_id=str(batch_id))  # fmt: skip
    return batch


def release(
    session: Session,
    rules: FundRules,
    batch_id: int,
    *,
    user: str,
    on: date,
    region_code: str | None = None,
) -> PaymentBatch:
    """Release an approved batch (by anyone but its approver): post its payments, once;
    ``region_code`` as approving."""
    batch = _batch(session, batch_id, region_code, user)
    if batch.state == "released":
        raise PaymentError(
            "released",
            f"batch {batch_id} was released already by {batch.released_by}; nothing was paid twice",
        )
    if batch.state != "approved":
        raise PaymentError("not_approved", f"batch {batch_id} is {batch.state}: approve it first")
    if user == batch.approved_by:
        raise PaymentError(
            "approver_releases", f"batch {batch_id} was approved by {user}: another user releases"
        )
    if on < date(batch.year, batch.month, 1):  # paid before the month it pays: a wrong date
        raise PaymentError(
            "paid_before_month",
            f"batch {batch_id} pays {batch.year}-{batch.month:02d}: it cannot be paid on "
            f"{on.isoformat()}, before that month; nothing was written",
        )
    pays = session.scalars(select(Payment).where(Payment.batch_id == batch_id)).all()
    lines: list[Line] = []
    for p in pays:
        if p.amount_fen < 0:  # the institution owes: carried, nothing paid or netted
            continue
        m, i, c = batch.month, p.institution_code, p.payer_region
        lines += [Line(p.fund, "payable", p.approved_fen, institution_code=i, month=m,
                       payer_region=c)]  # fmt: skip
        if p.prepaid_fen:
            lines.append(Line(p.fund, "prepaid", -p.prepaid_fen, institution_code=i, month=m,
                              payer_region=c))  # fmt: skip
        if p.deposit_fen:
            lines.append(Line(p.fund, "deposit", -p.deposit_fen, institution_code=i, month=m,
                              payer_region=c))  # fmt: skip
        if p.amount_fen:
            lines.append(Line(p.fund, "cash", -p.amount_fen, month=m, payer_region=c))
    if lines:
        batch.entry_id = post_entry(
            session,
            rules,
            year=batch.year,
            posted_on=on,
            kind="payment",
            lines=lines,
            user=user,
            reference=f"payment:batch:{batch.id}",
            memo=f"payment round {batch.year}-{batch.month:02d}",
        )
    batch.state, batch.released_by, batch.released_at = "released", user, utc_now()
    session.flush()
    detail = {"entry": batch.entry_id, "on": on.isoformat()}
    audit(session, username=user, action="payment_batch.release", target="payment_batch",
          target_id=str(batch_id), detail=detail)  # fmt: skip
    return batch


def bank_csv(session: Session, batch_id: int) -> str:
    """The bank's file of a released batch: one transfer per institution (yuan); every field
    quoted, names kept on one line and never a formula (:mod:`safetynet.exports.csv_file`,
    docs/funds-format.md)."""
    batch = session.get(PaymentBatch, batch_id)
    if batch is None or batch.state != "released":
        raise PaymentError("not_released", f"batch {batch_id} is not released: no bank file")
    q = (
        select(Payment.institution_code, Institution.name, func.sum(Payment.amount_fen))
        .join(Institution, Institution.code == Payment.institution_code)
        .where(Payment.batch_id == batch_id, Payment.amount_fen > 0)
        .group_by(Payment.institution_code, Institution.name)
        .order_by(Payment.institution_code)
    )
    rows = (
        (f"SN-{batch.year}{batch.month:02d}-{batch.id}-{code}", code, name,
         f"{to_yuan(int(fen)):.2f}")
        for code, name, fen in session.execute(q)
    )  # fmt: skip
    return csv_text(["reference", "institution_code", "institution_name", "amount_yuan"], rows)


@dataclass(frozen=True)
class BudgetSettlement:
    """One institution's year-end global-budget settlement (fen)."""

    institution_code: str
    fund: str
    budget: int
    approved: int  # the year's claims less deductions and recoveries
    adjustment: int  # > 0 kept from the underspend, < 0 overspend borne


def budget_settlement(rules: FundRules, budget: int, approved: int) -> int:
    """The adjustment: + the kept share of the underspend, − the institution's share of the
    overspend (the fund bears ``overspend_fund_share``); rounded half up to the fen."""
    gb = rules.payments.global_budget
    if approved < budget:
        return apply_ratio(budget - approved, gb.under_bp)
    over = approved - budget
    return -(over - apply_ratio(over, gb.over_bp))


def settle_global_budgets(
    session: Session, rules: FundRules, year: int, *, user: str, on: date
) -> list[BudgetSettlement]:
    """Post every budget's year-end settlement: what is due on the year's claims less what
    earlier runs posted (each fen once; a run after late claims of the year posts the
    difference)."""
    lines = year_lines(session, year, by_origin=True)  # the year's claims, whenever paid
    rows = compute(lines, rules.payments.quality_deposit.share_bp)
    approved: dict[tuple[str, str], int] = {}
    for r in rows:
        approved[(r.institution_code, r.fund)] = (
            approved.get((r.institution_code, r.fund), 0) + r.approved
        )
    # what earlier runs posted: a run after late claims of the year (or a budget changed)
    # posts the difference, so the settlement is always the one due, and never posted twice
    posted_q = (
        select(FundLine.institution_code, FundLine.fund, func.sum(FundLine.amount_fen),
               func.count(func.distinct(FundEntry.id)))
        .join(FundEntry, FundEntry.id == FundLine.entry_id)
        .where(FundEntry.year == year, FundEntry.kind == "year_end",
               FundLine.account == "budget_adjustment")
        .group_by(FundLine.institution_code, FundLine.fund)
    )  # fmt: skip
    posted = {(str(i), f): (int(v), int(n)) for i, f, v, n in session.execute(posted_q)}
    out = []
    for (inst, fund), budget in sorted(budgets_in_force(session, year).items()):
        spent = approved.get((inst, fund), 0)
        adj = budget_settlement(rules, budget, spent)
        out.append(BudgetSettlement(inst, fund, budget, spent, adj))
        done, runs = posted.get((inst, fund), (0, 0))
        delta = adj - done
        if delta == 0:
            continue
        ref = f"budget:{year}:{fund}:{inst}" + (f":{runs + 1}" if runs else "")
        payer = budget_payer(session, inst)
        lines = [
            Line(fund, "budget_adjustment", delta, institution_code=inst, month=12,
                 payer_region=payer),
            Line(fund, "payable", -delta, institution_code=inst, month=12, payer_region=payer),
        ]  # fmt: skip
        post_entry(
            session,
            rules,
            year=year,
            posted_on=on,
            kind="year_end",
            lines=lines,
            user=user,
            reference=ref,
            memo=f"global budget {year}",
        )
    return out


@dataclass(frozen=True)
class DepositReturn:
    """One institution's quality deposit of a year, returned by its assessment (fen)."""

    institution_code: str
    fund: str
    held: int
    returned: int
    payer_region: str | None = None  # the county whose money the deposit was

    @property
    def forfeited(self) -> int:
        return self.held - self.returned


def return_deposits(
    session: Session,
    rules: FundRules,
    year: int,
    scores: dict[str, Decimal],
    *,
    user: str,
    on: date,
) -> list[DepositReturn]:
    """Return each institution's deposit of the year by its assessment: ``scores`` gives
    the share returned (0-1) per institution; the rest is forfeited to the fund. Every
    institution holding a deposit needs a score; refused whole otherwise. What is held is
    settled once: a second call returns only what was withheld since (nothing else)."""
    bad = sorted(c for c, v in scores.items() if not 0 <= v <= 1)
    if bad:
        raise JournalError(
            "bad_score", f"a share returned is not between 0 and 1: {', '.join(bad)}"
        )
    fine = sorted(c for c, v in scores.items() if v * 10_000 != int(v * 10_000))
    if fine:  # applied in basis points: refused rather than truncated
        raise JournalError(
            "bad_score", f"a share returned is finer than a basis point: {', '.join(fine)}"
        )
    payer = payer_expr()
    q = (
        select(FundLine.institution_code, FundLine.fund, payer, func.sum(FundLine.amount_fen))
        .join(FundEntry, FundEntry.id == FundLine.entry_id)
        .outerjoin(Institution, Institution.code == FundLine.institution_code)
        .where(FundEntry.year == year, FundLine.account == "deposit")
        .group_by(FundLine.institution_code, FundLine.fund, payer)
    )
    # held per paying county: the deposit withheld from one county's money goes back to
    # that county's fund (returned: its cash; forfeited: its income), every line naming it
    held = {(str(i), f, str(c)): -int(v) for i, f, c, v in session.execute(q) if int(v) < 0}
    missing = sorted({i for i, _f, _c in held if i not in scores})
    if missing:
        raise JournalError("no_score", f"no assessment for {', '.join(missing)}: nothing returned")
    out = []
    for (inst, fund, county), amount in sorted(held.items()):
        back = apply_ratio(amount, int(scores[inst] * 10_000))
        c = county or None
        out.append(DepositReturn(inst, fund, amount, back, c))
        # ``held`` is net of what earlier returns settled, so a deposit withheld after them
        # (December's round released after the assessment) is returned by the next call;
        # nothing is returned twice
        ref = f"deposit:{year}:{fund}:{inst}" + (f"@{county}" if county else "")
        earlier = session.scalar(
            select(func.count()).where(
                (FundEntry.reference == ref) | FundEntry.reference.startswith(ref + ":")
            )
        )
        if earlier:
            ref = f"{ref}:{int(earlier) + 1}"
        lines = [Line(fund, "deposit", amount, institution_code=inst, month=12, payer_region=c)]
        if back:
            lines.append(Line(fund, "cash", -back, month=12, payer_region=c))
        if amount - back:
            lines.append(Line(fund, "forfeited", back - amount, institution_code=inst, month=12,
                              payer_region=c))  # fmt: skip
        post_entry(
            session,
            rules,
            year=year,
            posted_on=on,
            kind="deposit_return",
            lines=lines,
            user=user,
            reference=ref,
            memo=f"quality deposit {year}",
        )
    return out
