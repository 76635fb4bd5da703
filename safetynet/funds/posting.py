"""Posting to the fund journal: settlements and refunds, a year's ledger, contributions,
fiscal allocations, review deductions and recoveries.

Settlement-ledger entries are posted set-based: the entries of a batch (or every entry of a
year not yet posted) are first marked in ``fund_posted`` with the journal entry that posts
them — one ``INSERT … SELECT`` — then the journal lines are summed from the marked entries'
layers in one ``INSERT … SELECT … GROUP BY`` (debit each fund's ``spending`` by institution,
claim kind and month) and mirrored in one more (credit ``payable``), and the entry is
checked to balance. A refund's reversal carries negated layer amounts and so posts negated
lines. The layer → fund map comes from the funds file (``safetynet/funds/files``); a layer no
fund names is charged to its ``unassigned_fund``.

:func:`post_settlements` is the settlement service's after step (``settlement/hooks.py``),
run on the entries just written, in their transaction. :func:`post_year` posts what the
year batch wrote (it runs no hooks) and is idempotent: an entry already marked is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sqlalchemy import (
    ColumnElement,
    Integer,
    case,
    cast,
    exists,
    extract,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session

from safetynet.funds.journal import JournalError, Line, assert_balanced, new_entry, post_entry
from safetynet.funds.prorata import apportion
from safetynet.funds.rules import default_rules
from safetynet.funds.schema import CONTRIBUTION_SOURCES, FundRules
from safetynet.store.models import (
    Claim,
    Enrollment,
    FundEntry,
    FundLine,
    FundPosted,
    Settlement,
    SettlementLayer,
)

SYSTEM_USER = "funds"
SQLITE_CACHE_KIB = 512 * 1024  # the page cache of a connection posting a year on SQLite


@dataclass
class PostResult:
    """What a posting wrote: journal entries, settlement entries marked, fen posted."""

    entries: list[int] = field(default_factory=list)
    settlements: int = 0
    spending_fen: int = 0
    income_fen: int = 0


def _fund_expr(rules: FundRules) -> ColumnElement[str]:
    mapping = rules.fund_of_layer()
    if not mapping:
        return literal(rules.unassigned_fund)
    return case(mapping, value=SettlementLayer.layer_id, else_=literal(rules.unassigned_fund))


def _month(session: Session) -> ColumnElement[int]:
    """The claim's month (1-12); on SQLite read from the stored ISO date directly."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.substr(Settlement.claim_date, 6, 2), Integer)
    return cast(extract("month", Settlement.claim_date), Integer)


def _sqlite_year_spending(session: Session, rules: FundRules, entry_id: int) -> None:
    """SQLite, a whole year: the spending lines summed into a small keyed temporary table
    (an upsert per layer row) instead of sorting millions of rows for a GROUP BY."""
    mapping = rules.fund_of_layer()
    params: dict[str, object] = {"entry": entry_id, "other": rules.unassigned_fund}
    whens = []
    for i, (layer, fund) in enumerate(sorted(mapping.items())):
        whens.append(f"WHEN :l{i} THEN :f{i}")
        params[f"l{i}"], params[f"f{i}"] = layer, fund
    fund = f"CASE l.layer_id {' '.join(whens)} ELSE :other END" if whens else ":other"
    session.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS fund_year_sum (fund TEXT, kind TEXT, inst TEXT, "
            "month INTEGER, amount INTEGER, PRIMARY KEY (fund, kind, inst, month))"
        )
    )
    session.execute(text("DELETE FROM fund_year_sum"))
    session.execute(
        text(
            f"INSERT INTO fund_year_sum SELECT {fund}, s.kind, c.institution_code, "
            "CAST(substr(s.claim_date, 6, 2) AS INTEGER), l.paid_fen "
            "FROM settlement_layer l CROSS JOIN fund_posted p CROSS JOIN settlement s "
            "CROSS JOIN claim c WHERE p.settlement_id = l.settlement_id + 0 "
            "AND p.entry_id + 0 = :entry AND s.id = l.settlement_id + 0 AND c.id = s.claim_id "
            "AND l.paid_fen != 0 "
            "ON CONFLICT (fund, kind, inst, month) DO UPDATE SET amount = amount + excluded.amount"
        ),
        params,
    )
    session.execute(
        text(
            "INSERT INTO fund_line (entry_id, fund, account, institution_code, claim_kind, month, "
            "amount_fen) SELECT :entry, fund, 'spending', inst, kind, month, amount "
            "FROM fund_year_sum ORDER BY fund, inst, kind, month"
        ),
        {"entry": entry_id},
    )
    session.execute(text("DELETE FROM fund_year_sum"))


def _post_marked(session: Session, rules: FundRules, entry_id: int, *, whole_year: bool) -> int:
    """The lines of the settlements marked with ``entry_id``: spending and payable.

    ``whole_year``: the marked entries are most of the ledger's year, so the layer table is
    read in one pass and each row's mark and entry looked up by key; otherwise the few marked
    entries lead.
    """
    fund = _fund_expr(rules).label("fund")
    month = _month(session).label("month")
    # ``+ 0`` hides an index from SQLite's planner: a whole year reads the layers in one pass
    layer_key = SettlementLayer.settlement_id + 0 if whole_year else SettlementLayer.settlement_id
    mark = FundPosted.entry_id + 0 == entry_id if whole_year else FundPosted.entry_id == entry_id
    q = (
        select(
            literal(entry_id).label("entry_id"),
            fund,
            literal("spending").label("account"),
            Claim.institution_code,
            Settlement.kind,
            month,
            func.sum(SettlementLayer.paid_fen).label("amount_fen"),
        )
        .select_from(SettlementLayer)
        .join(FundPosted, FundPosted.settlement_id == layer_key)
        .join(Settlement, Settlement.id == layer_key)
        .join(Claim, Claim.id == Settlement.claim_id)
        .where(mark, SettlementLayer.paid_fen != 0)
        .group_by(fund, Claim.institution_code, Settlement.kind, month)
    )
    cols = ["entry_id", "fund", "account", "institution_code", "claim_kind", "month", "amount_fen"]
    if whole_year and session.get_bind().dialect.name == "sqlite":
        _sqlite_year_spending(session, rules, entry_id)
    else:
        session.execute(insert(FundLine).from_select(cols, q))
    mirror = select(
        FundLine.entry_id,
        FundLine.fund,
        literal("payable"),
        FundLine.institution_code,
        FundLine.claim_kind,
        FundLine.month,
        -FundLine.amount_fen,
    ).where(FundLine.entry_id == entry_id, FundLine.account == "spending")
    session.execute(insert(FundLine).from_select(cols, mirror))
    assert_balanced(session, [entry_id])
    spent = session.scalar(
        select(func.coalesce(func.sum(FundLine.amount_fen), 0)).where(
            FundLine.entry_id == entry_id, FundLine.account == "spending"
        )
    )
    return int(spent or 0)


def _marked(session: Session, entry_id: int) -> int:
    q = select(func.count()).select_from(FundPosted).where(FundPosted.entry_id == entry_id)
    return int(session.scalar(q) or 0)


def post_settlements(
    session: Session, entry_ids: Sequence[int], rules: FundRules | None = None
) -> PostResult:
    """Post the settlement-ledger entries just written (the settlement after step).

    One journal entry per scheme year among them (a batch rarely spans two), each written
    with one statement per table; entries already posted are refused by ``fund_posted``'s
    key, which rolls the batch back.
    """
    rules = rules or default_rules()
    out = PostResult()
    if not entry_ids:
        return out
    years = session.scalars(
        select(Settlement.year).where(Settlement.id.in_(entry_ids)).distinct()
    ).all()
    today = date.today()
    for year in sorted(years):
        eid = new_entry(
            session,
            year=year,
            posted_on=today,
            kind="settlement",
            user=SYSTEM_USER,
            memo=f"{len(entry_ids)} ledger entries at the window",
        )
        marked = select(Settlement.id, literal(eid)).where(
            Settlement.id.in_(entry_ids), Settlement.year == year
        )
        session.execute(insert(FundPosted).from_select(["settlement_id", "entry_id"], marked))
        out.settlements += _marked(session, eid)
        out.spending_fen += _post_marked(session, rules, eid, whole_year=False)
        out.entries.append(eid)
    return out


def after_settlement(session: Session, entry_ids: Sequence[int]) -> None:
    """The after step named in ``settlement/hooks.py``."""
    post_settlements(session, entry_ids)


def post_ledger_year(
    session: Session, year: int, *, user: str, rules: FundRules | None = None
) -> PostResult:
    """Post every settlement-ledger entry of ``year`` not yet posted (one journal entry)."""
    rules = rules or default_rules()
    out = PostResult()
    if session.get_bind().dialect.name == "sqlite":
        # a year's layers look up their entries and claims by key: keep those pages cached
        session.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
    unposted = ~exists().where(FundPosted.settlement_id == Settlement.id)
    savepoint = session.begin_nested()
    eid = new_entry(
        session,
        year=year,
        posted_on=date.today(),
        kind="settlement",
        user=user,
        memo=f"settlement ledger of {year}",
    )
    marked = select(Settlement.id, literal(eid)).where(Settlement.year == year, unposted)
    session.execute(insert(FundPosted).from_select(["settlement_id", "entry_id"], marked))
    n = _marked(session, eid)
    if n == 0:
        savepoint.rollback()  # nothing new: no empty entry
        return out
    out.settlements = n
    out.spending_fen = _post_marked(session, rules, eid, whole_year=True)
    savepoint.commit()
    out.entries.append(eid)
    return out


def _posted_income(session: Session, year: int, kind: str) -> dict[tuple[str, str], int]:
    q = (
        select(FundLine.fund, FundLine.account, func.sum(FundLine.amount_fen))
        .join(FundEntry, FundEntry.id == FundLine.entry_id)
        .where(FundEntry.year == year, FundEntry.kind == kind, FundLine.account != "cash")
        .group_by(FundLine.fund, FundLine.account)
    )
    return {(f, a): -int(v) for f, a, v in session.execute(q)}


def _post_income_delta(
    session: Session,
    rules: FundRules,
    year: int,
    kind: str,
    target: dict[tuple[str, str], int],
    user: str,
) -> PostResult:
    """Post what ``target`` (income by fund and account) adds to what is posted already."""
    out = PostResult()
    done = _posted_income(session, year, kind)
    lines: list[Line] = []
    for (fund, account), amount in sorted(target.items()):
        delta = amount - done.get((fund, account), 0)
        if delta:
            lines += [Line(fund, "cash", delta), Line(fund, account, -delta)]
            out.income_fen += delta
    if lines:
        n = session.scalar(
            select(func.count())
            .select_from(FundEntry)
            .where(FundEntry.year == year, FundEntry.kind == kind)
        )
        out.entries.append(
            post_entry(
                session,
                rules,
                year=year,
                posted_on=date.today(),
                kind=kind,
                lines=lines,
                user=user,
                reference=f"{kind}:{year}:{int(n or 0) + 1}",
                memo=f"{kind} of {year}",
            )
        )
    return out


def contribution_income(
    session: Session, rules: FundRules, year: int
) -> dict[tuple[str, str], int]:
    """Each fund's contribution income of ``year`` by source: the enrollment's columns
    summed over the year, each source split between funds by the funding rules."""
    cols = [getattr(Enrollment, f"{s}_fen") for s in CONTRIBUTION_SOURCES]
    row = session.execute(
        select(*[func.coalesce(func.sum(c), 0) for c in cols]).where(Enrollment.year == year)
    ).one()
    totals = dict(zip(CONTRIBUTION_SOURCES, (int(v) for v in row), strict=True))
    out: dict[tuple[str, str], int] = {}
    for rule in rules.contributions:
        total = totals[rule.income]
        if total:
            for fund, part in apportion(total, rule.shares).items():
                out[(fund, f"income.{rule.income}")] = part
    unsplit = [
        s
        for s in CONTRIBUTION_SOURCES
        if totals[s] and s not in {r.income for r in rules.contributions}
    ]
    if unsplit:
        raise JournalError(
            "no_funding_rule",
            f"contributions from {', '.join(unsplit)} have no funding rule in {rules.id}",
        )
    return out


def post_contributions(
    session: Session, year: int, *, user: str, rules: FundRules | None = None
) -> PostResult:
    """Post the year's contributions not posted yet (Dr cash, Cr income by source)."""
    rules = rules or default_rules()
    target = contribution_income(session, rules, year)
    return _post_income_delta(session, rules, year, "contribution", target, user)


def post_allocations(
    session: Session, year: int, *, user: str, rules: FundRules | None = None
) -> PostResult:
    """Post the funds file's fixed fiscal allocations of the year (once)."""
    rules = rules or default_rules()
    target: dict[tuple[str, str], int] = {}
    for a in rules.allocations:
        key = (a.fund, "income.fiscal")
        target[key] = target.get(key, 0) + a.amount_fen
    return _post_income_delta(session, rules, year, "allocation", target, user)


def post_year(
    session: Session, year: int, *, user: str, rules: FundRules | None = None
) -> dict[str, PostResult]:
    """Post a year: its settlement ledger, contributions and allocations (idempotent)."""
    rules = rules or default_rules()
    return {
        "settlements": post_ledger_year(session, year, user=user, rules=rules),
        "contributions": post_contributions(session, year, user=user, rules=rules),
        "allocations": post_allocations(session, year, user=user, rules=rules),
    }


@dataclass(frozen=True)
class Deduction:
    """A review deduction (claims not paid) or recovery (money taken back) from an
    institution, or the reversal of a deduction (given back: a lowered adjustment, a refund
    of the reviewed claim). The amount is positive whatever the kind. ``fund`` defaults to
    the funds file's ``deductions_fund``."""

    institution_code: str
    amount_fen: int
    on: date
    reference: str
    reason: str
    kind: Literal["deduction", "recovery", "reversal"] = "deduction"
    fund: str | None = None


def post_deductions(
    session: Session,
    deductions: Sequence[Deduction],
    *,
    user: str = "review",
    rules: FundRules | None = None,
) -> list[int]:
    """Post review deductions and recoveries: Dr ``payable`` of the institution, Cr
    ``deductions`` / ``recoveries``. One entry each, keyed by its reference: one posted
    already is skipped. Every deduction is checked before anything is written; the ids of
    the entries written are returned."""
    rules = rules or default_rules()
    funds = set(rules.fund_ids())
    for d in deductions:
        if d.amount_fen <= 0:
            raise JournalError("bad_amount", f"{d.reference}: a {d.kind} must be positive")
        if d.kind not in ("deduction", "recovery", "reversal"):
            raise JournalError("bad_kind", f"{d.reference}: unknown kind {d.kind!r}")
        if (d.fund or rules.deductions_fund) not in funds:
            raise JournalError("unknown_fund", f"{d.reference}: no fund {d.fund!r}")
        if not d.reference or not d.institution_code:
            raise JournalError("incomplete", "a deduction needs a reference and an institution")
    refs = [f"{d.kind}:{d.reference}" for d in deductions]
    posted = set(session.scalars(select(FundEntry.reference).where(FundEntry.reference.in_(refs))))
    out: list[int] = []
    for d, ref in zip(deductions, refs, strict=True):
        if ref in posted:
            continue
        fund = d.fund or rules.deductions_fund
        account = "recoveries" if d.kind == "recovery" else "deductions"
        amount = -d.amount_fen if d.kind == "reversal" else d.amount_fen  # given back: reversed
        lines = [
            Line(fund, "payable", amount, institution_code=d.institution_code, month=d.on.month),
            Line(fund, account, -amount, institution_code=d.institution_code, month=d.on.month),
        ]
        out.append(
            post_entry(
                session,
                rules,
                year=d.on.year,
                posted_on=d.on,
                kind=d.kind,
                lines=lines,
                user=user,
                reference=ref,
                memo=d.reason[:200],
            )
        )
        posted.add(ref)
    return out


__all__ = [
    "Deduction",
    "PostResult",
    "after_settlement",
    "post_allocations",
    "post_contributions",
    "post_deductions",
    "post_ledger_year",
    "post_settlements",
    "post_year",
]
