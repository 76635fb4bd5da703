"""A person's death inside a family-doctor contract: the day of death is not a day alive
(safetynet/registry/alive.py), so no planned service falls due from that day on (the
delivery rate does not count what no doctor could do), and no service or contract is
recorded from it on; nor a service dated after today. At, just before and just after the
boundary; the imports on both databases, nothing written when a row is refused."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.imports import import_file
from safetynet.programmes.load import CONTRACT_SCHEMA, FOLLOW_UP_SCHEMA
from safetynet.programmes.rates import Frames, compute
from safetynet.programmes.rules import load_rules, shipped_rules
from safetynet.store.models import DoctorContract, FollowUp, Person
from tests.programmes.conftest import People
from tests.programmes.helpers import (
    CONTRACT_HEADER,
    FOLLOW_HEADER,
    TEAM_HEADER,
    contract_rows,
    team_rows,
)
from tests.registry_imports.helpers import COUNTY, TOWNSHIP, VILLAGE_A, write_csv

RULES = load_rules(shipped_rules()["national-2017"])
START, END = date(2018, 1, 1), date(2019, 1, 1)
# the chronic package of a hypertension contract over 2018 (365 days): follow-ups and drug
# deliveries due 1 April, 1 July, 30 September and 31 December; the health check on
# 31 December
SECOND_DUE = date(2018, 7, 1)


def _delivery(deceased_on: date | None) -> tuple[int, int]:
    """(done, planned) of 2018 for one hypertension contract with nothing done."""
    contract = {"id": 1, "person_id": 1, "team_id": 1, "package": "chronic",
                "signed_on": START, "valid_from": START, "valid_to": END, "fee_fen": 0,
                "free": True, "health_record_no": None, "disease_code": "I10",
                "renews_id": None}  # fmt: skip
    frames = Frames(
        persons=pl.DataFrame({"person_id": [1], "region_code": [VILLAGE_A],
                              "deceased_on": [deceased_on]},
                             schema={"person_id": pl.Int64, "region_code": pl.String,
                                     "deceased_on": pl.Date}),
        villages=pl.DataFrame({"village": [VILLAGE_A], "township": [TOWNSHIP],
                               "county": [COUNTY]}),
        targets=pl.Series([1], dtype=pl.Int64),
        patients=pl.DataFrame(schema={"person_id": pl.Int64, "batch": pl.String,
                                      "state": pl.String, "verified_on": pl.Date,
                                      "outcome_on": pl.Date}),
        claims=pl.DataFrame(schema={"claim_id": pl.Int64, "person_id": pl.Int64,
                                    "start_date": pl.Date, "end_date": pl.Date,
                                    "diagnosis": pl.String, "total_fen": pl.Int64,
                                    "institution_code": pl.String, "in_county": pl.Boolean,
                                    "kind": pl.String, "level": pl.String,
                                    "item_kinds": pl.List(pl.String)}),
        contracts=pl.DataFrame([contract], schema=CONTRACT_SCHEMA),
        services=pl.DataFrame(schema=FOLLOW_UP_SCHEMA),
    )  # fmt: skip
    out = compute(RULES, frames, 2018).filter(
        pl.col("indicator") == "delivery_rate", pl.col("part").is_null()
    )
    return out["numerator"][0], out["denominator"][0]


@pytest.mark.parametrize(
    ("deceased_on", "planned"),
    [
        (None, 9),  # 4 follow-ups, 4 deliveries, 1 health check
        (date(2018, 6, 30), 2),  # the day before the second slot: only the first two
        (SECOND_DUE, 2),  # died the day it falls due: not a day alive, not planned
        (date(2018, 7, 2), 4),  # the day after: the second slots were due while alive
        (date(2018, 12, 31), 6),  # the last day: its three slots are not planned
        (date(2019, 1, 1), 9),  # after the term: everything
    ],
)
def test_no_service_falls_due_from_the_day_of_death(deceased_on: date | None,
                                                     planned: int) -> None:  # fmt: skip
    assert _delivery(deceased_on) == (0, planned)


def _teams_and_contracts(s: Session, people: People, tmp: Path) -> None:
    for kind, header, rows in (("doctor-teams", TEAM_HEADER, team_rows()),
                               ("contracts", CONTRACT_HEADER, contract_rows(people))):  # fmt: skip
        result = import_file(s, kind, write_csv(tmp / f"{kind}.csv", header, rows))
        assert result.ok, [str(p) for p in result.errors]


def _die(s: Session, person_id: int, day: date) -> None:
    s.execute(update(Person).where(Person.id == person_id).values(deceased_on=day))
    s.commit()


def test_a_service_from_the_day_of_death_is_refused(
    county: Session, people: People, tmp_path: Path
) -> None:
    s = county
    _teams_and_contracts(s, people, tmp_path)
    _die(s, people.ids["poor"], date(2017, 6, 1))
    rid = people.resident["poor"]

    def follow(day: str) -> list[str]:
        return [rid, "随访", day, "I10", "132", "84", "", "", ""]

    on_the_day = import_file(s, "follow-ups", write_csv(
        tmp_path / "f1.csv", FOLLOW_HEADER, [follow("2017-05-31"), follow("2017-06-01")]
    ))  # fmt: skip
    assert [(p.row, p.code) for p in on_the_day.errors] == [(3, "follow_up.after_death")]
    assert "2017-06-01" in on_the_day.errors[0].text("en")
    assert s.scalar(select(func.count(FollowUp.id))) == 0  # all or nothing
    before = import_file(s, "follow-ups", write_csv(tmp_path / "f2.csv", FOLLOW_HEADER,
                                                     [follow("2017-05-31")]))  # fmt: skip
    assert before.ok, [str(p) for p in before.errors]
    assert s.scalar(select(func.count(FollowUp.id))) == 1


def test_a_contract_from_the_day_of_death_is_refused(
    county: Session, people: People, tmp_path: Path
) -> None:
    s = county
    _teams_and_contracts(s, people, tmp_path)
    _die(s, people.ids["poor"], date(2018, 1, 1))
    rid = people.resident["poor"]
    renewal = [rid, "T-A", "chronic", "2017-12-20", "2018-01-01", "I10", "HR001"]
    refused = import_file(s, "contracts",
                          write_csv(tmp_path / "c1.csv", CONTRACT_HEADER, [renewal]))  # fmt: skip
    assert [(p.row, p.code) for p in refused.errors] == [(2, "contract.after_death")]
    assert s.scalar(select(func.count(DoctorContract.id))) == 4
    _die(s, people.ids["poor"], date(2018, 1, 2))  # died the day after it starts: taken
    taken = import_file(s, "contracts",
                        write_csv(tmp_path / "c2.csv", CONTRACT_HEADER, [renewal]))  # fmt: skip
    assert taken.ok, [str(p) for p in taken.errors]
    assert s.scalar(select(func.count(DoctorContract.id))) == 5


@pytest.mark.parametrize(("ahead", "taken"), [(0, True), (1, True), (2, False)])
def test_a_service_after_today_is_refused(
    county: Session, people: People, tmp_path: Path, ahead: int, taken: bool
) -> None:
    """A service is imported once done: up to today and a day of slack (time zones)."""
    s = county
    today = local_today()  # the county's day, as the import reads it
    import_file(s, "doctor-teams", write_csv(tmp_path / "t.csv", TEAM_HEADER, team_rows()))
    rid = people.resident["poor"]
    start = today - timedelta(days=30)
    contract = [rid, "T-A", "chronic", str(start), str(start), "I10", "HR001"]
    assert import_file(s, "contracts", write_csv(tmp_path / "c.csv", CONTRACT_HEADER,
                                                 [contract])).ok  # fmt: skip
    day = today + timedelta(days=ahead)
    row = [rid, "随访", str(day), "I10", "132", "84", "", "", ""]
    result = import_file(s, "follow-ups", write_csv(tmp_path / "f.csv", FOLLOW_HEADER, [row]))
    assert result.ok == taken, [str(p) for p in result.errors]
    if not taken:
        assert [(p.row, p.code) for p in result.errors] == [(2, "cell.future")]
    assert s.scalar(select(func.count(FollowUp.id))) == int(taken)
