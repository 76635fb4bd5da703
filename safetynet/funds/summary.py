"""The fund statements of the annual work summary: each fund's year from the journal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.exports.table import Column, Table
from safetynet.funds.rules import default_rules
from safetynet.funds.statements import payer_prefix
from safetynet.funds.tables import fund_names
from safetynet.funds.watch import INSURANCE, fund_years
from safetynet.i18n import gettext_for
from safetynet.store.models import FundEntry, Region


def fund_statement_table(
    session: Session, year: int, locale: str, payer: str | None = None
) -> Table | None:
    """Each fund's income, spending, what review took back, the year's result, accumulated
    balance and its rates; None when nothing of the year is posted. ``payer``: of the money
    of the paying counties whose codes start with it (a county's: its own), else of all."""
    if session.scalar(select(FundEntry.id).where(FundEntry.year == year).limit(1)) is None:
        return None
    _ = gettext_for(locale)
    rules = default_rules()
    names = fund_names(rules, locale)
    names[INSURANCE] = _("Basic medical insurance fund (basic + critical illness)")
    ids = [INSURANCE, *rules.fund_ids()]
    figures = fund_years(session, rules, year, 12, ids, payer)
    rows: list[list[Any]] = []
    for fid in ids:
        f = figures[fid]
        if not (f.income or f.spending_to_date or f.accumulated):
            continue
        rows.append(
            [
                names.get(fid, fid),
                f.income,
                f.spending_to_date,
                f.income - f.spending_to_date,
                f.accumulated,
                None if f.utilization is None else float(f.utilization),
                None if f.accumulated_rate is None else float(f.accumulated_rate),
            ]
        )
    return Table(
        _("Fund statements, %(year)s") % {"year": year},
        [
            Column("fund", _("Fund"), width=30),
            Column("income", _("Income of the year"), "money"),
            Column("spending", _("Spending"), "money"),
            Column("result", _("Balance of the year"), "money"),
            Column("accumulated", _("Accumulated balance"), "money"),
            Column("utilization", _("Utilization"), "ratio"),
            Column("accumulated_rate", _("Accumulated balance rate"), "ratio"),
        ],
        rows,
        note=_(
            "From the fund journal: income by source, what each fund's layers paid, net of refunds."
        ),
    )


def with_fund_statements(
    summary: Any, session: Session, region: str | None, year: int, locale: str
) -> Any:
    """The summary with the fund statements before its definitions (county or above)."""
    if region is not None:
        level = session.scalar(select(Region.level).where(Region.code == region))
        if level not in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
            return summary
    payer = None if region is None else payer_prefix(region)  # the region's counties' money
    table = fund_statement_table(session, year, locale, payer)
    if table is not None:
        summary.tables.insert(max(len(summary.tables) - 1, 0), table)
    return summary
