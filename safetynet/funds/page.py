"""What the fund page shows, built below the web layer: each fund's year, the alarms that
ring, the charts' data and the month's statements of the institutions in a region.

The funds are the county's: their figures are shown for a region at the county level or
above, each paying county's apart (its income, spending, rates and alarms of its own money;
a city's user sees one block per county, the charts the counties summed); for a township or
village the page shows the statements of the institutions in that region only
(``funds_visible`` is False). A county's statements list only the institutions it pays: its
own, and an institution outside it (an out-of-county hospital, another county's) only when
it settled claims of the county's residents in the year — and of each only the county's
share (the journal's payer region): a hospital serving two counties shows each county its
own money.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.funds.journal import payer_of
from safetynet.funds.schema import FundRules
from safetynet.funds.statements import StatementRow, of_payer, payer_prefix, statements
from safetynet.funds.watch import INSURANCE, AlarmHit, FundYear, alarms, fund_years
from safetynet.security.scope import within
from safetynet.store.models import Claim, FundEntry, Institution, Person, Region, Settlement

MONTHS = list(range(1, 13))


@dataclass
class CountyFunds:
    """One paying county's funds: each county's fund is its own (income, spending, rates
    and alarms of its money only)."""

    code: str
    name: str
    figures: list[FundYear]
    hits: list[AlarmHit]


@dataclass
class FundPage:
    year: int
    month: int
    funds_visible: bool
    years: list[int]
    counties: list[CountyFunds]  # the region's paying counties, each with its funds
    rows: list[StatementRow]
    names: dict[str, str]  # institution code -> name
    chart: dict[str, Any]


def journal_years(session: Session) -> list[int]:
    """Years with journal entries, newest first."""
    return sorted(set(session.scalars(select(FundEntry.year).distinct())), reverse=True)


def _institutions(
    session: Session, region: str, year: int, candidates: set[str], *, payer: bool
) -> dict[str, str]:
    """The institutions shown among ``candidates`` (those with statement rows): the
    region's own (in its tree) and, for the county that pays (``payer``), those outside it
    (out-of-county hospitals, another county's) only when they settled claims of its
    residents in the year."""
    inside = select(Institution.code, Institution.name).where(
        within(Institution.region_code, region), Institution.code.in_(candidates)
    )
    names = {c: n for c, n in session.execute(inside)}
    outside = candidates - set(names)
    if payer and outside:
        paid = (
            select(Claim.institution_code)
            .join(Settlement, Settlement.claim_id == Claim.id)
            .join(Person, Person.id == Settlement.person_id)
            .where(
                Settlement.year == year,
                Claim.institution_code.in_(outside),
                within(Person.region_code, region),
            )
            .distinct()
        )
        codes = set(session.scalars(paid))
        if codes:
            q = select(Institution.code, Institution.name).where(Institution.code.in_(codes))
            names.update({c: n for c, n in session.execute(q)})
    return names


def _counties(session: Session, region: str) -> list[tuple[str, str]]:
    """The paying counties of a region at the county level or above: (6-digit code, name),
    the region itself for a county, the counties in its tree above."""
    q = (
        select(Region.code, Region.name)
        .where(within(Region.code, region), Region.level == RegionLevel.COUNTY)
        .order_by(Region.code)
    )
    out: dict[str, str] = {}
    for code, name in session.execute(q):
        payer = payer_of(code)
        if payer is not None:
            out.setdefault(payer, name)
    return sorted(out.items())


def county_or_above(session: Session, region: str) -> bool:
    """Whether the region is a county or above (the funds' level)."""
    level = session.scalar(select(Region.level).where(Region.code == region))
    return level in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE)


def build(
    session: Session, rules: FundRules, region: str, year: int, month: int, lang: str
) -> FundPage:
    visible = county_or_above(session, region)
    deposit_bp = rules.payments.quality_deposit.share_bp
    every = of_payer(statements(session, year, deposit_bp), region)  # the region's money
    codes = {r.institution_code for r in every}
    names = _institutions(session, region, year, codes, payer=visible)
    rows = [r for r in every if r.institution_code in names]
    figures: list[FundYear] = []
    counties: list[CountyFunds] = []
    ids = [INSURANCE, *rules.fund_ids()]

    def shown(by: dict[str, FundYear]) -> list[FundYear]:
        return [by[i] for i in ids if i == INSURANCE or by[i].income or by[i].spending_to_date]

    if visible:
        prefix = payer_prefix(region)
        for code, name in _counties(session, region):
            mine = shown(fund_years(session, rules, year, month, ids, code))
            if any(f.income or f.spending_to_date or f.accumulated for f in mine):
                counties.append(
                    CountyFunds(code, name, mine, alarms(session, rules, year, month, code))
                )
        # the charts: the region's money (one county's, or the counties' below it summed)
        figures = shown(fund_years(session, rules, year, month, ids, prefix))
    zh = lang.startswith("zh")
    label = {f.id: (f.name.zh if zh else f.name.en) for f in rules.funds}
    chart = {
        "months": MONTHS,
        "spending": [
            {"name": label.get(f.fund, f.fund), "data": [v / 100 for v in f.spending_by_month]}
            for f in figures
            if f.fund != INSURANCE and f.spending_to_date
        ],
        "income": [
            {"name": src, "value": v / 100}
            for f in figures
            if f.fund == INSURANCE
            for src, v in sorted(f.income_by_source.items())
            if v
        ],
        "projection": _projection(figures[0]) if figures else None,
    }
    return FundPage(
        year,
        month,
        visible,
        journal_years(session),
        counties,
        [r for r in rows if r.month == month],
        names,
        chart,
    )


def _projection(fy: FundYear) -> dict[str, Any]:
    """Cumulative spending to date and the band of projections to year end (yuan)."""
    actual, total = [], 0
    for m in range(12):
        total += fy.spending_by_month[m]
        actual.append(total / 100 if m < fy.as_of else None)
    low, high = fy.projection_band
    done = fy.spending_to_date
    rest = 12 - fy.as_of

    def path(end: int) -> list[float | None]:
        return [
            None
            if m + 1 < fy.as_of
            else (done + (end - done) * (m + 1 - fy.as_of) // max(rest, 1)) / 100
            for m in range(12)
        ]

    return {"actual": actual, "low": path(low), "high": path(high), "income": fy.income / 100}
