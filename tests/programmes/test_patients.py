"""Screening a year into the programme and moving patients through their states, on SQLite
and PostgreSQL: claims' diagnoses and the registry's poverty status decide, a person may be in
two batches, a repeat screening adds nothing, steps go in order and forward in time."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, PatientState, PovertyStatus, Sex
from safetynet.programmes import load
from safetynet.programmes.patients import ProgrammeError, advance, screen_year
from safetynet.programmes.rules import rules_for
from safetynet.programmes.screen import screen
from safetynet.store.models import Claim, Person, PovertyStatusPeriod, ProgrammePatient
from tests.programmes.conftest import People
from tests.registry_imports.helpers import COUNTY, make_id


def test_screening_finds_the_poor_by_batch(county: Session, people: People) -> None:
    got = screen_year(county, 2017, COUNTY, by="test")
    county.commit()
    rows = {(r.batch.value, r.person_id): r for r in county.scalars(select(ProgrammePatient)).all()}
    ids = people.ids
    assert set(rows) == {
        ("serious", ids["poor"]),  # C16 on the nine (and Langxi's 15): first claim 1 March
        ("chronic", ids["poor"]),  # I10: the same person in a second batch
        ("chronic", ids["poor_b"]),  # E11 of a household period's member
        ("critical", ids["costly"]),  # 60,000 yuan in the year, above 50,000
        ("critical", ids["poor"]),  # 55,000 yuan
    }
    # the ordinary person's C16 and poor_b's lung cancer (on the 30 only from 2020) are not
    serious = rows[("serious", ids["poor"])]
    assert (serious.list_id, serious.disease_code, serious.screened_on) == (
        "nine_major", "C16.9", date(2017, 3, 1),
    )  # fmt: skip
    assert serious.state is PatientState.SCREENED and serious.institution_code == "H-COUNTY"
    assert rows[("chronic", ids["poor"])].list_id == "hypertension"
    assert rows[("chronic", ids["poor_b"])].list_id == "diabetes"
    assert (got.found, got.added) == (5, 5)
    assert got.by_batch == {"chronic": 2, "critical": 2, "serious": 1}
    again = screen_year(county, 2017, COUNTY, by="test")
    assert (again.found, again.added) == (5, 0)


def test_the_thirty_screen_from_2020(county: Session, people: People) -> None:
    rules = rules_for(COUNTY, date(2020, 12, 31))
    claims = load.claims_of_year(county, 2017).with_columns(pl.col("start_date").dt.offset_by("3y"))
    found = screen(rules, claims, pl.Series([people.ids["poor_b"]]), COUNTY, 2020)
    serious = found.filter(pl.col("batch") == "serious")
    assert serious.select("list_id", "disease_code").rows() == [("national_30", "C34.1")]


def test_states_move_in_order_and_forward_in_time(county: Session, people: People) -> None:
    screen_year(county, 2017, COUNTY, by="test")
    pid = county.scalar(
        select(ProgrammePatient.id).where(
            ProgrammePatient.person_id == people.ids["poor"], ProgrammePatient.batch == "serious"
        )
    )
    assert pid is not None
    with pytest.raises(ProgrammeError, match="cannot move to plan") as err:
        advance(county, [pid], PatientState.PLAN, date(2017, 3, 5), by="t")
    assert err.value.code == "state_order"
    with pytest.raises(ProgrammeError) as err:
        advance(county, [pid], PatientState.VERIFIED, date(2017, 2, 1), by="t")
    assert err.value.code == "date_order"
    advance(county, [pid], PatientState.VERIFIED, date(2017, 3, 10), by="t")
    advance(county, [pid], PatientState.PLAN, date(2017, 3, 12), by="t")
    with pytest.raises(ProgrammeError) as err:
        advance(county, [pid], PatientState.MANAGED, date(2017, 4, 1), by="t")
    assert err.value.code == "outcome_of_batch"
    advance(county, [pid], PatientState.TREATED, date(2017, 4, 1), by="t",
            institution_code="H-COUNTY")  # fmt: skip
    county.commit()
    p = county.get(ProgrammePatient, pid)
    assert p is not None
    assert (p.state, p.verified_on, p.plan_on, p.outcome_on) == (
        PatientState.TREATED, date(2017, 3, 10), date(2017, 3, 12), date(2017, 4, 1),
    )  # fmt: skip
    with pytest.raises(ProgrammeError, match="no programme patient 999"):
        advance(county, [999], PatientState.VERIFIED, date(2017, 4, 1), by="t")


def test_screening_takes_a_child_in_for_a_childrens_disease_and_not_an_adult(
    county: Session, people: People
) -> None:
    """An adult's congenital heart defect (a children's disease: 0–14 周岁) does not take them
    into the serious batch — their stomach cancer later does; a poor child of 14 is taken in."""
    home = county.get(Person, people.ids["poor"])
    assert home is not None
    child = Person(resident_id=make_id("20020302", 9), name="Child", sex=Sex.FEMALE,
                   birth_date=date(2002, 3, 2), household_id=home.household_id,
                   region_code=home.region_code)  # fmt: skip
    county.add(child)
    county.flush()
    county.add_all([
        PovertyStatusPeriod(household_id=home.household_id, person_id=child.id,
                            status=PovertyStatus.REGISTERED_POOR, valid_from=date(2016, 1, 1),
                            department="poverty office"),
        Claim(claim_no="CHD-ADULT", person_id=people.ids["poor"], institution_code="H-COUNTY",
              kind=ClaimKind.INPATIENT, start_date=date(2017, 1, 15), end_date=date(2017, 1, 20),
              diagnosis_code="Q21.0", total_fen=100_000),
        Claim(claim_no="CHD-CHILD", person_id=child.id, institution_code="H-COUNTY",
              kind=ClaimKind.INPATIENT, start_date=date(2017, 3, 1), end_date=date(2017, 3, 5),
              diagnosis_code="Q21.0", total_fen=100_000),  # the eve of the 15th birthday
    ])  # fmt: skip
    county.commit()
    screen_year(county, 2017, COUNTY, by="test")
    serious = {r.person_id: (r.disease_code, r.screened_on) for r in county.scalars(
        select(ProgrammePatient).where(ProgrammePatient.batch == "serious"))}  # fmt: skip
    assert serious == {people.ids["poor"]: ("C16.9", date(2017, 3, 1)),
                       child.id: ("Q21.0", date(2017, 3, 1))}  # fmt: skip
