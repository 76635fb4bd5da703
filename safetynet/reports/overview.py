"""The overview a user sees first: the registry and a year of the ledger, for their region.

All figures are SQL aggregates (one query each), restricted to the region by a sub-select of
the region tree — or, for a large ledger, sums over its snapshot (:mod:`safetynet.derived`),
with the same result; money is integer fen. Reversals are ledger entries with negated amounts, so
sums over the ledger are net of refunds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
from safetynet.derived import views
from safetynet.derived.snapshot import current
from safetynet.security.scope import within
from safetynet.store.models import (
    Enrollment,
    Household,
    Person,
    Settlement,
    SettlementLayer,
)
from safetynet.store.models.ledger import EntryKind


@dataclass
class LevelRow:
    level: str
    visits: int  # outpatient visits (net of refunds)
    admissions: int
    total_fen: int
    paid_fen: int


@dataclass
class Overview:
    year: int | None
    years: list[int]
    persons: int
    households: int
    enrolled: int
    enrolled_poor: int
    claims: int
    total_fen: int
    compliant_fen: int
    paid_fen: int
    out_of_pocket_fen: int
    layers: list[tuple[str, int]] = field(default_factory=list)  # layer id, paid fen
    levels: list[LevelRow] = field(default_factory=list)

    @property
    def compensation_ratio(self) -> float | None:
        """Actual compensation ratio: paid by all layers over total cost."""
        return self.paid_fen / self.total_fen if self.total_fen else None


def ledger_years(session: Session) -> list[int]:
    snap = current(session.connection())
    if snap is not None:
        return views.ledger_years(snap)
    return sorted(session.scalars(select(Settlement.year).distinct()), reverse=True)


def _households(session: Session, region_code: str) -> int:
    query = select(func.count(Household.id)).where(within(Household.region_code, region_code))
    return session.scalar(query) or 0


def overview(session: Session, region_code: str, year: int | None = None) -> Overview:
    snap = current(session.connection())
    if snap is not None:  # a large ledger: from its snapshot (safetynet.derived)
        years = views.ledger_years(snap)
        year = year if year is not None else (years[0] if years else None)
        codes = views.scope_codes(views.regions_frame(session.connection()), region_code)
        fig = views.overview_figures(snap, codes, year)
        levels = [LevelRow(*r) for r in fig.pop("levels")]  # type: ignore[attr-defined]
        return Overview(year=year, years=years, households=_households(session, region_code),
                        levels=levels, **fig)  # type: ignore[arg-type]  # fmt: skip
    years = ledger_years(session)
    if year is None:
        year = years[0] if years else None
    in_region = within(Person.region_code, region_code)
    persons = session.scalar(select(func.count(Person.id)).where(in_region)) or 0
    households = _households(session, region_code)
    enrolled = enrolled_poor = 0
    if year is not None:
        row = session.execute(
            select(
                func.count(Enrollment.id),
                func.sum(case((Enrollment.category != PovertyStatus.ORDINARY, 1), else_=0)),
            )
            .join(Person, Person.id == Enrollment.person_id)
            .where(Enrollment.year == year, in_region)
        ).one()
        enrolled, enrolled_poor = int(row[0] or 0), int(row[1] or 0)
    ledger = (
        select(Settlement)
        .join(Person, Person.id == Settlement.person_id)
        .where(Settlement.year == year, in_region)
        .subquery()
    )
    sign = case((ledger.c.entry_kind == EntryKind.REVERSAL, -1), else_=1)
    totals = session.execute(
        select(
            func.coalesce(func.sum(sign), 0),
            func.coalesce(func.sum(ledger.c.total_fen), 0),
            func.coalesce(func.sum(ledger.c.compliant_fen), 0),
            func.coalesce(func.sum(ledger.c.paid_fen), 0),
            func.coalesce(func.sum(ledger.c.out_of_pocket_fen), 0),
        )
    ).one()
    layers = session.execute(
        select(SettlementLayer.layer_id, func.sum(SettlementLayer.paid_fen))
        .join(ledger, ledger.c.id == SettlementLayer.settlement_id)
        .group_by(SettlementLayer.layer_id)
        .order_by(func.min(SettlementLayer.position))
    ).all()
    inpatient = ledger.c.kind == ClaimKind.INPATIENT
    by_level = {
        r[0]: r
        for r in session.execute(
            select(
                ledger.c.level,
                func.sum(case((inpatient, 0), else_=sign)),
                func.sum(case((inpatient, sign), else_=0)),
                func.sum(ledger.c.total_fen),
                func.sum(ledger.c.paid_fen),
            ).group_by(ledger.c.level)
        ).all()
    }
    levels = [
        LevelRow(lv.value, int(r[1] or 0), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0))
        for lv in InstitutionLevel
        if (r := by_level.get(lv.value) or by_level.get(lv)) is not None
    ]
    return Overview(
        year=year,
        years=years,
        persons=persons,
        households=households,
        enrolled=enrolled,
        enrolled_poor=enrolled_poor,
        claims=int(totals[0]),
        total_fen=int(totals[1]),
        compliant_fen=int(totals[2]),
        paid_fen=int(totals[3]),
        out_of_pocket_fen=int(totals[4]),
        layers=[(lid, int(v or 0)) for lid, v in layers],
        levels=levels,
    )
