"""The double-entry journal: writing a balanced entry, checking entries, reading balances.

An entry is written whole or not at all: a manual entry is checked before anything is
written (at least two lines, every fund and account in the chart, an institution on the
lines that need one, debits equal to credits to the fen), and entries written set-based by
posting are checked after their INSERTs, in the same transaction, so an unbalanced one rolls
the transaction back. The tables refuse UPDATE and DELETE (append-only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.funds.accounts import ACCOUNTS, PER_INSTITUTION
from safetynet.funds.schema import MAX_AMOUNT_YUAN, FundRules
from safetynet.money import fmt_yuan
from safetynet.store.models import FundEntry, FundLine, Institution, Region

# the most one line may hold (fen): a thousand billion yuan, far above any fund's year and far
# inside the column (BIGINT); a line beyond it is refused, not overflowed in the database (the
# funds file's amounts are bounded by the same figure)
MAX_LINE_FEN = int(MAX_AMOUNT_YUAN) * 100


class JournalError(ValueError):
    """An entry refused, with a code and a message a user can act on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Line:
    """One posting: ``amount_fen`` > 0 debits the account, < 0 credits it."""

    fund: str
    account: str
    amount_fen: int
    institution_code: str | None = None
    claim_kind: str | None = None
    month: int | None = None
    payer_region: str | None = None  # the county whose fund pays (6 digits)


# the columns' lengths of the text an entry stores (longer was a database error on
# PostgreSQL, a traceback; SQLite kept it whole)
TEXT_LENGTHS = {"reference": 120, "memo": 200, "user": 64, "institution": 32}


def check_text(field: str, value: str | None) -> None:
    """Refuse (``too_long``) a text longer than its column, naming the field."""
    limit = TEXT_LENGTHS[field]
    if value is not None and len(value) > limit:
        raise JournalError(
            "too_long", f"{field}: {len(value)} characters, at most {limit}; nothing was written"
        )


def payer_of(region_code: str | None) -> str | None:
    """The paying county of a person's region: its 6-digit county code (both spellings of a
    region code start with it)."""
    return region_code[:6] if region_code and len(region_code) >= 6 else None


def name_counties(session: Session, lines: Sequence[Line]) -> list[Line]:
    """``lines`` each naming its paying county (every journal line does: a line of no county
    is left out of every county's fund figures and alarms): the one it names, else its
    institution's county in the registry, else the registry's one county; refused
    (``no_county``) when that cannot be told (several counties), nothing written."""
    counties = set(session.scalars(select(Region.code).where(Region.level == RegionLevel.COUNTY)))
    counties = {c[:6] for c in counties}
    codes = {ln.institution_code for ln in lines if ln.institution_code and not ln.payer_region}
    homes = {
        code: region
        for code, region in session.execute(
            select(Institution.code, Institution.region_code).where(Institution.code.in_(codes))
        )
    }
    only = next(iter(counties)) if len(counties) == 1 else None
    out = []
    for i, ln in enumerate(lines, 1):
        if ln.payer_region and ln.payer_region not in counties:
            raise JournalError(
                "no_county",
                f"line {i}: no county {ln.payer_region} in the registry; nothing was written",
            )
        county = ln.payer_region or payer_of(homes.get(ln.institution_code or ""))
        if county not in counties:
            county = only
        if county is None:
            raise JournalError(
                "no_county",
                f"line {i}: the registry has {len(counties)} counties: name the county whose "
                "fund it is (6 digits); nothing was written",
            )
        out.append(replace(ln, payer_region=county))
    return out


def unknown_institutions(session: Session, lines: Sequence[Line]) -> list[tuple[int, str]]:
    """The lines (0-based index, code) naming an institution the registry does not hold,
    exactly as written: a manual entry's line on ``payable`` or ``prepaid`` of such a code
    was paid by the month's round to no institution any bank file names."""
    # a code longer than the column is no code: :func:`check_lines` refuses it (too_long)
    codes = {ln.institution_code for ln in lines
             if ln.institution_code is not None and len(ln.institution_code) <= 32}  # fmt: skip
    if not codes:
        return []
    known = set(session.scalars(select(Institution.code).where(Institution.code.in_(codes))))
    return [
        (i, ln.institution_code)
        for i, ln in enumerate(lines)
        if ln.institution_code in codes and ln.institution_code not in known
    ]


def check_lines(rules: FundRules, lines: Sequence[Line]) -> None:
    """Raise :class:`JournalError` unless ``lines`` make a valid, balanced entry."""
    if len(lines) < 2:
        raise JournalError("too_few_lines", "an entry needs at least two lines")
    funds = set(rules.fund_ids())
    for i, ln in enumerate(lines, 1):
        if ln.fund not in funds:
            raise JournalError("unknown_fund", f"line {i}: no fund {ln.fund!r} in the chart")
        if ln.account not in ACCOUNTS:
            raise JournalError("unknown_account", f"line {i}: no account {ln.account!r}")
        if ln.account in PER_INSTITUTION and not ln.institution_code:
            raise JournalError("no_institution", f"line {i}: {ln.account} needs an institution")
        if ln.institution_code is not None and len(ln.institution_code) > 32:
            raise JournalError("too_long", f"line {i}: institution code longer than 32 characters")
        if not -MAX_LINE_FEN <= ln.amount_fen <= MAX_LINE_FEN:
            raise JournalError(
                "bad_amount",
                f"line {i}: {fmt_yuan(ln.amount_fen)} yuan is beyond "
                f"{fmt_yuan(MAX_LINE_FEN)} yuan, the most a line may hold",
            )
        if ln.month is not None and not 1 <= ln.month <= 12:
            raise JournalError("bad_month", f"line {i}: month {ln.month} is not 1-12")
    debit = sum(ln.amount_fen for ln in lines if ln.amount_fen > 0)
    credit = -sum(ln.amount_fen for ln in lines if ln.amount_fen < 0)
    if debit != credit:
        raise JournalError(
            "unbalanced",
            f"the entry does not balance: debits {fmt_yuan(debit)} yuan, credits "
            f"{fmt_yuan(credit)} yuan (difference {fmt_yuan(debit - credit)} yuan); "
            "nothing was written",
        )


def post_entry(
    session: Session,
    rules: FundRules,
    *,
    year: int,
    posted_on: date,
    kind: str,
    lines: Sequence[Line],
    user: str,
    reference: str | None = None,
    memo: str | None = None,
) -> int:
    """Write one balanced entry and its lines (refused whole with :class:`JournalError`)."""
    check_lines(rules, lines)
    for field, value in (("reference", reference), ("memo", memo), ("user", user)):
        check_text(field, value)
    if reference is not None and session.scalar(
        select(FundEntry.id).where(FundEntry.reference == reference)
    ):
        raise JournalError("duplicate", f"an entry with reference {reference!r} is posted already")
    entry_id = new_entry(
        session,
        year=year,
        posted_on=posted_on,
        kind=kind,
        user=user,
        reference=reference,
        memo=memo,
    )
    session.execute(
        insert(FundLine),
        [
            {
                "entry_id": entry_id,
                "fund": ln.fund,
                "account": ln.account,
                "institution_code": ln.institution_code,
                "claim_kind": ln.claim_kind,
                "month": ln.month,
                "amount_fen": ln.amount_fen,
                "payer_region": ln.payer_region,
            }
            for ln in lines
        ],
    )
    return entry_id


def new_entry(
    session: Session,
    *,
    year: int,
    posted_on: date,
    kind: str,
    user: str,
    reference: str | None = None,
    memo: str | None = None,
) -> int:
    """Insert an entry's header (its lines follow, then :func:`assert_balanced`)."""
    row = {
        "year": year,
        "posted_on": posted_on,
        "kind": kind,
        "reference": reference,
        "memo": memo,
        "created_by": user,
    }
    entry_id: int = session.execute(insert(FundEntry).returning(FundEntry.id), row).scalar_one()
    return entry_id


def assert_balanced(session: Session, entry_ids: Sequence[int]) -> None:
    """Raise :class:`JournalError` if any of ``entry_ids`` does not sum to zero."""
    if not entry_ids:
        return
    bad = session.execute(
        select(FundLine.entry_id, func.sum(FundLine.amount_fen))
        .where(FundLine.entry_id.in_(entry_ids))
        .group_by(FundLine.entry_id)
        .having(func.sum(FundLine.amount_fen) != 0)
    ).first()
    if bad is not None:
        raise JournalError(
            "unbalanced", f"entry {bad[0]} does not balance by {fmt_yuan(int(bad[1]))} yuan"
        )


def balances(
    session: Session, *, year: int | None = None, fund: str | None = None
) -> dict[tuple[str, str], int]:
    """The balance of each (fund, account) (debit positive), for a year or all years."""
    q = select(FundLine.fund, FundLine.account, func.sum(FundLine.amount_fen)).group_by(
        FundLine.fund, FundLine.account
    )
    if year is not None:
        q = q.join(FundEntry, FundEntry.id == FundLine.entry_id).where(FundEntry.year == year)
    if fund is not None:
        q = q.where(FundLine.fund == fund)
    return {(f, a): int(v) for f, a, v in session.execute(q)}


def owed_to_institutions(session: Session, *, year: int | None = None) -> dict[str, int]:
    """What the funds owe each institution (the payable accounts' credit balance)."""
    q = (
        select(FundLine.institution_code, func.sum(FundLine.amount_fen))
        .where(FundLine.account == "payable")
        .group_by(FundLine.institution_code)
    )
    if year is not None:
        q = q.join(FundEntry, FundEntry.id == FundLine.entry_id).where(FundEntry.year == year)
    return {str(code): -int(v) for code, v in session.execute(q)}
