"""Posting to the fund journal: settlements and refunds, a year's ledger, contributions,
fiscal allocations, review deductions and recoveries.

Settlement-ledger entries are posted set-based: the entries of a batch at the window are
first marked in ``fund_posted`` with the journal entry that posts them — one ``INSERT …
SELECT``; a year's posting marks nothing per entry but names the id range it posts in its
entry's reference (``ledger:<year>:<first>-<last>``) — then the journal lines are summed from
the batch's (or the range's) layers in one ``INSERT … SELECT … GROUP BY`` (debit each
fund's ``spending`` by institution, claim kind and month) and mirrored in one more (credit
``payable``), and the entry is checked to balance. A refund's reversal carries negated layer
amounts and so posts negated lines. The layer → fund map comes from the funds file
(``safetynet/funds/files``); a layer no fund names is charged to its ``unassigned_fund``.
Every spending and payable line names its payer region: the patient's county (the first six
digits of the person's region code), so a hospital serving two counties is paid by each for
its own residents.

:func:`after_settlement` is the settlement service's after step (``settlement/hooks.py``),
run on the entries just written, in their transaction: it posts the same lines as
:func:`post_settlements` (which sums them from the tables), from the batch's rows in memory.
:func:`post_year` posts what the year batch wrote (it runs no hooks) and is idempotent: it
posts only ids after the last range posted, less those marked at the window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.funds.journal import (
    JournalError,
    Line,
    assert_balanced,
    new_entry,
    payer_of,
    post_entry,
)
from safetynet.funds.prorata import apportion
from safetynet.funds.rules import default_rules
from safetynet.funds.schema import CONTRIBUTION_SOURCES, FundRules
from safetynet.settlement.hooks import Entry
from safetynet.store.models import (
    Claim,
    Enrollment,
    FundEntry,
    FundLine,
    FundPosted,
    Person,
    Settlement,
    SettlementLayer,
)
from safetynet.store.unnest import UnnestInsert

SYSTEM_USER = "funds"
# a batch's marks and lines: one fixed statement of arrays each on PostgreSQL
_POSTED = UnnestInsert(FundPosted.__table__, ("settlement_id", "entry_id"))  # type: ignore[arg-type]
_LINES = UnnestInsert(
    FundLine.__table__,  # type: ignore[arg-type]
    ("entry_id", "fund", "account", "institution_code", "claim_kind", "month", "amount_fen",
     "payer_region"),
)  # fmt: skip
SQLITE_CACHE_KIB = 512 * 1024  # the page cache of a connection posting a year on SQLite
LEDGER_REF = "ledger:"  # a year posting's reference: ledger:<year>:<first id>-<last id>
_NOT_AT_WINDOW = " AND NOT EXISTS (SELECT 1 FROM fund_posted p WHERE p.settlement_id = s.id)"


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


def _sqlite_year_spending(session: Session, rules: FundRules, entry_id: int, span: Span) -> None:
    """SQLite, a whole year: the spending lines summed into a small keyed temporary table
    (an upsert per layer row) instead of sorting millions of rows for a GROUP BY; the layer
    table is read in one pass and each row's entry and claim looked up by key."""
    mapping = rules.fund_of_layer()
    params: dict[str, object] = {"entry": entry_id, "other": rules.unassigned_fund}
    whens = []
    for i, (layer, fund) in enumerate(sorted(mapping.items())):
        whens.append(f"WHEN :l{i} THEN :f{i}")
        params[f"l{i}"], params[f"f{i}"] = layer, fund
    fund = f"CASE l.layer_id {' '.join(whens)} ELSE :other END" if whens else ":other"
    session.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS fund_year_payer_sum (fund TEXT, kind TEXT, "
            "inst TEXT, month INTEGER, payer TEXT, amount INTEGER, "
            "PRIMARY KEY (fund, kind, inst, month, payer))"
        )
    )
    session.execute(text("DELETE FROM fund_year_payer_sum"))
    session.execute(
        text(
            f"INSERT INTO fund_year_payer_sum SELECT {fund}, s.kind, c.institution_code, "
            "CAST(substr(s.claim_date, 6, 2) AS INTEGER), substr(p.region_code, 1, 6), "
            "l.paid_fen FROM settlement_layer l CROSS JOIN settlement s CROSS JOIN claim c "
            "CROSS JOIN person p "
            "WHERE l.settlement_id + 0 BETWEEN :lo AND :hi AND s.id = l.settlement_id + 0 "
            "AND s.year = :year AND c.id = s.claim_id AND p.id = s.person_id "
            "AND l.paid_fen != 0"
            f"{_NOT_AT_WINDOW if span.window else ''} "
            "ON CONFLICT (fund, kind, inst, month, payer) "
            "DO UPDATE SET amount = amount + excluded.amount"
        ),
        params | {"lo": span.first, "hi": span.last, "year": span.year},
    )
    session.execute(
        text(
            "INSERT INTO fund_line (entry_id, fund, account, institution_code, claim_kind, month, "
            "amount_fen, payer_region) SELECT :entry, fund, 'spending', inst, kind, month, "
            "amount, payer FROM fund_year_payer_sum ORDER BY fund, inst, kind, month, payer"
        ),
        {"entry": entry_id},
    )
    session.execute(text("DELETE FROM fund_year_payer_sum"))


@dataclass(frozen=True)
class Span:
    """The settlement-ledger entries of ``year`` with ids ``first``..``last`` (a year's
    posting), less those posted at the window (in ``fund_posted``) when ``window``."""

    year: int
    first: int
    last: int
    window: bool

    @property
    def reference(self) -> str:
        return f"{LEDGER_REF}{self.year}:{self.first}-{self.last}"

    def where(self) -> ColumnElement[bool]:
        cond = and_(Settlement.year == self.year, Settlement.id.between(self.first, self.last))
        if self.window:
            cond = and_(cond, ~exists().where(FundPosted.settlement_id == Settlement.id))
        return cond


def _post_marked(session: Session, rules: FundRules, entry_id: int, span: Span | None) -> int:
    """The spending and payable lines of the settlements marked with ``entry_id`` in
    ``fund_posted`` (a batch at the window) or, for a year, of ``span``."""
    fund = _fund_expr(rules).label("fund")
    month = _month(session).label("month")
    payer = func.substr(Person.region_code, 1, 6).label("payer_region")
    q = (
        select(
            literal(entry_id).label("entry_id"),
            fund,
            literal("spending").label("account"),
            Claim.institution_code,
            Settlement.kind,
            month,
            func.sum(SettlementLayer.paid_fen).label("amount_fen"),
            payer,
        )
        .select_from(SettlementLayer)
        .join(Settlement, Settlement.id == SettlementLayer.settlement_id)
        .join(Claim, Claim.id == Settlement.claim_id)
        .join(Person, Person.id == Settlement.person_id)
        .where(SettlementLayer.paid_fen != 0)
        .group_by(fund, Claim.institution_code, Settlement.kind, month, payer)
    )
    if span is None:
        q = q.join(FundPosted, FundPosted.settlement_id == Settlement.id).where(
            FundPosted.entry_id == entry_id
        )
    else:
        q = q.where(span.where())
    cols = ["entry_id", "fund", "account", "institution_code", "claim_kind", "month", "amount_fen",
            "payer_region"]  # fmt: skip
    if span is not None and session.get_bind().dialect.name == "sqlite":
        _sqlite_year_spending(session, rules, entry_id, span)
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
        FundLine.payer_region,
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
    today = local_today()
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
        out.spending_fen += _post_marked(session, rules, eid, None)
        out.entries.append(eid)
    return out


_LINE_FIELDS = ("fund", "account", "institution_code", "claim_kind", "month", "amount_fen",
                "payer_region")  # fmt: skip
# PostgreSQL: a window batch's journal entry, its ``fund_posted`` marks and its lines in one
# statement (the entry's new id shared through a data-modifying WITH), one text whatever the
# batch's size: three round trips become one
_PG_POST = (
    "WITH e AS (INSERT INTO fund_entry (year, posted_on, kind, memo, created_by) "
    "VALUES (%(year)s, %(posted_on)s, 'settlement', %(memo)s, %(user)s) RETURNING id), "
    "p AS (INSERT INTO fund_posted (settlement_id, entry_id) "
    "SELECT s, e.id FROM e, unnest(%(settlements)s::integer[]) AS s) "
    "INSERT INTO fund_line (entry_id, fund, account, institution_code, claim_kind, month, "
    "amount_fen, payer_region) SELECT e.id, u.fund, u.account, u.institution_code, "
    "u.claim_kind, u.month, sum(u.amount_fen), substr(p.region_code, 1, 6) "
    "FROM e, unnest(%(fund)s::text[], %(account)s::text[], "
    "%(institution_code)s::text[], %(claim_kind)s::text[], %(month)s::integer[], "
    "%(amount_fen)s::bigint[], %(payer_region)s::integer[]) WITH ORDINALITY "
    "AS u(fund, account, institution_code, claim_kind, month, amount_fen, person, n) "
    "JOIN person p ON p.id = u.person "
    "GROUP BY e.id, u.fund, u.account, u.institution_code, u.claim_kind, u.month, "
    "substr(p.region_code, 1, 6) ORDER BY min(u.n)"
)


def _line_row(entry_id: int, ln: Line) -> dict[str, object]:
    return {"entry_id": entry_id, "fund": ln.fund, "account": ln.account,
            "institution_code": ln.institution_code, "claim_kind": ln.claim_kind,
            "month": ln.month, "amount_fen": ln.amount_fen,
            "payer_region": ln.payer_region}  # fmt: skip


def spending_lines(
    rules: FundRules, entries: Sequence[Entry], payers: Mapping[int, str | None] | None = None
) -> list[Line]:
    """The spending lines of ``entries`` (debit each fund's ``spending`` by institution,
    claim kind, month and paying county — ``payers``: person id → payer region —: the sum of
    the layers it pays, the layers paying nothing left out) and the mirrored ``payable``
    credits, as :func:`post_settlements` sums them in SQL."""
    fund_of, other = rules.fund_of_layer(), rules.unassigned_fund
    sums: dict[tuple[str, str, str, int, str], int] = {}
    for e in entries:
        payer = (payers or {}).get(e.person_id) or ""
        for layer_id, paid in e.layers:
            if paid:
                key = (fund_of.get(layer_id, other), e.institution_code, e.kind,
                       e.claim_date.month, payer)  # fmt: skip
                sums[key] = sums.get(key, 0) + paid
    spending = [Line(f, "spending", amount, institution_code=inst, claim_kind=kind, month=m,
                     payer_region=payer or None)
                for (f, inst, kind, m, payer), amount in sorted(sums.items())]  # fmt: skip
    return spending + [replace(x, account="payable", amount_fen=-x.amount_fen) for x in spending]


def after_settlement(session: Session, entry_ids: Sequence[int], entries: Sequence[Entry]) -> None:
    """The after step named in ``settlement/hooks.py``: the batch's entries posted from the
    rows just written (in memory): per scheme year among them, a journal entry, its marks in
    ``fund_posted`` and its lines, one insert each — the lines :func:`post_settlements`
    would sum from the tables (tested equal)."""
    rules = default_rules()
    today = local_today()
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    for year in sorted({e.year for e in entries}):
        mine = [e for e in entries if e.year == year]
        memo = f"{len(entry_ids)} ledger entries at the window"
        if pg:  # the entry, its marks and its lines: one statement (the payer read in it)
            lines = spending_lines(rules, mine, {e.person_id: str(e.person_id) for e in mine})
            conn.exec_driver_sql(_PG_POST, {
                "year": year, "posted_on": today, "memo": memo, "user": SYSTEM_USER,
                "settlements": [e.id for e in mine],
                **{c: [getattr(x, c) for x in lines] for c in _LINE_FIELDS},
                "payer_region": [int(x.payer_region or 0) for x in lines],  # the person
            })  # fmt: skip
            continue
        persons = {e.person_id for e in mine}
        regions = session.execute(
            select(Person.id, Person.region_code).where(Person.id.in_(persons))
        )
        lines = spending_lines(rules, mine, {int(i): payer_of(r) for i, r in regions})
        eid = new_entry(session, year=year, posted_on=today, kind="settlement", user=SYSTEM_USER,
                        memo=memo)  # fmt: skip
        _POSTED.insert(conn, [{"settlement_id": e.id, "entry_id": eid} for e in mine])
        _LINES.insert(conn, [_line_row(eid, x) for x in lines])


def posted_spans(session: Session, year: int) -> list[tuple[int, int]]:
    """The id ranges of the ledger entries of ``year`` posted by year postings: read from
    the references of their journal entries (``ledger:<year>:<first>-<last>``)."""
    refs = session.scalars(
        select(FundEntry.reference).where(
            FundEntry.year == year,
            FundEntry.kind == "settlement",
            FundEntry.reference.like(f"{LEDGER_REF}{year}:%"),
        )
    )
    spans = []
    for ref in refs:
        first, last = (ref or "").rsplit(":", 1)[1].split("-")
        spans.append((int(first), int(last)))
    return sorted(spans)


def posted_count(session: Session, year: int) -> int:
    """How many ledger entries of ``year`` are posted (at the window or by year postings)."""
    posted = exists().where(FundPosted.settlement_id == Settlement.id)
    for first, last in posted_spans(session, year):
        posted = or_(posted, Settlement.id.between(first, last))
    q = select(func.count()).select_from(Settlement).where(Settlement.year == year, posted)
    return int(session.scalar(q) or 0)


def next_span(session: Session, year: int) -> Span | None:
    """The ids a year's posting takes: after the last range posted, up to the ledger's last
    id (``None`` when there is none); whether any of them was posted at the window."""
    first = max((last for _, last in posted_spans(session, year)), default=0) + 1
    last = int(session.scalar(select(func.max(Settlement.id))) or 0)
    if last < first:
        return None
    window = session.scalar(select(exists().where(FundPosted.settlement_id.between(first, last))))
    return Span(year, first, last, bool(window))


def ledger_count(session: Session, span: Span) -> int:
    """How many ledger entries of the span's year a posting of ``span`` posts."""
    return int(
        session.scalar(select(func.count()).select_from(Settlement).where(span.where())) or 0
    )


def post_ledger_year(
    session: Session, year: int, *, user: str, rules: FundRules | None = None
) -> PostResult:
    """Post every settlement-ledger entry of ``year`` not yet posted (one journal entry).

    Nothing is marked per ledger entry: the entry's reference records the id range it posts
    (``ledger:<year>:<first>-<last>``, after the last range posted, up to the ledger's last
    id), and the entries of that range posted at the window (``fund_posted``) are left out.
    The reference is unique, so the same range cannot be posted twice.
    """
    rules = rules or default_rules()
    out = PostResult()
    if session.get_bind().dialect.name == "sqlite":
        # a year's layers look up their entries and claims by key: keep those pages cached
        session.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
    span = next_span(session, year)
    n = 0 if span is None else ledger_count(session, span)
    if span is None or n == 0:
        return out  # nothing new: no empty entry
    eid = new_entry(
        session,
        year=year,
        posted_on=local_today(),
        kind="settlement",
        user=user,
        reference=span.reference,
        memo=f"settlement ledger of {year}",
    )
    out.settlements = n
    out.spending_fen = _post_marked(session, rules, eid, span)
    out.entries.append(eid)
    return out


IncomeKey = tuple[str, str, str | None]  # fund, income account, paying county (None: none)


def _posted_income(session: Session, year: int, kind: str) -> dict[IncomeKey, int]:
    q = (
        select(FundLine.fund, FundLine.account, FundLine.payer_region,
               func.sum(FundLine.amount_fen))
        .join(FundEntry, FundEntry.id == FundLine.entry_id)
        .where(FundEntry.year == year, FundEntry.kind == kind, FundLine.account != "cash")
        .group_by(FundLine.fund, FundLine.account, FundLine.payer_region)
    )  # fmt: skip
    return {(f, a, c or None): -int(v) for f, a, c, v in session.execute(q)}


def _post_income_delta(
    session: Session,
    rules: FundRules,
    year: int,
    kind: str,
    target: dict[IncomeKey, int],
    user: str,
) -> PostResult:
    """Post what ``target`` (income by fund, account and paying county) adds to what is
    posted already (income posted before it named a county is moved to its county)."""
    out = PostResult()
    done = _posted_income(session, year, kind)
    lines: list[Line] = []
    for key in sorted(set(target) | set(done), key=lambda k: (k[0], k[1], k[2] or "")):
        fund, account, payer = key
        delta = target.get(key, 0) - done.get(key, 0)
        if delta:
            lines += [Line(fund, "cash", delta, payer_region=payer),
                      Line(fund, account, -delta, payer_region=payer)]  # fmt: skip
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
                posted_on=local_today(),
                kind=kind,
                lines=lines,
                user=user,
                reference=f"{kind}:{year}:{int(n or 0) + 1}",
                memo=f"{kind} of {year}",
            )
        )
    return out


def contribution_income(session: Session, rules: FundRules, year: int) -> dict[IncomeKey, int]:
    """Each fund's contribution income of ``year`` by source and paying county (the
    enrollee's county: each county's fund is its own): the enrollment's columns summed over
    the year, each county's total of a source split between funds by the funding rules."""
    cols = [getattr(Enrollment, f"{s}_fen") for s in CONTRIBUTION_SOURCES]
    county = func.substr(Person.region_code, 1, 6).label("county")
    rows = session.execute(
        select(county, *[func.coalesce(func.sum(c), 0) for c in cols])
        .join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.year == year)
        .group_by(county)
    ).all()
    out: dict[IncomeKey, int] = {}
    totals = dict.fromkeys(CONTRIBUTION_SOURCES, 0)
    for region, *values in rows:
        payer = payer_of(region)
        for source, v in zip(CONTRIBUTION_SOURCES, values, strict=True):
            totals[source] += int(v)
        for rule in rules.contributions:
            total = int(values[CONTRIBUTION_SOURCES.index(rule.income)])
            if total:
                for fund, part in apportion(total, rule.shares).items():
                    key = (fund, f"income.{rule.income}", payer)
                    out[key] = out.get(key, 0) + part
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
    target: dict[IncomeKey, int] = {}
    for a in rules.allocations:  # each to its one county (funds.schema.Allocation)
        payer = a.county(rules.region)
        if payer is None:
            raise JournalError(
                "allocation_without_county",
                f"an allocation of {a.fund} in {rules.id} names no county: nothing posted",
            )
        key = (a.fund, "income.fiscal", payer)
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
    of the reviewed claim) or of a recovery (``recovery_undo``: a sanction overturned). The
    amount is positive whatever the kind. A recovery without an institution is money a
    person repaid the fund in cash; its undo makes the fund owe it back (``refund_payable``)
    until a ``refund`` (no institution) pays it. ``fund`` defaults to the funds file's
    ``deductions_fund``."""

    institution_code: str
    amount_fen: int
    on: date
    reference: str
    reason: str
    kind: Literal["deduction", "recovery", "reversal", "recovery_undo", "refund"] = "deduction"
    fund: str | None = None
    payer_region: str | None = None  # the county whose money it is (a claim's patient's)


RECOVERY_KINDS = ("recovery", "recovery_undo")


def _deduction_lines(d: Deduction, fund: str) -> list[Line]:
    """The two lines of a deduction, recovery, undo or a person's refund (see
    :func:`post_deductions`)."""
    inst, month, x, c = d.institution_code or None, d.on.month, d.amount_fen, d.payer_region
    if d.kind == "refund":  # paid back to a person: Dr refund_payable, Cr cash
        return [Line(fund, "refund_payable", x, month=month, payer_region=c),
                Line(fund, "cash", -x, month=month, payer_region=c)]  # fmt: skip
    if d.kind == "recovery_undo" and inst is None:  # owed back: Dr recoveries, Cr refund_payable
        return [Line(fund, "recoveries", x, month=month, payer_region=c),
                Line(fund, "refund_payable", -x, month=month, payer_region=c)]  # fmt: skip
    account = "recoveries" if d.kind in RECOVERY_KINDS else "deductions"
    amount = -x if d.kind in ("reversal", "recovery_undo") else x  # given back: reversed
    return [
        Line(fund, "payable" if inst else "cash", amount, institution_code=inst, month=month,
             payer_region=c),
        Line(fund, account, -amount, institution_code=inst, month=month, payer_region=c),
    ]  # fmt: skip


def post_deductions(
    session: Session,
    deductions: Sequence[Deduction],
    *,
    user: str = "review",
    rules: FundRules | None = None,
) -> list[int]:
    """Post review deductions and recoveries: Dr ``payable`` of the institution (``cash``
    for a person's recovery), Cr ``deductions`` / ``recoveries``; a reversal or an
    institution's undo posts the negated lines, a person's undo Dr ``recoveries``, Cr
    ``refund_payable`` (owed back), and a person's refund Dr ``refund_payable``, Cr ``cash``
    (paid back). One entry each, keyed by its reference: one posted already is skipped.
    Every deduction is checked before anything is written; the ids of the entries written
    are returned."""
    rules = rules or default_rules()
    funds = set(rules.fund_ids())
    for d in deductions:
        if d.amount_fen <= 0:
            raise JournalError("bad_amount", f"{d.reference}: a {d.kind} must be positive")
        if d.kind not in ("deduction", "reversal", "refund", *RECOVERY_KINDS):
            raise JournalError("bad_kind", f"{d.reference}: unknown kind {d.kind!r}")
        if (d.fund or rules.deductions_fund) not in funds:
            raise JournalError("unknown_fund", f"{d.reference}: no fund {d.fund!r}")
        if not d.reference or not (d.institution_code or d.kind in (*RECOVERY_KINDS, "refund")):
            raise JournalError("incomplete", "a deduction needs a reference and an institution")
        if d.kind == "refund" and d.institution_code:
            raise JournalError("bad_kind", f"{d.reference}: a refund is paid to a person")
    refs = [f"{d.kind}:{d.reference}" for d in deductions]
    posted = set(session.scalars(select(FundEntry.reference).where(FundEntry.reference.in_(refs))))
    out: list[int] = []
    for d, ref in zip(deductions, refs, strict=True):
        if ref in posted:
            continue
        lines = _deduction_lines(d, d.fund or rules.deductions_fund)
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
    "posted_count",
    "posted_spans",
]
