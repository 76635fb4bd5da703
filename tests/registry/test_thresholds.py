"""The registry's date boundaries and the subsidised contributions, exactly at, just before and
just after each:

- a status period ``[valid_from, valid_to)``: in force on its first day, not on ``valid_to``;
  within a family a person's own period overrides the household's, families add up;
- age in whole years, a birthday counting on the day (29 February: on 1 March in other years);
- enrollment on a date: born by then, not died on or before it (the day of death is not a day
  alive), the category from the statuses held that day by the policy's priority, and the split
  by payer from the contribution policy (the poor's individual share paid by a budget).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import PovertyStatus, Sex
from safetynet.engine.facts import status_mask
from safetynet.policy.contribution import COLUMN, Payer, load_contribution_policy
from safetynet.registry.age import age_expr, age_on
from safetynet.registry.enrollment import enroll_year
from safetynet.registry.status import status_masks_at
from safetynet.store.models import Enrollment, Person, PovertyStatusPeriod
from tests.registry.test_status import build_registry

S = PovertyStatus
D = date
ANHUI = load_contribution_policy("anhui-2017")
ON = D(2017, 1, 1)


def _masks(periods: list[tuple[int | None, S, date, date | None]], day: date) -> int:
    frame = pl.DataFrame(
        [(n, 1, p, s.value, a, b) for n, (p, s, a, b) in enumerate(periods, 1)],
        schema={"id": pl.Int64, "household_id": pl.Int64, "person_id": pl.Int64,
                "status": pl.String, "valid_from": pl.Date, "valid_to": pl.Date},
        orient="row",
    )  # fmt: skip
    claims = pl.DataFrame({"person_id": [7], "household_id": [1], "date": [day]})
    return int(status_masks_at(frame, claims)[0])


PERIOD = (None, S.REGISTERED_POOR, D(2017, 3, 1), D(2017, 9, 1))  # a household period


@pytest.mark.parametrize(
    ("day", "held"),
    [(D(2017, 2, 28), {S.ORDINARY}), (D(2017, 3, 1), {S.REGISTERED_POOR}),
     (D(2017, 8, 31), {S.REGISTERED_POOR}), (D(2017, 9, 1), {S.ORDINARY})],
)  # fmt: skip
def test_a_period_is_in_force_from_its_first_day_to_the_day_before_valid_to(
    day: date, held: set[S]
) -> None:
    assert _masks([PERIOD], day) == status_mask(held)


@pytest.mark.parametrize(
    ("day", "held"),
    [(D(2017, 5, 31), {S.REGISTERED_POOR, S.LOW_INCOME}),
     (D(2017, 6, 1), {S.EXITED, S.LOW_INCOME})],
)  # fmt: skip
def test_own_periods_override_the_household_within_a_family_from_their_first_day(
    day: date, held: set[S]
) -> None:
    periods = [
        PERIOD,
        (7, S.EXITED, D(2017, 6, 1), None),
        (None, S.LOW_INCOME, D(2017, 1, 1), None),
    ]
    assert _masks(periods, day) == status_mask(held)


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [(D(1957, 6, 15), D(2017, 6, 14), 59), (D(1957, 6, 15), D(2017, 6, 15), 60),
     (D(1957, 6, 15), D(2017, 6, 16), 60), (D(1956, 2, 29), D(2017, 2, 28), 60),
     (D(1956, 2, 29), D(2017, 3, 1), 61), (D(1956, 2, 29), D(2016, 2, 29), 60),
     (D(2016, 12, 31), D(2017, 12, 31), 1), (D(2016, 12, 31), D(2017, 12, 30), 0)],
)  # fmt: skip
def test_age_in_whole_years_a_birthday_counting_on_the_day(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age
    frame = pl.DataFrame({"b": [born], "o": [on]})
    assert frame.select(age_expr("b", "o")).item() == age


@pytest.mark.parametrize("category", list(ANHUI.categories))
def test_every_categorys_split_adds_up_to_the_standard_and_subsidy(category: S) -> None:
    split = ANHUI.split(category)
    assert sum(split.values()) == ANHUI.per_person_fen == 18_000 + 45_000
    assert split[Payer.INDIVIDUAL] == ANHUI.categories[category].individual


@pytest.mark.parametrize(
    ("held", "category", "individual"),
    [({S.ORDINARY}, S.ORDINARY, 18_000), ({S.REGISTERED_POOR}, S.REGISTERED_POOR, 0),
     ({S.LOW_INCOME}, S.LOW_INCOME, 9_000), ({S.MARGINAL}, S.ORDINARY, 18_000),
     ({S.REGISTERED_POOR, S.EXTREMELY_POOR}, S.EXTREMELY_POOR, 0),
     ({S.EXITED, S.LOW_INCOME}, S.EXITED, 0)],
)  # fmt: skip
def test_the_category_is_the_first_held_in_the_policys_priority(
    held: set[S], category: S, individual: int
) -> None:
    assert ANHUI.category_for(held) == category
    assert ANHUI.split(category)[Payer.INDIVIDUAL] == individual


# name: (born, died, household period (status, from, to)) -> category on ON, or not enrolled
CASES: dict[str, tuple[date, date | None, tuple[S, date, date | None] | None, S | None]] = {
    "born_on_the_day": (ON, None, None, S.ORDINARY),
    "born_the_day_after": (ON + timedelta(days=1), None, None, None),
    "died_the_day_before": (D(1950, 1, 1), ON - timedelta(days=1), None, None),
    "died_on_the_day": (D(1950, 1, 1), ON, None, None),
    "died_the_day_after": (D(1950, 1, 1), ON + timedelta(days=1), None, S.ORDINARY),
    "poor_from_the_day": (D(1950, 1, 1), None, (S.REGISTERED_POOR, ON, None), S.REGISTERED_POOR),
    "poor_from_the_day_after": (D(1950, 1, 1), None,
                                (S.REGISTERED_POOR, ON + timedelta(days=1), None), S.ORDINARY),
    "poor_until_the_day": (D(1950, 1, 1), None, (S.REGISTERED_POOR, D(2016, 1, 1), ON),
                           S.ORDINARY),
    "poor_until_the_day_after": (D(1950, 1, 1), None,
                                 (S.REGISTERED_POOR, D(2016, 1, 1), ON + timedelta(days=1)),
                                 S.REGISTERED_POOR),
}  # fmt: skip


def test_enrollment_on_a_date_at_its_boundaries(db_session: Session) -> None:
    homes = build_registry(db_session, [1] * len(CASES))
    ids = {}
    for (name, (born, died, period, _)), (home, [person]) in zip(CASES.items(), homes,
                                                                 strict=True):  # fmt: skip
        p = db_session.get(Person, person)
        assert p is not None
        p.birth_date, p.deceased_on, p.sex = born, died, Sex.FEMALE
        if period is not None:
            status, since, until = period
            db_session.add(PovertyStatusPeriod(household_id=home, person_id=None, status=status,
                                               valid_from=since, valid_to=until,
                                               department="test"))  # fmt: skip
        ids[person] = name
    db_session.commit()
    enroll_year(db_session, 2017, ANHUI, ON)
    db_session.commit()
    rows = {ids[r.person_id]: r for r in db_session.scalars(select(Enrollment))}
    assert {n: r.category for n, r in rows.items()} == {
        n: c[3] for n, c in CASES.items() if c[3] is not None
    }
    for row in rows.values():
        assert {p: getattr(row, COLUMN[p]) for p in Payer} == ANHUI.split(row.category)
