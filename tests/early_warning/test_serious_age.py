"""The early-warning serious-disease rule (W5) keeps the programme's age bound: a children's
disease (``age_bounds``: 0–14 周岁, 14 included) is a serious disease of the lists only for a
patient of at most 14 whole years on the claim's date — the age settlement stored, a
birthday counting — on both evaluators (Polars batch and the check after a settlement) and
read from the ledger on SQLite and PostgreSQL. C83 (children's lymphoma, on the national 30
from 2020) at its boundary too."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from safetynet.codes import PovertyStatus, Sex
from safetynet.early_warning.evaluate import LEDGER_SCHEMA, evaluate
from safetynet.early_warning.few import evaluate_few
from safetynet.early_warning.few_read import few_rows
from safetynet.early_warning.load import load_households, load_ledger
from safetynet.early_warning.rules import FILES, load_rules
from safetynet.early_warning.serious import windows
from safetynet.registry.resident_id import append_check_digits
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import Enrollment, Person
from tests.settlement.conftest import County, county
from tests.settlement.helpers import inpatient

__all__ = ["county"]

RULES = load_rules(FILES / "county-2018.yaml")
HOMES = pl.DataFrame(
    {"household_id": [1], "members": [1], "income_fen": [10**12], "reference_fen": [None]},
    schema={"household_id": pl.Int64, "members": pl.Int64, "income_fen": pl.Int64,
            "reference_fen": pl.Int64},
)  # fmt: skip


def _row(diagnosis: str, on: date, age: int | None) -> dict[str, Any]:
    return {"claim_id": 1, "person_id": 1, "household_id": 1, "kind": "inpatient",
            "claim_date": on, "status_mask": 1, "diagnosis": diagnosis, "total_fen": 100,
            "compliant_fen": 100, "paid_fen": 0, "out_of_pocket_fen": 100, "level": "county",
            "age": age}  # fmt: skip


def _serious(diagnosis: str, on: date, age: int | None) -> bool:
    """Whether the serious-disease rule warns, the same on both evaluators (asserted)."""
    row = _row(diagnosis, on, age)
    batch = evaluate(RULES, pl.DataFrame([row], schema={**LEDGER_SCHEMA, "age": pl.Int64}), HOMES)
    # the few households' rows: the ledger's columns, the re-assistance, then the age
    few = evaluate_few(RULES, [(*(row[c] for c in LEDGER_SCHEMA), 0, age)], {1: (1, 10**12, None)})
    hit = "serious_disease" in batch["rule_id"].to_list()
    assert hit == any(r["rule_id"] == "serious_disease" for r in few)
    return hit


@pytest.mark.parametrize(
    ("diagnosis", "on", "age", "hit"),
    [
        ("C91.0", date(2018, 3, 1), 0, True),  # childhood leukaemia, the nine of 2017
        ("C91.0", date(2018, 3, 1), 14, True),
        ("C91.0", date(2018, 3, 1), 15, False),
        ("C91.0", date(2018, 3, 1), None, False),  # an unknown age is not taken in
        ("c91.0", date(2018, 3, 1), 15, False),
        ("Q21.0", date(2018, 3, 1), 14, True),  # congenital heart disease
        ("Q21.0", date(2018, 3, 1), 15, False),
        ("C83", date(2020, 5, 1), 14, True),  # children's lymphoma, the national 30
        ("C83.3", date(2020, 5, 1), 15, False),
        ("C83", date(2020, 5, 1), 15, False),
        ("C83", date(2019, 12, 31), 14, False),  # not on a list before 2020
        ("C16.9", date(2018, 3, 1), 70, True),  # gastric cancer: no bound
        ("C16.9", date(2018, 3, 1), None, True),
    ],
)  # fmt: skip
def test_a_childrens_disease_warns_up_to_14(
    diagnosis: str, on: date, age: int | None, hit: bool
) -> None:
    assert _serious(diagnosis, on, age) is hit


def test_the_lists_carry_the_programmes_bound() -> None:
    bounded = [w for w in windows("serious") if w.ages]
    assert bounded and all(b.max_age == 14 for w in bounded for b in w.ages)
    w = bounded[0]
    assert w.matches("C91.0", date(2018, 3, 1), None, 14)
    assert not w.matches("C91.0", date(2018, 3, 1), None, 15)


def _child(engine: Engine, county: County, born: date, n: int) -> str:
    (resident,) = [str(x) for x in append_check_digits([34042120000101000 + n])]
    with session_scope(engine) as s:
        spouse = s.query(Person).filter(Person.resident_id == county.spouse_id).one()
        home, village = spouse.household_id, spouse.region_code
        child = Person(resident_id=resident, name=f"孩{n}", sex=Sex.MALE, birth_date=born,
                       household_id=home, region_code=village)  # fmt: skip
        s.add(child)
        s.flush()
        s.add(Enrollment(person_id=child.id, year=2017, category=PovertyStatus.ORDINARY,
                         enrolled_on=date(2016, 12, 1)))  # fmt: skip
    return resident


def test_the_age_settlement_stored_decides_on_the_birthday(
    db_engine: Engine, county: County
) -> None:
    """Two children born on 1 March 2002: admitted on 28 February 2017 (14, the eve of the
    15th birthday) the leukaemia is a serious disease; on 1 March 2017 (15) it is not."""
    eve = _child(db_engine, county, date(2002, 3, 1), 1)
    birthday = _child(db_engine, county, date(2002, 3, 1), 2)
    with session_scope(db_engine, write_lock=True) as s:
        for rid, day in ((eve, date(2017, 2, 28)), (birthday, date(2017, 3, 1))):
            submit(s, inpatient(rid, day, diagnosis="C91.0"), user="his")
    with session_scope(db_engine) as s:
        conn = s.connection()
        ledger = load_ledger(conn, 2017)
        homes = load_households(conn, 2017)
        assert sorted(ledger["age"].to_list()) == [14, 15]
        batch = evaluate(RULES, ledger, homes.drop("township_code"))
        ids = sorted(set(ledger["household_id"].to_list()))
        found, rows = few_rows(conn, 2017, ids)
        few = evaluate_few(RULES, rows, found)
        born = dict(
            s.query(Person.id, Person.resident_id).filter(Person.resident_id.in_([eve, birthday]))
        )
    warned = {
        born.get(p) for p in batch.filter(pl.col("rule_id") == "serious_disease")["person_id"]
    }
    assert warned == {eve}
    assert {born.get(r["person_id"]) for r in few if r["rule_id"] == "serious_disease"} == {eve}
