"""Monthly statements of institutions, computed from the journal.

Per institution and fund, month by month through the year (fen). A month's amounts are
what was posted for it when its payment round was made; what is posted for it after (a
claim of the month settled late, a refund, a deduction dated in it), or for a month whose
round was skipped, is settled by the next round made (:func:`settled_month`), so each fen
is paid once:

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
  not yet netted goes against ``due`` (never more than is due, never below zero);
- ``payable`` = due − prepaid_applied (negative: carried to the next month).

The rows are read from the journal with one grouped query per year (:func:`year_lines`) and
computed in memory (:func:`compute`), so every institution's statements of a year cost one
query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from safetynet.money import apply_ratio
from safetynet.store.models import FundEntry, FundLine, PaymentBatch

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

    @property
    def approved(self) -> int:
        return self.claims - self.deducted - self.recovered

    @property
    def due(self) -> int:
        return self.approved - self.deposit + self.adjustment + self.carried

    @property
    def payable(self) -> int:
        return self.due - self.prepaid_applied


Key = tuple[str, str, int, str | None, str, str]  # inst, fund, month, kind, account, entry kind


def round_cutoffs(session: Session, year: int) -> dict[int, int]:
    """Month → the last journal entry its payment round read (rounds made, not void; a
    round made before the cutoff was recorded: its release entry)."""
    q = select(
        PaymentBatch.month,
        func.coalesce(PaymentBatch.through_entry_id, PaymentBatch.entry_id),
    ).where(PaymentBatch.year == year, PaymentBatch.state != "void")
    return {int(m): int(e) for m, e in session.execute(q) if e is not None}


def settled_month(cutoffs: dict[int, int]) -> ColumnElement[int]:
    """The month whose round settles a journal line of month ``l`` posted as entry ``e``: of
    the rounds of months ``l`` or later that read it (``e`` up to their cutoff), the one made
    first; when none did, the first month from ``l`` on without a round. So a month with a
    round keeps the statement the round was made from, and what is posted for it afterwards
    (a claim of the month settled late, a refund, a deduction dated in it) — or for a month
    skipped — is settled by the next round made."""
    month = func.coalesce(FundLine.month, 12)
    if not cutoffs:
        return month
    made = sorted(cutoffs.items(), key=lambda mc: (mc[1], mc[0]))
    whens = [(and_(month <= m, FundLine.entry_id <= c), m) for m, c in made]
    whens += [(month <= m, m) for m in range(1, 13) if m not in cutoffs]
    return case(*whens, else_=12)


def year_lines(
    session: Session,
    year: int,
    institution: str | None = None,
    through: int | None = None,
    cutoffs: dict[int, int] | None = None,
) -> dict[Key, int]:
    """The year's journal amounts the statements read, summed by institution, fund, month
    (:func:`settled_month` by the rounds' ``cutoffs``, default those made), claim kind,
    account and entry kind (one query); ``through``: the entries up to it only."""
    if cutoffs is None:
        cutoffs = round_cutoffs(session, year)
    month = settled_month(cutoffs).label("month")
    q = (
        select(
            FundLine.institution_code,
            FundLine.fund,
            month,
            FundLine.claim_kind,
            FundLine.account,
            FundEntry.kind,
            func.sum(FundLine.amount_fen),
        )
        .join(FundEntry, FundEntry.id == FundLine.entry_id)
        .where(
            FundEntry.year == year,
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
        )
    )
    if institution is not None:
        q = q.where(FundLine.institution_code == institution)
    if through is not None:  # the entries up to a round's cutoff only
        q = q.where(FundLine.entry_id <= through)
    return {(i, f, int(m or 12), k, a, ek): int(v) for i, f, m, k, a, ek, v in session.execute(q)}


def compute(lines: dict[Key, int], deposit_bp: int) -> list[StatementRow]:
    """Every (institution, fund) row of months 1-12 in which anything happened or an amount
    is carried, in order; pure."""
    rows: dict[tuple[str, str, int], StatementRow] = {}

    def row(inst: str, fund: str, month: int) -> StatementRow:
        key = (inst, fund, month)
        if key not in rows:
            rows[key] = StatementRow(inst, fund, month)
        return rows[key]

    for (inst, fund, month, kind, account, entry_kind), amount in lines.items():
        r = row(inst, fund, month)
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
    pairs = sorted({(i, f) for i, f, _m in rows})
    for inst, fund in pairs:
        available, carried = 0, 0
        for month in range(1, 13):
            r = rows.get((inst, fund, month))
            if r is None:
                if carried == 0:
                    continue
                r = StatementRow(inst, fund, month)
            r.deposit = apply_ratio(r.approved, deposit_bp) if r.approved > 0 else 0
            r.carried = carried
            if r.due < 0:  # nothing is paid this month: nothing withheld either
                r.deposit = 0
            available += r.prepaid_made
            r.prepaid_applied = min(max(r.due, 0), available)
            available -= r.prepaid_applied
            carried = min(r.payable, 0)
            out.append(r)
    return out


def statements(
    session: Session, year: int, deposit_bp: int, institution: str | None = None
) -> list[StatementRow]:
    """Every institution's (or one's) statement rows of the year."""
    return compute(year_lines(session, year, institution), deposit_bp)


def month_rows(rows: list[StatementRow], month: int) -> list[StatementRow]:
    return [r for r in rows if r.month == month]
