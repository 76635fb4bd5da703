"""The early-warning check as a settlement after step, on SQLite and PostgreSQL: a batch of
claims of several households records, in its own transaction, what the year's batch finds
(online = batch), each warning naming the settlement that raised it; nothing twice."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from safetynet.codes import IncomeSource
from safetynet.early_warning.online import raised_by
from safetynet.early_warning.service import evaluate_year
from safetynet.settlement.service import Order, submit, submit_many
from safetynet.store.db import session_scope
from safetynet.store.models import EarlyWarning, Household, HouseholdIncome, ReferenceIncome
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county
from tests.settlement.helpers import inpatient

__all__ = ["county"]


@pytest.fixture(autouse=True)
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "true")


def _recorded(engine: Engine) -> list[tuple[str, int, int | None, int | None]]:
    with session_scope(engine) as s:
        W = EarlyWarning
        rows = s.execute(select(W.rule_id, W.household_id, W.person_id, W.settlement_id)).all()
        return sorted((tuple(r) for r in rows), key=str)  # type: ignore[misc]


def test_every_settlement_is_checked_and_online_equals_batch(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        s.add(HouseholdIncome(household_id=h2, year=2017, income_fen=3_000_000,
                              source=IncomeSource.DECLARED, recorded_by="test"))  # fmt: skip
        s.add(ReferenceIncome(region_code="340421", year=2016, per_capita_fen=1_000_000,
                              source="统计公报"))  # fmt: skip
    singles = []
    for day in (date(2017, 3, 1), date(2017, 5, 1), date(2017, 7, 1)):
        with session_scope(db_engine, write_lock=True) as s:
            view = submit(s, big(county.ordinary_id, day, 20_000), user="clerk")
            singles.append(view.settlement_id)
    after_two = _recorded(db_engine)
    # three stays of 20,000, 4,400 self-paid each: the 10,000 line passed, three admissions
    assert {r[0] for r in after_two} == {"self_pay_year", "admissions"}
    assert {r[3] for r in after_two} <= set(singles)
    with session_scope(db_engine) as s:
        shown = {w["rule_id"] for sid in singles for w in raised_by(s, sid)}  # type: ignore[arg-type]
    assert shown == {r[0] for r in after_two}
    # one batch: two households, several claims each
    orders = [
        Order(inpatient(county.poor_id, date(2017, 4, 1)), "clerk"),
        Order(big(county.ordinary_id, date(2017, 9, 1), 20_000), "clerk"),
        Order(big(county.spouse_id, date(2017, 8, 1), 30_000), "clerk"),
    ]
    with session_scope(db_engine, write_lock=True) as s:
        views = submit_many(s, orders)
    ids = [v.settlement_id for v in views]  # type: ignore[union-attr]
    recorded = _recorded(db_engine)
    assert len(recorded) == len(set(r[:3] for r in recorded))  # each hit once
    new = [r for r in recorded if r not in after_two]
    # 17,600 out of pocket: half of the household's 30,000 income reached
    assert "household_half_income" in {r[0] for r in new}
    # a warning of the batch names its household's last settlement of the batch
    assert {r[3] for r in new} <= {ids[1], ids[2]} and new
    with db_engine.connect() as conn:
        batch = evaluate_year(conn, 2017, "340421")
    keys = ["rule_id", "household_id", "person_id"]
    assert sorted(batch.warnings.select(keys).rows(), key=str) == sorted(
        (r[:3] for r in recorded), key=str
    )


def test_off_records_nothing(
    db_engine: Engine, county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "false")
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 20_000), user="clerk")
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(EarlyWarning)) == 0


def test_a_household_warning_raised_again_is_recorded_once(
    db_engine: Engine, county: County
) -> None:
    """A warning of a whole household (no person) found again by later checks is not
    recorded again (on PostgreSQL one insert leaves out what is recorded, NULL person
    included)."""
    with session_scope(db_engine) as s:
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        s.add(HouseholdIncome(household_id=h2, year=2017, income_fen=3_000_000,
                              source=IncomeSource.DECLARED, recorded_by="test"))  # fmt: skip
    for month in range(2, 9):
        with session_scope(db_engine, write_lock=True) as s:
            submit(s, big(county.ordinary_id, date(2017, month, 1), 20_000), user="clerk")
    with session_scope(db_engine) as s:
        W = EarlyWarning
        found = s.execute(
            select(W.rule_id, W.person_id, func.count()).group_by(W.rule_id, W.person_id)
        ).all()
    counts = {(rule, person is None): n for rule, person, n in found}
    assert counts[("household_half_income", True)] == 1
    assert all(n == 1 for n in counts.values())
