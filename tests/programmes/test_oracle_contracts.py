"""An independent oracle of the family-doctor figures on the database (both databases): the
planned slots are re-computed here from the written rule (docs/programmes.md, *The lines and
their boundaries*: slot j of n in year y of a contract due on ``a_y + ⌊j × (a_{y+1} − a_y)
days ÷ n⌋ − 1 day``; the k-th service of a kind fills the k-th slot), not by the product's
helpers, and compared with what :func:`safetynet.programmes.service.rates` gives."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy.orm import Session

from safetynet.codes import Service
from safetynet.programmes.service import rates
from safetynet.store.models.programmes import DoctorContract, DoctorTeam, FollowUp
from tests.programmes.conftest import People
from tests.registry_imports.helpers import COUNTY, VILLAGE_A

# the shipped chronic package for a hypertension contract: per year
CHRONIC = {Service.HEALTH_CHECK: 1, Service.FOLLOW_UP: 4, Service.DRUG_DELIVERY: 4}


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year: the last day of February
        return date(start.year + years, 2, 28)


def due_dates(start: date, end: date, per_year: int) -> list[date]:
    """The slots of one kind of a contract over [start, end), by the written rule."""
    out = []
    y = 0
    while _anniversary(start, y) < end:
        a, b = _anniversary(start, y), _anniversary(start, y + 1)
        for j in range(1, per_year + 1):
            due = a + timedelta(days=j * (b - a).days // per_year - 1)
            if due < end:
                out.append(due)
        y += 1
    return out


def _figures(frame: pl.DataFrame) -> dict[str, tuple[int, int]]:
    whole = frame.filter(pl.col("part").is_null())
    return {i: (n, d) for i, n, d in whole.select("indicator", "numerator", "denominator")
            .iter_rows()}  # fmt: skip


def _contract(s: Session, people: People, start: date, end: date) -> DoctorContract:
    team = DoctorTeam(code="T-O", region_code=VILLAGE_A, doctor="Dr O")
    s.add(team)
    s.flush()
    contract = DoctorContract(person_id=people.ids["poor"], team_id=team.id, package="chronic",
                              signed_on=start, valid_from=start, valid_to=end, fee_fen=0,
                              free=True, health_record_no="HR-O", disease_code="I10",
                              recorded_by="t")  # fmt: skip
    s.add(contract)
    s.flush()
    return contract


def test_a_three_year_contract_counts_every_service_since_its_first_day(
    county: Session, people: People
) -> None:
    """Every service done on its day over a three-year contract: the year 2018 is fully
    delivered and on time. The services of the contract's first year (2016) fill its first
    slots: read from 366 days before the year only, they were missed and every later service
    filled a slot one year too early, so 2018 showed one follow-up of four done, none on
    time."""
    s = county
    start, end = date(2016, 1, 1), date(2019, 1, 1)
    contract = _contract(s, people, start, end)
    for kind, n in CHRONIC.items():
        for day in due_dates(start, end, n):
            s.add(FollowUp(contract_id=contract.id, person_id=contract.person_id, kind=kind,
                           done_on=day, systolic=130 if kind == Service.FOLLOW_UP else None,
                           diastolic=80 if kind == Service.FOLLOW_UP else None,
                           recorded_by="t"))  # fmt: skip
    s.commit()
    in_2018 = {k: [d for d in due_dates(start, end, n) if d.year == 2018]
               for k, n in CHRONIC.items()}  # fmt: skip
    planned = sum(len(v) for v in in_2018.values())
    assert planned == 9  # 1 check, 4 follow-ups, 4 deliveries
    got = _figures(rates(s, 2018, COUNTY))
    assert got["delivery_rate"] == (planned, planned)
    assert got["follow_up_on_time_rate"] == (4, 4)
    assert got["contract_rate"] == (1, 3)  # targets: poor, poor_b and costly (household H003)
