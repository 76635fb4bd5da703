"""The programme's target population of a year and a contract's fee at their date
boundaries, on SQLite and PostgreSQL: a status period's first day counts and its
``valid_to`` (exclusive) does not; a person's own period overrides the household's within a
family (the registry's rule); the day of death is not a day alive."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import PovertyStatus, Sex
from safetynet.imports import import_file
from safetynet.programmes.load import targets
from safetynet.store.models import Household, Person, PovertyStatusPeriod
from safetynet.store.models.programmes import DoctorContract
from tests.programmes.helpers import CONTRACT_HEADER, TEAM_HEADER, team_rows
from tests.registry_imports.helpers import VILLAGE_A, make_id, write_csv

S = PovertyStatus
TARGET = [S.REGISTERED_POOR, S.RETURNED, S.LOW_INCOME, S.EXTREMELY_POOR]
START, END = date(2018, 1, 1), date(2019, 1, 1)
D = date

# name: (household period (status, from, to), own period, born, died, a target in 2018)
CASES: dict[str, tuple[tuple | None, tuple | None, date, date | None, bool]] = {
    "poor_all_year": ((S.REGISTERED_POOR, D(2016, 1, 1), None), None, D(1950, 1, 1), None, True),
    "from_last_day": ((S.REGISTERED_POOR, D(2018, 12, 31), None), None, D(1950, 1, 1), None,
                      True),
    "from_next_year": ((S.REGISTERED_POOR, D(2019, 1, 1), None), None, D(1950, 1, 1), None,
                       False),
    "ended_on_first_day": ((S.LOW_INCOME, D(2016, 1, 1), D(2018, 1, 1)), None, D(1950, 1, 1),
                           None, False),
    "ended_on_second_day": ((S.LOW_INCOME, D(2016, 1, 1), D(2018, 1, 2)), None, D(1950, 1, 1),
                            None, True),
    "marginal_only": ((S.MARGINAL, D(2016, 1, 1), None), None, D(1950, 1, 1), None, False),
    "own_exit_all_year": ((S.REGISTERED_POOR, D(2016, 1, 1), None),
                          (S.EXITED, D(2017, 7, 1), None), D(1950, 1, 1), None, False),
    "own_exit_ends_in_year": ((S.REGISTERED_POOR, D(2016, 1, 1), None),
                              (S.EXITED, D(2017, 7, 1), D(2018, 12, 31)), D(1950, 1, 1), None,
                              True),
    "own_exit_from_second_day": ((S.REGISTERED_POOR, D(2016, 1, 1), None),
                                 (S.EXITED, D(2018, 1, 2), None), D(1950, 1, 1), None, True),
    "own_poor_in_exited_home": ((S.EXITED, D(2016, 1, 1), None),
                                (S.RETURNED, D(2018, 6, 1), None), D(1950, 1, 1), None, True),
    "died_on_first_day": ((S.REGISTERED_POOR, D(2016, 1, 1), None), None, D(1950, 1, 1),
                          D(2018, 1, 1), False),
    "died_on_second_day": ((S.REGISTERED_POOR, D(2016, 1, 1), None), None, D(1950, 1, 1),
                           D(2018, 1, 2), True),
    "born_on_last_day": ((S.REGISTERED_POOR, D(2016, 1, 1), None), None, D(2018, 12, 31), None,
                         True),
    "born_next_year": ((S.REGISTERED_POOR, D(2016, 1, 1), None), None, D(2019, 1, 1), None,
                       False),
}  # fmt: skip


@pytest.fixture
def persons(county: Session) -> dict[str, int]:
    s = county
    ids = {}
    for n, (name, (home, own, born, died, _)) in enumerate(CASES.items(), 1):
        h = Household(number=f"T{n:03d}", region_code=VILLAGE_A)
        s.add(h)
        s.flush()
        p = Person(
            resident_id=make_id(born.strftime("%Y%m%d"), n),
            name=name,
            sex=Sex.FEMALE,
            birth_date=born,
            household_id=h.id,
            region_code=VILLAGE_A,
            deceased_on=died,
        )
        s.add(p)
        s.flush()
        for person_id, period in ((None, home), (p.id, own)):
            if period is not None:
                status, since, until = period
                s.add(
                    PovertyStatusPeriod(
                        household_id=h.id,
                        person_id=person_id,
                        status=status,
                        valid_from=since,
                        valid_to=until,
                        department="test",
                    )
                )
        ids[name] = p.id
    s.commit()
    return ids  # fmt: skip


def test_the_years_targets_at_their_date_boundaries(
    county: Session, persons: dict[str, int]
) -> None:
    found = set(targets(county, TARGET, START, END)["person_id"].to_list())
    got = {name: persons[name] in found for name in CASES}
    assert got == {name: case[4] for name, case in CASES.items()}


# a contract is free when the person holds, on its first day, a status the package is free for
FREE: dict[str, tuple[tuple | None, tuple | None, date, bool]] = {
    "poor_from_the_first_day": ((S.REGISTERED_POOR, D(2018, 3, 1), None), None, D(2018, 3, 1),
                                True),
    "poor_from_the_day_after": ((S.REGISTERED_POOR, D(2018, 3, 2), None), None, D(2018, 3, 1),
                                False),
    "poor_until_the_first_day": ((S.LOW_INCOME, D(2016, 1, 1), D(2018, 3, 1)), None,
                                 D(2018, 3, 1), False),
    "poor_until_the_day_after": ((S.LOW_INCOME, D(2016, 1, 1), D(2018, 3, 2)), None,
                                 D(2018, 3, 1), True),
    "exited_member_of_a_poor_home": ((S.REGISTERED_POOR, D(2016, 1, 1), None),
                                     (S.EXITED, D(2017, 7, 1), None), D(2018, 3, 1), False),
    "marginal": ((S.MARGINAL, D(2016, 1, 1), None), None, D(2018, 3, 1), False),
}  # fmt: skip


def test_a_contract_is_free_for_the_statuses_held_on_its_first_day(
    county: Session, tmp_path: Path
) -> None:
    s = county
    resident = {}
    for n, (name, (home, own, _start, _free)) in enumerate(FREE.items(), 1):
        h = Household(number=f"F{n:03d}", region_code=VILLAGE_A)
        s.add(h)
        s.flush()
        p = Person(
            resident_id=make_id("19600101", 100 + n),
            name=name,
            sex=Sex.MALE,
            birth_date=D(1960, 1, 1),
            household_id=h.id,
            region_code=VILLAGE_A,
        )
        s.add(p)
        s.flush()
        for person_id, period in ((None, home), (p.id, own)):
            if period is not None:
                status, since, until = period
                s.add(
                    PovertyStatusPeriod(
                        household_id=h.id,
                        person_id=person_id,
                        status=status,
                        valid_from=since,
                        valid_to=until,
                        department="test",
                    )
                )
        resident[name] = p.resident_id
    s.commit()
    teams = write_csv(tmp_path / "teams.csv", TEAM_HEADER, team_rows())
    assert import_file(s, "doctor-teams", teams).ok
    rows = [
        [resident[name], "T-A", "chronic", str(start), str(start), "I10", ""]
        for name, (_h, _o, start, _f) in FREE.items()
    ]
    result = import_file(s, "contracts", write_csv(tmp_path / "c.csv", CONTRACT_HEADER, rows))
    assert result.ok, [str(p) for p in result.errors]
    s.commit()
    got = {
        name: (free, fee)
        for name, free, fee in s.execute(
            select(Person.name, DoctorContract.free, DoctorContract.fee_fen).join(
                DoctorContract, DoctorContract.person_id == Person.id
            )
        )
    }
    assert got == {name: (c[3], 0 if c[3] else 6_000) for name, c in FREE.items()}
