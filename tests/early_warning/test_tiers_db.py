"""A household's tiers of one warning are recorded once, on SQLite and PostgreSQL: at the window
(the check after each settlement) a household whose spending passes half of its income and
then its income has ONE household warning, raised from alert to severe by the settlement that
crossed the income; the year's batch then finds and records nothing more, and a batch that
records a lower tier after a higher one adds nothing (domain notes C3: W2 alert, W3 severe).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from safetynet.codes import IncomeSource, WarningState
from safetynet.early_warning.online import raised_by
from safetynet.early_warning.service import evaluate_year, record
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import EarlyWarning, Household, HouseholdIncome
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county

__all__ = ["county"]
SHARES = ("household_half_income", "household_above_income")


@pytest.fixture(autouse=True)
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "true")


def _household_warnings(engine: Engine, household: int) -> list[tuple[str, str, int | None]]:
    W = EarlyWarning
    with session_scope(engine) as s:
        rows = s.execute(
            select(W.rule_id, W.level, W.settlement_id)
            .where(W.household_id == household, W.person_id.is_(None))
            .order_by(W.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_at_the_window_a_household_is_raised_to_its_most_severe_tier_once(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        assert h2 is not None
        s.add(HouseholdIncome(household_id=h2, year=2017, income_fen=1_200_000,
                              source=IncomeSource.DECLARED, recorded_by="test"))  # fmt: skip
    levels, settlements = [], []
    for month in range(2, 10):
        with session_scope(db_engine, write_lock=True) as s:
            view = submit(s, big(county.ordinary_id, date(2017, month, 1), 20_000), user="clerk")
            settlements.append(view.settlement_id)
        found = _household_warnings(db_engine, h2)
        assert len(found) <= 1, found  # never both tiers
        levels.append(found[0][1] if found else None)
    # passed half of 12,000 yuan, then above it: alert first, then severe, one warning
    assert "alert" in levels and levels[-1] == "severe"
    first_severe = levels.index("severe")
    rule, level, settlement = _household_warnings(db_engine, h2)[0]
    assert (rule, level) == ("household_above_income", "severe")
    assert settlement == settlements[first_severe]  # the settlement that crossed the income
    with session_scope(db_engine) as s:
        shown = [w["level"] for w in raised_by(s, settlement) if w["person_id"] is None]  # type: ignore[arg-type]
    assert shown == ["severe"]
    # the year's batch finds the severe tier only and records nothing new
    with db_engine.connect() as conn:
        year = evaluate_year(conn, 2017, "340421")
    mine = year.warnings.filter(year.warnings["household_id"] == h2)
    assert [r for r in mine["rule_id"].to_list() if r in SHARES] == ["household_above_income"]
    with session_scope(db_engine) as s:
        assert record(s, 2017, year.rules, year.warnings, date(2017, 12, 31)).is_empty()
    assert len(_household_warnings(db_engine, h2)) == 1


def test_a_batch_raises_a_recorded_lower_tier_and_never_records_a_lower_one_after(
    db_engine: Engine, county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "false")
    h2, early = _alert_recorded(db_engine, county)
    assert [w[:2] for w in _household_warnings(db_engine, h2)] == [
        ("household_half_income", "alert")
    ]
    late = _above_income_by_september(db_engine, county)
    with session_scope(db_engine) as s:
        new = record(s, 2017, late.rules, late.warnings, date(2017, 12, 31))
    assert "household_above_income" in new["rule_id"].to_list()
    assert [w[:2] for w in _household_warnings(db_engine, h2)] == [
        ("household_above_income", "severe")
    ]
    # the earlier evaluation (alert) recorded again adds nothing below the severe tier
    with session_scope(db_engine) as s:
        assert record(s, 2017, early.rules, early.warnings, date(2017, 12, 31)).is_empty()
    assert len(_household_warnings(db_engine, h2)) == 1


def _state_of(engine: Engine, household: int) -> tuple[str, date, date]:
    W = EarlyWarning
    with session_scope(engine) as s:
        row = s.execute(
            select(W.state, W.detected_on, W.verify_due_on).where(
                W.household_id == household, W.person_id.is_(None)
            )
        ).one()
    return row[0], row[1], row[2]


@pytest.mark.parametrize(
    ("ended", "reopened"),
    [(WarningState.DISMISSED, True), (WarningState.CLOSED, True), (WarningState.VERIFIED, False)],
)
def test_a_higher_tier_opens_a_closed_or_dismissed_warning_again(
    db_engine: Engine, county: County, monkeypatch: pytest.MonkeyPatch,
    ended: WarningState, reopened: bool,
) -> None:  # fmt: skip
    """An alert dismissed after the visit (or closed) and then crossed into the severe tier is
    a new risk: the warning opens again, detected on the day it was raised and due for a
    visit; a warning still being worked on keeps its state and dates."""
    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "false")
    h2, _ = _alert_recorded(db_engine, county)
    with session_scope(db_engine) as s:
        s.execute(update(EarlyWarning).where(EarlyWarning.household_id == h2)
                  .values(state=ended.value))  # fmt: skip
    before = _state_of(db_engine, h2)
    late = _above_income_by_september(db_engine, county)
    with session_scope(db_engine) as s:
        record(s, 2017, late.rules, late.warnings, date(2017, 10, 31))
    assert [w[:2] for w in _household_warnings(db_engine, h2)] == [
        ("household_above_income", "severe")
    ]
    state, detected, due = _state_of(db_engine, h2)
    days = late.rules.workflow.verify_within_days
    if reopened:
        assert (state, detected) == (WarningState.OPEN.value, date(2017, 10, 31))
        assert (due - detected).days == days
    else:
        assert (state, detected, due) == before


def _alert_recorded(db_engine: Engine, county: County) -> tuple[int, Any]:
    """Household H2 (12,000 yuan of income) past half of it by March; the year's batch of
    March 31 recorded its alert. H2's id and that evaluation."""
    with session_scope(db_engine) as s:
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        assert h2 is not None
        s.add(HouseholdIncome(household_id=h2, year=2017, income_fen=1_200_000,
                              source=IncomeSource.DECLARED, recorded_by="test"))  # fmt: skip
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, big(county.ordinary_id, date(2017, 2, 1), 20_000), user="clerk")
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 20_000), user="clerk")
    with db_engine.connect() as conn:
        early = evaluate_year(conn, 2017, "340421")
    with session_scope(db_engine) as s:
        record(s, 2017, early.rules, early.warnings, date(2017, 3, 31))
    return h2, early


def _above_income_by_september(db_engine: Engine, county: County) -> Any:
    """H2's settlements of April to September (above its income); the year's evaluation."""
    with session_scope(db_engine, write_lock=True) as s:
        for month in range(4, 10):
            submit(s, big(county.ordinary_id, date(2017, month, 1), 20_000), user="clerk")
    with db_engine.connect() as conn:
        return evaluate_year(conn, 2017, "340421")
