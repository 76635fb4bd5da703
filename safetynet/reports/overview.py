"""The overview a user sees first: the registry and a year of the ledger, for their region.

All figures are SQL aggregates (one query each), restricted to the region by a sub-select of
the region tree; money is integer fen. Reversals are ledger entries with negated amounts, so
sums over the ledger are net of refunds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
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
    return sorted(session.scalars(select(Settlement.year).distinct()), reverse=True)


def overview(session: Session, region_code: str, year: int | None = None) -> Overview:
    years = ledger_years(session)
    if year is None:
        year = years[0] if years else None
    in_region = within(Person.region_code, region_code)
    persons = session.scalar(select(func.count(Person.id)).where(in_region)) or 0
    households = (
        session.scalar(
            select(func.count(Household.id)).where(within(Household.region_code, region_code))
        )
        or 0
    )
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
