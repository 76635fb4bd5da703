"""A tiny county for settlement tests: one village, a poor household of two, an ordinary
person, two institutions and a few catalog items, enrolled for 2017 (Anhui policy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from safetynet.codes import InstitutionLevel, ItemClass, ItemKind, PovertyStatus, RegionLevel, Sex
from safetynet.registry.resident_id import append_check_digits
from safetynet.store.db import session_scope
from safetynet.store.models import (
    CatalogItem,
    Enrollment,
    Household,
    Institution,
    Person,
    PovertyStatusPeriod,
    Region,
)


@dataclass(frozen=True)
class County:
    poor_id: str  # registered poor, household H1
    spouse_id: str  # same household
    ordinary_id: str  # household H2
    unenrolled_id: str


def _ids() -> list[str]:
    bodies = np.array(
        [34042119500101001, 34042119520203002, 34042119850505003, 34042119900909005], dtype=np.int64
    )
    return [str(x) for x in append_check_digits(bodies)]


def build_county(session: Session) -> County:
    session.add_all(
        [
            Region(code="340421", name="示范县", level=RegionLevel.COUNTY, parent_code=None),
            Region(
                code="340421100", name="城关镇", level=RegionLevel.TOWNSHIP, parent_code="340421"
            ),
            Region(
                code="340421100201", name="东村", level=RegionLevel.VILLAGE, parent_code="340421100"
            ),
        ]
    )
    session.flush()
    h1 = Household(number="H1", region_code="340421100201")
    h2 = Household(number="H2", region_code="340421100201")
    session.add_all([h1, h2])
    session.flush()
    ids = _ids()
    people = [
        Person(
            resident_id=ids[0],
            name="张三",
            sex=Sex.MALE,
            birth_date=date(1950, 1, 1),
            household_id=h1.id,
            region_code="340421100201",
        ),
        Person(
            resident_id=ids[1],
            name="李四",
            sex=Sex.FEMALE,
            birth_date=date(1952, 2, 3),
            household_id=h1.id,
            region_code="340421100201",
        ),
        Person(
            resident_id=ids[2],
            name="王五",
            sex=Sex.MALE,
            birth_date=date(1985, 5, 5),
            household_id=h2.id,
            region_code="340421100201",
        ),
        Person(
            resident_id=ids[3],
            name="赵六",
            sex=Sex.MALE,
            birth_date=date(1990, 9, 9),
            household_id=h2.id,
            region_code="340421100201",
        ),
    ]
    session.add_all(people)
    session.flush()
    session.add(
        PovertyStatusPeriod(
            household_id=h1.id,
            person_id=None,
            status=PovertyStatus.REGISTERED_POOR,
            valid_from=date(2016, 1, 1),
            department="扶贫办",
        )
    )
    session.add_all(
        Enrollment(
            person_id=p.id,
            year=2017,
            category=PovertyStatus.ORDINARY,
            enrolled_on=date(2016, 12, 1),
        )
        for p in people[:3]
    )
    session.add_all(
        [
            Institution(
                code="H-COUNTY",
                name="县人民医院",
                level=InstitutionLevel.COUNTY,
                in_county=True,
                region_code="340421",
            ),
            Institution(
                code="V-CLINIC",
                name="东村卫生室",
                level=InstitutionLevel.VILLAGE,
                in_county=True,
                region_code="340421100201",
                inpatient=False,
            ),
        ]
    )
    session.add_all(
        [
            CatalogItem(code="BED", name="床位费", kind=ItemKind.SERVICE, item_class=ItemClass.A),
            CatalogItem(
                code="DRUG-A",
                name="阿莫西林胶囊",
                kind=ItemKind.DRUG,
                item_class=ItemClass.A,
                essential=True,
            ),
            CatalogItem(
                code="DRUG-B",
                name="头孢克肟",
                kind=ItemKind.DRUG,
                item_class=ItemClass.B,
                self_pay_bp=1000,
            ),
            CatalogItem(
                code="DRUG-C", name="进口营养液", kind=ItemKind.DRUG, item_class=ItemClass.C
            ),
        ]
    )
    return County(*ids)


@pytest.fixture
def county(db_engine: Engine) -> County:
    with session_scope(db_engine) as s:
        return build_county(s)
