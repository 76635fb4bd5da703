"""The check after a settlement counts a refunded claim as the sources say: not at all
(domain notes C3 W5: "≥ 3 admissions a year"; a claim refunded in full was no admission),
on SQLite and PostgreSQL, as the year's batch does. Stays in February and March, March's
refunded, one in April: two admissions, no warning after April's settlement nor in the
batch; a stay in May makes three: the check after it raises the warning, once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from safetynet.early_warning.online import check_after_settlement
from safetynet.early_warning.service import evaluate_year
from safetynet.settlement.service import refund, submit
from safetynet.store.db import session_scope
from tests.settlement.conftest import County, county
from tests.settlement.helpers import inpatient

__all__ = ["county"]


def _batch(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return evaluate_year(conn, 2017).warnings["rule_id"].to_list()


def _stay(engine: Engine, who: str, month: int) -> tuple[int, list[str]]:
    with session_scope(engine) as s:
        view = submit(s, inpatient(who, date(2017, month, 1)), user="c", client_key=f"i{month}")
        assert view.settlement_id is not None
        found = check_after_settlement(s, view.settlement_id)["rule_id"].to_list()
        return view.settlement_id, found


def test_a_refunded_stay_is_no_admission_after_a_settlement(
    db_engine: Engine, county: County
) -> None:
    who = county.ordinary_id
    _stay(db_engine, who, 2)
    march, _ = _stay(db_engine, who, 3)
    with session_scope(db_engine) as s:
        undo = refund(s, march, user="c", reason="never admitted")
        assert undo.settlement_id is not None
        check_after_settlement(s, undo.settlement_id)
    _, found = _stay(db_engine, who, 4)
    assert "admissions" not in found
    assert "admissions" not in _batch(db_engine)
    _, found = _stay(db_engine, who, 5)
    assert found.count("admissions") == 1
    assert _batch(db_engine).count("admissions") == 1
