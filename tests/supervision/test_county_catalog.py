"""Screening reads the county's own catalog, each line's entry in force on its day — not the
shipped demo catalog: a ceiling the county sets from April flags a drug billed above it in
May and not in March; a shipped code the county gives no ceiling is not flagged above the
shipped one; an item the county restricts to women, unknown to the shipped catalog, flags a
man's claim. The year's screening and the window's agree."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from safetynet.codes import ClaimKind, ItemClass, ItemKind, Sex
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import CatalogItem, Claim, ClaimItem, Person
from safetynet.supervision.load import in_year, load_year
from safetynet.supervision.rules import load_rules
from safetynet.supervision.screen import screen
from safetynet.supervision.service import submission_hits
from tests.settlement.conftest import County, build_county

RULES = load_rules()
ONLY = ["over-standard-charge", "impersonation"]
CHANGE = date(2017, 4, 1)


@pytest.fixture
def county_catalog(db_engine: Engine) -> County:
    with session_scope(db_engine) as s:
        county = build_county(s)
    with session_scope(db_engine) as s:
        s.add_all([
            # a shipped code (its shipped ceiling: 35.00 yuan): none until April, 10.00 from it
            CatalogItem(code="D0002", name="头孢呋辛酯片", kind=ItemKind.DRUG,
                        item_class=ItemClass.B, self_pay_bp=1000, valid_to=CHANGE),
            CatalogItem(code="D0002", valid_from=CHANGE, name="头孢呋辛酯片",
                        kind=ItemKind.DRUG, item_class=ItemClass.B, self_pay_bp=1000,
                        price_ceiling_fen=1000),
            CatalogItem(code="DRUG-W", name="某妇科药", kind=ItemKind.DRUG,
                        item_class=ItemClass.A, sex_restriction=Sex.FEMALE),
        ])  # fmt: skip
    return county


def _record(engine: Engine, rid: str, no: str, day: date, code: str, fen: int) -> None:
    with session_scope(engine) as s:
        person = s.scalars(select(Person).where(Person.resident_id == rid)).one()
        claim = Claim(claim_no=no, person_id=person.id, institution_code="H-COUNTY",
                      kind=ClaimKind.OUTPATIENT, start_date=day, end_date=day,
                      total_fen=fen)  # fmt: skip
        s.add(claim)
        s.flush()
        s.add(ClaimItem(claim_id=claim.id, item_code=code, amount_fen=fen))


def test_a_years_screening_uses_the_county_catalog_of_each_day(
    db_engine: Engine, county_catalog: County
) -> None:
    man = county_catalog.ordinary_id
    _record(db_engine, man, "MARCH", date(2017, 3, 1), "D0002", 2_000)  # no ceiling yet
    _record(db_engine, man, "MARCH-50", date(2017, 3, 3), "D0002", 5_000)  # above the shipped
    _record(db_engine, man, "MAY", date(2017, 5, 1), "D0002", 2_000)  # above 10.00
    _record(db_engine, man, "WOMEN", date(2017, 3, 2), "DRUG-W", 3_000)
    with session_scope(db_engine) as s:
        data = load_year(s.connection(), None, 2017, RULES)
    hits = in_year(screen(RULES, data, only=ONLY, check=False), 2017)
    found = sorted(zip(hits["claim_no"].to_list(), hits["rule_id"].to_list(), strict=True))
    assert found == [("MAY", "over-standard-charge"), ("WOMEN", "impersonation")]
    assert hits.filter(hits["claim_no"] == "MAY")["amount_fen"].to_list() == [1_000]


@pytest.mark.parametrize(
    ("day", "code", "amount", "rule"),
    [
        (date(2017, 5, 2), "D0002", "20.00", "over-standard-charge"),
        (date(2017, 3, 5), "D0002", "50.00", None),
        (date(2017, 3, 5), "DRUG-W", "30.00", "impersonation"),
    ],
)
def test_the_window_screens_with_the_county_catalog_of_the_claims_date(
    db_engine: Engine, county_catalog: County, day: date, code: str, amount: str, rule: str | None
) -> None:
    sub = ClaimSubmission(
        resident_id=county_catalog.ordinary_id, institution_code="H-COUNTY", kind="outpatient",
        date=day, items=[{"code": code, "amount": amount}],
    )  # fmt: skip
    with session_scope(db_engine) as s:
        hits = submission_hits(s, sub)
    assert [r for r in hits["rule_id"].to_list() if r in ONLY] == ([rule] if rule else [])
