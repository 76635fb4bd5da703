"""Warnings from the real settlement ledger, on SQLite and PostgreSQL: the check after a
settlement records what the year's batch finds, once; the re-assistance round reads the ledger."""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import Engine, select

from safetynet.codes import IncomeSource
from safetynet.early_warning.online import check_after_settlement
from safetynet.early_warning.service import (
    evaluate_year,
    monitoring_list,
    reassistance_round,
)
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import EarlyWarning, Household, HouseholdIncome, ReferenceIncome
from tests.settlement.conftest import County, county
from tests.settlement.helpers import inpatient

__all__ = ["county"]


def big(resident_id: str, day: date, yuan: int) -> object:
    return inpatient(resident_id, day, items=[{"code": "BED", "amount": f"{yuan}.00"}])


def test_check_after_settlement_equals_the_batch_and_records_once(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        s.add(HouseholdIncome(household_id=h2, year=2017, income_fen=3_000_000,
                              source=IncomeSource.DECLARED, recorded_by="test"))  # fmt: skip
        s.add(ReferenceIncome(region_code="340421", year=2016, per_capita_fen=1_000_000,
                              source="统计公报"))  # fmt: skip
    found = []
    with session_scope(db_engine) as s:
        for n, day in enumerate((date(2017, 3, 1), date(2017, 5, 1), date(2017, 7, 1))):
            view = submit(s, big(county.ordinary_id, day, 20_000), user="clerk", client_key=f"o{n}")
            assert view.settlement_id is not None
            found.append(check_after_settlement(s, view.settlement_id))
        view = submit(s, inpatient(county.poor_id), user="clerk", client_key="p")
        assert view.settlement_id is not None
        found.append(check_after_settlement(s, view.settlement_id))
    online = pl.concat(found).drop("region_code")
    # three admissions of 20,000: self-pay above 10,000 and half of 30,000 reached by the
    # first or second, 3 admissions at the third, each recorded when first reached
    assert "self_pay_year" in online["rule_id"].to_list()
    assert online.filter(pl.col("rule_id") == "admissions").height == 1
    with db_engine.connect() as conn:
        batch = evaluate_year(conn, 2017, "340421")
    got = batch.warnings.drop("region_code", "township_code")
    keys = ["rule_id", "household_id", "person_id"]
    assert sorted(got.select(keys).rows()) == sorted(online.select(keys).rows())
    with session_scope(db_engine) as s:
        stored = monitoring_list(s, 2017, date(2017, 12, 31))
        assert stored.height == got.height
        assert stored["overdue"].all()  # none visited, every 15-day deadline passed
        assert s.scalar(select(EarlyWarning.verify_due_on).limit(1)) is not None
        view = submit(s, inpatient(county.spouse_id, date(2017, 8, 1)), user="c", client_key="s")
        assert view.settlement_id is not None
        check_after_settlement(s, view.settlement_id)
        again = monitoring_list(s, 2017, date(2017, 1, 1))
        assert again.height >= stored.height and not again["overdue"].any()


def test_reassistance_round_from_the_ledger(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with db_engine.connect() as conn:
        batch = evaluate_year(conn, 2017)
        out = reassistance_round(conn, 2017)
    self_pay = batch.warnings.filter(pl.col("rule_id") == "self_pay_year")["measure"].item()
    row = out.row(0, named=True)
    assert row["self_pay_fen"] == self_pay
    assert row["owed_fen"] == ((self_pay - 1_000_000) * 6_000 + 5_000) // 10_000
