"""An independent oracle of the family-doctor figures on the database (both databases): the
planned slots are re-computed here from the written rule (docs/programmes.md, *The lines and
their boundaries*: slot j of n in year y of a contract due on ``a_y + ⌊j × (a_{y+1} − a_y)
days ÷ n⌋ − 1 day``; the k-th service of a kind fills the k-th slot), not by the product's
helpers, and compared with what :func:`safetynet.programmes.service.rates` gives."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import Service
from safetynet.imports import import_file
from safetynet.programmes.service import rates
from safetynet.programmes.worklist import due_list
from safetynet.store.models import Person
from safetynet.store.models.programmes import DoctorContract, DoctorTeam, FollowUp
from tests.programmes.conftest import People
from tests.programmes.helpers import CONTRACT_HEADER, FOLLOW_HEADER, TEAM_HEADER, team_rows
from tests.registry_imports.helpers import COUNTY, VILLAGE_A, write_csv

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


def test_a_renewal_across_the_year_end_and_a_death_imported(
    county: Session, people: People, tmp_path: Path
) -> None:
    """Through the imports: poor's contract from 1 July 2017 (the term by default) renewed
    from 1 July 2018; poor_b's from 1 January 2018, who dies on 15 March 2018. The year's
    figures, a village's and the worklist of 20 December against the slots computed here."""
    s = county
    r = people.resident
    poor_b = s.get(Person, people.ids["poor_b"])
    assert poor_b is not None
    poor_b.deceased_on = date(2018, 3, 15)
    s.commit()
    c1 = due_dates(date(2017, 7, 1), date(2018, 7, 1), 4)
    c2 = due_dates(date(2018, 7, 1), date(2019, 7, 1), 4)
    follow = [[r["poor"], "随访", d.isoformat(), "I10", "130", "80", "", "", ""] for d in c1]
    follow += [[r["poor"], "随访", (c2[0] + timedelta(days=14)).isoformat(), "I10", "150", "95",
                "", "", ""],
               [r["poor_b"], "随访", "2018-02-01", "E11.9", "", "", "6.9", "", ""]]  # fmt: skip
    for kind, header, rows in (
        ("doctor-teams", TEAM_HEADER, team_rows()),
        ("contracts", CONTRACT_HEADER, [
            [r["poor"], "T-A", "chronic", "2017-06-20", "2017-07-01", "I10", "HR001"],
            [r["poor"], "T-TS", "chronic", "2018-06-25", "2018-07-01", "I10", ""],  # other team
            [r["poor_b"], "T-B", "chronic", "2017-12-20", "2018-01-01", "E11.9", "HR003"]]),
        ("follow-ups", FOLLOW_HEADER, follow),
    ):  # fmt: skip
        result = import_file(s, kind, write_csv(tmp_path / f"{kind}.csv", header, rows))
        assert result.ok, [str(p) for p in result.errors]
    renewal = s.scalar(select(DoctorContract).where(DoctorContract.valid_from == date(2018, 7, 1)))
    assert renewal is not None and renewal.renews_id is not None
    assert renewal.valid_to == date(2019, 7, 1)
    # slots due in 2018: the first contract's follow-ups and deliveries 3, 4 and its check
    # (30 June); the renewal's follow-ups and deliveries 1, 2; poor_b none (all due after
    # the death). Done: follow-ups 3 and 4 on their days, the renewal's first 14 days late
    in_2018 = [d for d in c1 + c2 if d.year == 2018]
    assert len(in_2018) == 4
    got = _figures(rates(s, 2018, COUNTY))
    assert got["delivery_rate"] == (3, 2 * len(in_2018) + 1)
    assert got["follow_up_on_time_rate"] == (3, 4)
    # targets: poor, poor_b (alive until 15 March), costly; records: HR001 in force until 1 July
    assert got["contract_rate"] == (2, 3)
    assert got["health_record_rate"] == (2, 3)
    # the latest reading of 2018: poor's 150/95 (not controlled), poor_b's 6.9 (controlled)
    assert got["bp_control_rate"] == (0, 1)
    assert got["glucose_control_rate"] == (1, 1)
    # by month: the renewal's first follow-up, due on 29 September and done 14 days later in
    # October, is on time in September's figures, not done by September's end
    months = rates(s, 2018, COUNTY, by_month=True).filter(
        pl.col("period") == date(2018, 9, 1), pl.col("part").is_null()
    )
    september = {i: (n, d) for i, n, d in months.select(
        "indicator", "numerator", "denominator").iter_rows()}  # fmt: skip
    assert c2[0] == date(2018, 9, 29)
    assert september["follow_up_on_time_rate"] == (1, 1)
    assert september["delivery_rate"] == (0, 2)  # the follow-up and the delivery
    village = _figures(rates(s, 2018, VILLAGE_A))
    assert village["contract_rate"] == (1, 1)  # poor only (ordinary is not a target)
    assert village["delivery_rate"] == got["delivery_rate"]  # poor_b planned nothing
    # the worklist: each kind's next open slot, overdue or due within 14 days
    due = due_list(s, COUNTY, date(2018, 12, 20))
    assert [(d["kind"], d["due_on"], d["overdue"]) for d in due] == [
        ("drug_delivery", c2[0], True), ("follow_up", c2[1], False),
    ]  # fmt: skip
