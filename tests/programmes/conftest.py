"""Fixtures of the programme tests: a small county (two villages) with poor and ordinary
persons, a county and a village institution, and a year of claims with known diagnoses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus, Sex
from safetynet.store.models import (
    Claim,
    Household,
    Institution,
    Person,
    PovertyStatusPeriod,
)
from tests.registry_imports.conftest import county
from tests.registry_imports.helpers import VILLAGE_A, VILLAGE_B, make_id

__all__ = ["county", "people"]


@dataclass(frozen=True)
class People:
    """Resident IDs and ids: ``poor`` (village A, C16 and I10), ``poor_b`` (village B, E11),
    ``ordinary`` (village A, C16), ``costly`` (village B, poor household, 60,000 yuan)."""

    ids: dict[str, int]
    resident: dict[str, str]


def _claim(n: int, person: int, diagnosis: str, day: date, fen: int, inst: str = "H-COUNTY",
           kind: ClaimKind = ClaimKind.INPATIENT) -> Claim:  # fmt: skip
    return Claim(claim_no=f"C{n}", person_id=person, institution_code=inst, kind=kind,
                 start_date=day, end_date=day, diagnosis_code=diagnosis, total_fen=fen)  # fmt: skip


@pytest.fixture
def people(county: Session) -> People:
    s = county
    s.add_all([
        Institution(code="H-COUNTY", name="County hospital", level=InstitutionLevel.COUNTY,
                    in_county=True),
        Institution(code="H-CITY", name="City hospital", level=InstitutionLevel.CITY,
                    in_county=False),
        Institution(code="V-A", name="Village A clinic", level=InstitutionLevel.VILLAGE,
                    in_county=True, region_code=VILLAGE_A),
    ])  # fmt: skip
    homes = {h.number: h for h in s.query(Household).all()}
    specs = {
        "poor": ("H001", VILLAGE_A, 1),
        "ordinary": ("H002", VILLAGE_A, 2),
        "poor_b": ("H003", VILLAGE_B, 3),
        "costly": ("H003", VILLAGE_B, 4),
    }
    persons = {}
    for key, (home, village, seq) in specs.items():
        p = Person(resident_id=make_id("19500101", seq), name=f"Person {key}", sex=Sex.MALE,
                   birth_date=date(1950, 1, 1), household_id=homes[home].id,
                   region_code=village)  # fmt: skip
        s.add(p)
        persons[key] = p
    s.flush()
    s.add_all([
        PovertyStatusPeriod(household_id=homes["H001"].id, person_id=persons["poor"].id,
                            status=PovertyStatus.REGISTERED_POOR, valid_from=date(2016, 1, 1),
                            department="poverty office"),
        # a household period: every member of H003 is poor
        PovertyStatusPeriod(household_id=homes["H003"].id, person_id=None,
                            status=PovertyStatus.LOW_INCOME, valid_from=date(2017, 1, 1),
                            department="civil affairs"),
    ])  # fmt: skip
    ids = {k: p.id for k, p in persons.items()}
    s.add_all([
        _claim(1, ids["poor"], "C16.9", date(2017, 3, 1), 3_000_000),
        _claim(2, ids["poor"], "C16.0", date(2017, 5, 1), 2_500_000, "H-CITY"),
        _claim(3, ids["poor"], "I10", date(2017, 2, 1), 20_000, "V-A", ClaimKind.OUTPATIENT),
        _claim(4, ids["ordinary"], "C16.9", date(2017, 3, 1), 3_000_000),
        _claim(5, ids["poor_b"], "E11.9", date(2017, 4, 1), 30_000, "V-A", ClaimKind.OUTPATIENT),
        _claim(6, ids["costly"], "J18.9", date(2017, 6, 1), 4_000_000),
        _claim(7, ids["costly"], "J18.9", date(2017, 9, 1), 2_000_000),
        _claim(8, ids["poor_b"], "C34.1", date(2017, 8, 1), 1_000_000),  # lung: on the 30 (2020)
    ])  # fmt: skip
    s.commit()
    return People(ids, {k: p.resident_id for k, p in persons.items()})
