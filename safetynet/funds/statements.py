"""Monthly statements of institutions, computed from the journal.

Per institution and fund, month by month through the year (fen). A month's amounts are
what was posted for it when its payment round was made; what is posted for it after (a
claim of the month settled late, a refund, a deduction dated in it), or for a month whose
round was skipped, is settled by the next round made (:func:`settled_period`), so each fen
is paid once — across the year boundary too: what is posted for a year after its December
round is settled by the next year's first round (January's, or the next made), and each
row says which periods (year-month) its amounts belong to (``periods``):

- ``claims``: what the layer paid at the window for the institution's claims of the month
  (the fund's ``spending`` lines), also by claim kind;
- ``deducted``, ``recovered``: review deductions and recoveries of the month;
- ``approved`` = claims − deducted − recovered;
- ``deposit``: the quality deposit withheld, ``share × approved`` rounded half up to the fen
  (nothing when approved is not positive, or when nothing is due this month);
- ``adjustment``: the global budget's year-end settlement (the underspend kept, or minus the
  overspend borne);
- ``carried``: a negative amount due of the month before (the institution owed the fund);
- ``due`` = approved − deposit + adjustment + carried;
- ``prepaid_made``: advances paid in the month; ``prepaid_applied``: what of the advances
  not yet netted goes against ``due`` (never more than is due, never below zero); the
  advances a year leaves not netted after its December round are netted from the next
  year's January on (:class:`Opening`), like an amount owed is carried;
- ``payable`` = due − prepaid_applied (negative: carried to the next month).

The rows are read from the journal with one grouped query per year (:func:`year_lines`) and
computed in memory (:func:`compute`), so every institution's statements of a year cost one
query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, true
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.funds.journal import JournalError
from safetynet.money import apply_ratio
from safetynet.regions import significant
from safetynet.store.models import FundEntry, FundLine, Institution, PaymentBatch, Region

ACCOUNTS_READ = ("spending", "deductions", "recoveries", "prepaid", "budget_adjustment")


@dataclass
class StatementRow:
    """One institution's month in one fund."""

    institution_code: str
    fund: str
    month: int
    claims: int = 0
    claims_by_kind: dict[str, int] = field(default_factory=dict)
    deducted: int = 0
    recovered: int = 0
    deposit: int = 0
    adjustment: int = 0
    carried: int = 0
    prepaid_made: int = 0
    prepaid_applied: int = 0
    # the period (year × 100 + month) each amount of approved + adjustment belongs to
    periods: dict[int, int] = field(default_factory=dict)
    payer_region: str | None = None  # the county whose fund pays the row

    @property
    def approved(self) -> int:
        return self.claims - self.deducted - self.recovered

    @property
    def due(self) -> int:
        return self.approved - self.deposit + self.adjustment + self.carried

    @property
    def payable(self) -> int:
        return self.due - self.prepaid_applied


# inst, fund, settled month, claim kind, account, entry kind, period it belongs to (yyyymm)
# and, optionally, the paying county ("" when none is known)
Key = (
    tuple[str, str, int, str | None, str, str, int]
    | tuple[str, str, int, str | None, str, str, int, str]
)
# (period yyyymm, paying county or None for a round of every county) -> the round's cutoff
Cutoffs = dict[tuple[int, str | None], int]


def period_of(year: int, month: int) -> int:
    """A period's key: year × 100 + month (ordered like the periods)."""
    return year * 100 + month


def round_cutoffs(session: Session, year: int | None = None) -> Cutoffs:
    """(Period, paying county) → the last journal entry its payment round read (rounds made,
    not void; a round made before the cutoff was recorded: its release entry), of every year
    (or of ``year``); the county is None for a round of every county."""
    q = select(
        PaymentBatch.year,
        PaymentBatch.month,
        PaymentBatch.payer_region,
        func.coalesce(PaymentBatch.through_entry_id, PaymentBatch.entry_id),
    ).where(PaymentBatch.state != "void")
    if year is not None:
        q = q.where(PaymentBatch.year == year)
    return {
        (period_of(int(y), int(m)), payer): int(e)
        for y, m, payer, e in session.execute(q)
        if e is not None
    }


def _line_period() -> ColumnElement[int]:
    return FundEntry.year * 100 + func.coalesce(FundLine.month, 12)


def payer_expr() -> ColumnElement[str]:
    """A line's paying county: the one it names, else its institution's county (needs
    ``institution`` outer-joined), else ``""``."""
    return func.coalesce(
        FundLine.payer_region, func.substr(Institution.region_code, 1, 6), literal("")
    )


def settled_period(cutoffs: Cutoffs, payer: ColumnElement[str] | None = None) -> ColumnElement[int]:
    """The period (year × 100 + month) whose round settles a journal line of period ``l``
    posted as entry ``e`` (needs ``fund_entry`` joined, and for ``payer`` the institution):
    of the rounds of period ``l`` or later that read it (of its paying county or of every
    county, ``e`` up to their cutoff), the one made first; when none did, the first period
    from ``l`` on without such a round. A round of a later year reads the lines of a year only
    when that year's December round (of the county) was made before it (the year is closed),
    and a period of a later year is open to them only once it is closed. So a month with a
    round keeps the statement the round was made from, and what is posted for it afterwards
    (a claim settled late, a refund, a deduction dated in it) — or for a month skipped, or
    for a year after its December round — is settled by the next round made."""
    period = _line_period()
    if not cutoffs:
        return period
    who = payer if payer is not None else payer_expr()

    def of(county: str | None) -> ColumnElement[bool]:
        return true() if county is None else who == county

    december = {(p // 100, c): x for (p, c), x in cutoffs.items() if p % 100 == 12}

    def of_year(y: int, county: str | None, before: int | None) -> ColumnElement[bool]:
        """The line is of year ``y``, or of an earlier year the county closed (before cutoff
        ``before``)."""
        closed = [
            and_(FundEntry.year == yy, of(cc))
            for (yy, cc), x in december.items()
            if yy < y
            and (before is None or x < before)
            and (county is None or cc in (None, county))
        ]
        return or_(FundEntry.year == y, *closed) if closed else FundEntry.year == y

    made = sorted(cutoffs.items(), key=lambda pc: (pc[1], pc[0][0]))
    whens = [
        (and_(period <= p, FundLine.entry_id <= x, of(c), of_year(p // 100, c, x)), p)
        for (p, c), x in made
    ]
    periods = {p for p, _c in cutoffs}
    years = range(min(periods) // 100, max(periods) // 100 + 2)
    for q in (period_of(y, m) for y in years for m in range(1, 13)):
        covered = {c for (p, c) in cutoffs if p == q}
        if None in covered:
            continue  # a round of every county: no county's period is open
        counties = sorted(c for c in covered if c is not None)
        free = who.not_in(counties) if counties else true()
        whens.append((and_(period <= q, free, of_year(q // 100, None, None)), q))
    return case(*whens, else_=period)


def _first_year(cutoffs: Cutoffs, year: int) -> int:
    """The earliest year whose lines a statement of ``year`` may settle: every year from it
    to ``year − 1`` closed by a December round."""
    decembers = {p // 100 for p, _c in cutoffs if p % 100 == 12}
    first = year
    while first - 1 in decembers:
        first -= 1
    return first


def year_lines(
    session: Session,
    year: int,
    institution: str | None = None,
    through: int | None = None,
    cutoffs: Cutoffs | None = None,
    *,
    by_origin: bool = False,
    payer: str | None = None,
) -> dict[Key, int]:
    """The journal amounts the statements of ``year`` read, summed by institution, fund,
    month (:func:`settled_period` by the rounds' ``cutoffs``, default those made: lines of
    earlier years settled this year included), claim kind, account, entry kind, the period
    each belongs to and the paying county (one query); ``through``: the entries up to it
    only; ``by_origin``: the year's own lines by the month they belong to (the year's
    figures); ``payer``: one paying county's lines only."""
    origin = _line_period().label("origin")
    county = payer_expr()
    if by_origin:
        settled: ColumnElement[int] = _line_period()
        first = year
    else:
        if cutoffs is None:
            cutoffs = round_cutoffs(session)
        settled = settled_period(cutoffs, county)
        first = _first_year(cutoffs, year)
    month = (settled % 100).label("month")
    q = (
        select(
            FundLine.institution_code,
            FundLine.fund,
            month,
            FundLine.claim_kind,
            FundLine.account,
            FundEntry.kind,
            origin,
            county.label("payer"),
            func.sum(FundLine.amount_fen),
        )
        .join(FundEntry, FundEntry.id == FundLine.entry_id)
        .outerjoin(Institution, Institution.code == FundLine.institution_code)
        .where(
            FundEntry.year.between(first, year),
            settled.between(period_of(year, 1), period_of(year, 12)),
            FundLine.account.in_(ACCOUNTS_READ),
            FundLine.institution_code.is_not(None),
        )
        .group_by(
            FundLine.institution_code,
            FundLine.fund,
            month,
            FundLine.claim_kind,
            FundLine.account,
            FundEntry.kind,
            origin,
            county,
        )
    )
    if institution is not None:
        q = q.where(FundLine.institution_code == institution)
    if payer is not None:
        q = q.where(county == payer)
    if through is not None:  # the entries up to a round's cutoff only
        q = q.where(FundLine.entry_id <= through)
    return {
        (i, f, int(m or 12), k, a, ek, int(o), str(c or "")): int(v)
        for i, f, m, k, a, ek, o, c, v in session.execute(q)
    }


@dataclass(frozen=True)
class Opening:
    """What a year's statements open with, per (institution, fund, paying county or ""):
    ``carried``, what the institution still owed the fund after the December round of the
    year before (negative); ``advanced``, the prepayments made and not yet netted against
    anything due by then (positive): netted from January on, as the advances of the year."""

    carried: dict[tuple[str, str, str], int] = field(default_factory=dict)
    advanced: dict[tuple[str, str, str], int] = field(default_factory=dict)


def compute(
    lines: dict[Key, int],
    deposit_bp: int,
    opening: Opening | dict[tuple[str, str, str], int] | None = None,
) -> list[StatementRow]:
    """Every (institution, fund, paying county) row of months 1-12 in which anything
    happened or an amount is carried, in order; ``opening``: what each (institution, fund,
    paying county or "") brings from the year before (:class:`Opening`; a plain mapping is
    the amounts owed, ``carried``); pure."""
    return _run(lines, deposit_bp, opening)[0]


def _run(
    lines: dict[Key, int],
    deposit_bp: int,
    opening: Opening | dict[tuple[str, str, str], int] | None = None,
) -> tuple[list[StatementRow], Opening]:
    """:func:`compute`'s rows, and what the year leaves to the next (:class:`Opening`)."""
    if opening is None:
        opening = Opening()
    elif not isinstance(opening, Opening):
        opening = Opening(carried=dict(opening))
    rows: dict[tuple[str, str, str, int], StatementRow] = {}

    def row(inst: str, fund: str, payer: str, month: int) -> StatementRow:
        key = (inst, fund, payer, month)
        if key not in rows:
            rows[key] = StatementRow(inst, fund, month, payer_region=payer or None)
        return rows[key]

    for key, amount in lines.items():
        inst, fund, month, kind, account, entry_kind, origin = key[:7]
        r = row(inst, fund, str(key[7]) if len(key) > 7 else "", month)
        if account in ("spending", "deductions", "recoveries", "budget_adjustment"):
            r.periods[origin] = r.periods.get(origin, 0) + amount
        if account == "spending":
            r.claims += amount
            name = kind or "other"
            r.claims_by_kind[name] = r.claims_by_kind.get(name, 0) + amount
        elif account == "deductions":
            r.deducted -= amount
        elif account == "recoveries":
            r.recovered -= amount
        elif account == "budget_adjustment":
            r.adjustment += amount
        elif account == "prepaid" and entry_kind == "prepayment":
            r.prepaid_made += amount
    out: list[StatementRow] = []
    left = Opening()
    triples = sorted(
        {(i, f, c) for i, f, c, _m in rows}
        | {k for k, v in opening.carried.items() if v}
        | {k for k, v in opening.advanced.items() if v}
    )
    for inst, fund, payer in triples:
        available = opening.advanced.get((inst, fund, payer), 0)
        carried = opening.carried.get((inst, fund, payer), 0)
        for month in range(1, 13):
            r = rows.get((inst, fund, payer, month))
            if r is None:
                if carried == 0:
                    continue
                r = StatementRow(inst, fund, month, payer_region=payer or None)
            r.deposit = apply_ratio(r.approved, deposit_bp) if r.approved > 0 else 0
            r.carried = carried
            if r.due < 0:  # nothing is paid this month: nothing withheld either
                r.deposit = 0
            available += r.prepaid_made
            r.prepaid_applied = min(max(r.due, 0), available)
            available -= r.prepaid_applied
            carried = min(r.payable, 0)
            out.append(r)
        if carried:
            left.carried[(inst, fund, payer)] = carried
        if available:
            left.advanced[(inst, fund, payer)] = available
    return out, left


def statements(
    session: Session,
    year: int,
    deposit_bp: int,
    institution: str | None = None,
    payer: str | None = None,
) -> list[StatementRow]:
    """Every institution's (or one's) statement rows of the year, one per paying county
    (or of one paying county's money only)."""
    check_payer(session, payer, county=True)
    cutoffs = round_cutoffs(session)
    lines = year_lines(session, year, institution, cutoffs=cutoffs, payer=payer)
    opening = opening_carried(session, year, deposit_bp, cutoffs, institution, payer)
    return compute(lines, deposit_bp, opening)


def opening_carried(
    session: Session,
    year: int,
    deposit_bp: int,
    cutoffs: Cutoffs,
    institution: str | None = None,
    payer: str | None = None,
    through: int | None = None,
) -> Opening:
    """What each (institution, fund, paying county) brings from the year before: what it
    still owed the fund after the December round (a negative amount due carried) and the
    prepayments not yet netted (the year-end settlement of the advances nets them against
    the next year's dues, so no advance is forgotten at the year's end). Nothing while that
    December has no round (the year is open: its own rounds net them)."""
    if not any(p == period_of(year - 1, 12) for p, _c in cutoffs):
        return Opening()
    lines = year_lines(session, year - 1, institution, through, cutoffs, payer=payer)
    before = opening_carried(session, year - 1, deposit_bp, cutoffs, institution, payer, through)
    return _run(lines, deposit_bp, before)[1]


def check_payer(session: Session, payer: str | None, *, county: bool = False) -> None:
    """Refuse (``payer_unknown``) a paying county's code under which no county of the
    registry pays: ``county``, a round's and a statement's, whose lines name their county
    exactly (6 digits); else the prefixes the alarms and a pot read (a county's 6 digits, a
    city's 4, a province's 2), written short as the journal's lines name their county. A
    round drafted for an unknown code paid nobody and blocked the month's round of every
    county; statements, alarms and pots read as "nothing" instead of "no such county"."""
    if payer is None:
        return
    found = (
        payer.isascii()
        and payer.isdigit()
        and len(payer) in ((6,) if county else (2, 4, 6))
        and session.scalar(
            select(Region.code)
            .where(Region.code.startswith(payer), Region.level == RegionLevel.COUNTY)
            .limit(1)
        )
        is not None
    )
    if not found:
        shape = "341821" if county else "341821 (a county) or 3418 (a city)"
        raise JournalError(
            "payer_unknown", f"no county pays from the funds as {payer!r}: give a code as {shape}"
        )


def payer_prefix(region_code: str) -> str:
    """The prefix of the paying counties a user of ``region_code`` sees: the county's code
    for a county or below, the city's or province's prefix above."""
    return significant(region_code)[:6]


def of_payer(rows: list[StatementRow], region_code: str) -> list[StatementRow]:
    """The rows of the money of the counties in ``region_code`` (a county user: their
    county's share only)."""
    prefix = payer_prefix(region_code)
    return [r for r in rows if (r.payer_region or "").startswith(prefix)]


def month_rows(rows: list[StatementRow], month: int) -> list[StatementRow]:
    return [r for r in rows if r.month == month]
