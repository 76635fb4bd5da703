"""Screening a year into the programme and moving patients through their states, on SQLite
and PostgreSQL: claims' diagnoses and the registry's poverty status decide, a person may be in
two batches, a repeat screening adds nothing, steps go in order and forward in time."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import PatientState
from safetynet.programmes import load
from safetynet.programmes.patients import ProgrammeError, advance, screen_year
from safetynet.programmes.rules import rules_for
from safetynet.programmes.screen import screen
from safetynet.store.models import ProgrammePatient
from tests.programmes.conftest import People
from tests.registry_imports.helpers import COUNTY


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
