"""The programme's rates against figures computed by hand on the small county (see the
fixtures: three poor persons, one ordinary; contracts, services and patients as below), on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, PatientState
from safetynet.imports import import_file
from safetynet.indicators.definitions import definitions
from safetynet.programmes.patients import advance, screen_year
from safetynet.programmes.rates import COMPUTED
from safetynet.programmes.service import rates
from safetynet.store.models import Claim, ProgrammePatient
from tests.programmes.conftest import People
from tests.programmes.helpers import (
    CONTRACT_HEADER,
    FOLLOW_HEADER,
    TEAM_HEADER,
    contract_rows,
    follow_rows,
    team_rows,
)
from tests.registry_imports.helpers import COUNTY, VILLAGE_A, VILLAGE_B, write_csv


@pytest.fixture
def programme(county: Session, people: People, tmp_path: Path) -> Session:
    """Contracts of poor, ordinary and poor_b (not costly); their services; two fixed-fee
    admissions (appendicitis at the county hospital: 5,200 and 4,000 yuan against 4,500);
    patients screened and moved as the comments say."""
    s = county
    ids = people.ids
    s.add_all([
        Claim(claim_no="C9", person_id=ids["poor_b"], institution_code="H-COUNTY",
              kind=ClaimKind.INPATIENT, start_date=date(2017, 9, 1), end_date=date(2017, 9, 5),
              diagnosis_code="K35.8", total_fen=520_000),
        Claim(claim_no="C10", person_id=ids["ordinary"], institution_code="H-COUNTY",
              kind=ClaimKind.INPATIENT, start_date=date(2017, 9, 1), end_date=date(2017, 9, 5),
              diagnosis_code="K35.2", total_fen=400_000),
    ])  # fmt: skip
    s.commit()
    for kind, header, rows in (
        ("doctor-teams", TEAM_HEADER, team_rows()),
        ("contracts", CONTRACT_HEADER, contract_rows(people)[:3]),
        ("follow-ups", FOLLOW_HEADER, follow_rows(people)),
    ):
        assert import_file(s, kind, write_csv(tmp_path / f"{kind}.csv", header, rows)).ok
    screen_year(s, 2017, COUNTY, by="t")

    def pid(person: str, batch: str) -> int:
        found = s.scalar(
            select(ProgrammePatient.id).where(
                ProgrammePatient.person_id == ids[person], ProgrammePatient.batch == batch
            )
        )
        assert found is not None
        return found  # fmt: skip

    V, P = PatientState.VERIFIED, PatientState.PLAN
    for person, batch, steps in (
        ("poor", "serious", [(V, "2017-03-10"), (P, "2017-03-12"),
                             (PatientState.TREATED, "2017-04-01")]),
        ("poor", "chronic", [(V, "2017-02-10"), (P, "2017-02-15"),
                             (PatientState.MANAGED, "2017-03-20")]),
        ("poor_b", "chronic", [(V, "2017-04-05")]),
        ("costly", "critical", [(V, "2017-09-10")]),  # crossed 50,000 on 1 September
        # poor's critical stays screened: not verified, not counted
    ):  # fmt: skip
        for state, day in steps:
            advance(s, [pid(person, batch)], state, date.fromisoformat(day), by="t")
    s.commit()
    return s


def _figures(frame: pl.DataFrame) -> dict[tuple[str, str | None], tuple[int, int]]:
    return {(r["indicator"], r["part"]): (r["numerator"], r["denominator"])
            for r in frame.to_dicts()}  # fmt: skip


def test_the_year_of_the_county(programme: Session) -> None:
    got = _figures(rates(programme, 2017, COUNTY))
    assert got == {
        # verified in the year: numerator = denominator = the count
        ("programme_verified", "serious"): (1, 1),
        ("programme_verified", "chronic"): (2, 2),
        ("programme_verified", "critical"): (1, 1),
        ("programme_verified", None): (4, 4),
        # treated / managed / backstopped of those verified
        ("programme_treated_rate", "serious"): (1, 1),
        ("programme_treated_rate", "chronic"): (1, 2),
        ("programme_treated_rate", "critical"): (0, 1),
        ("programme_treated_rate", None): (2, 4),
        # in-county claims of verified patients: poor 2 of 3 (the city hospital is out);
        # chronic adds poor_b's 3, all in county; costly's 2 in county
        ("programme_in_county_share", "serious"): (2, 3),
        ("programme_in_county_share", "chronic"): (5, 6),
        ("programme_in_county_share", "critical"): (2, 2),
        ("programme_in_county_share", None): (9, 11),
        # pathways: poor_b's appendicitis (chronic, verified 5 April) at the designated county
        # hospital, 4 days (2-7), 5,200 yuan over the 4,500 fee: a deviation; ordinary's is
        # not a patient's
        ("pathway_entered", "chronic"): (1, 1),
        ("pathway_entered", None): (1, 1),
        ("pathway_completion_rate", "chronic"): (0, 1),
        ("pathway_completion_rate", None): (0, 1),
        ("pathway_deviation_rate", "chronic"): (1, 1),
        ("pathway_deviation_rate", None): (1, 1),
        ("pathway_designated_share", "chronic"): (1, 1),
        ("pathway_designated_share", None): (1, 1),
        # two appendicitis admissions: 9,200 yuan against 2 × 4,500; 700 yuan overrun
        ("fixed_fee_cost_ratio", None): (920_000, 900_000),
        ("fixed_fee_overrun", None): (70_000, 1),
        # targets poor, poor_b, costly: costly has no contract; records HR001, HR003
        ("contract_rate", None): (2, 3),
        ("health_record_rate", None): (2, 3),
        # slots due in 2017: poor 1 check + 4 follow-ups + 4 deliveries, poor_b the same,
        # ordinary (from 1 February) 3 + 3; done: poor 4, poor_b 2, ordinary 1
        ("delivery_rate", None): (7, 24),
        # follow-ups due 11; on time (at most 14 days late): poor 2, poor_b 1 (the second
        # 45 days late), ordinary 1
        ("follow_up_on_time_rate", None): (4, 11),
        # hypertension: poor's last 132/84 controlled, ordinary's 138/92 not
        ("bp_control_rate", None): (1, 2),
        # diabetes: poor_b's last 7.8 mmol/L is not below 7.0
        ("glucose_control_rate", None): (0, 1),
    }
    frame = rates(programme, 2017, COUNTY)
    value = dict(zip(frame["indicator"] + frame["part"].fill_null(""), frame["value"],
                     strict=True))  # fmt: skip
    assert value["delivery_rate"] == pytest.approx(7 / 24)
    assert value["fixed_fee_overrun"] == 70_000.0  # money: fen, not a ratio


def test_by_village_and_month(programme: Session) -> None:
    frame = rates(programme, 2017, COUNTY, level="village")
    contract = frame.filter(pl.col("indicator") == "contract_rate")
    assert dict(zip(contract["region_code"], contract["value"], strict=True)) == {
        VILLAGE_A: 1.0, VILLAGE_B: 0.5,
    }  # fmt: skip
    months = rates(programme, 2017, COUNTY, by_month=True)
    april = months.filter(pl.col("indicator") == "delivery_rate",
                          pl.col("period") == date(2017, 4, 1))  # fmt: skip
    # due on 1 April: poor's follow-up and delivery (done 20 March), poor_b's follow-up (done
    # 30 March) and delivery (not done)
    assert april.select("numerator", "denominator").row(0) == (3, 4)
    assert months["period"].n_unique() == 12


def test_every_indicator_has_its_definition() -> None:
    by_id = definitions().by_id()
    for indicator, parts in COMPUTED.items():
        assert by_id[indicator].parts == parts
        assert by_id[indicator].name("zh_Hans")
