"""The monitoring workflow on a real warning: visit, hand-over, measure, monthly follow-ups,
closed after three months below the lines; steps out of order refused; overdue flagged;
every step audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from safetynet.early_warning.online import check_after_settlement
from safetynet.early_warning.rules import FILES, load_rules
from safetynet.early_warning.service import monitoring_list
from safetynet.early_warning.workflow import WorkflowError, months_below, record_step
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import AuditEvent
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county

__all__ = ["county"]
FLOW = load_rules(FILES / "county-2018.yaml").workflow


def test_months_below_counts_consecutive_months() -> None:
    below = [("follow_up_below", date(2017, m, 5)) for m in (5, 6, 7)]
    assert months_below(below, date(2017, 7, 20)) == 3
    assert months_below(below, date(2017, 8, 2)) == 3  # August not yet followed up
    assert months_below([*below, ("follow_up_above", date(2017, 6, 20))], date(2017, 7, 20)) == 1
    assert months_below(below[::2], date(2017, 7, 20)) == 1  # June missing breaks the run


def test_a_warning_from_detection_to_closed(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        view = submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
        assert view.settlement_id is not None
        new = check_after_settlement(s, view.settlement_id)
    assert "self_pay_year" in new["rule_id"].to_list()
    with session_scope(db_engine) as s:
        listed = monitoring_list(s, 2017, date(2017, 3, 10))
        wid = int(listed.filter(listed["rule_id"] == "self_pay_year")["id"].item())
        row = listed.filter(listed["id"] == wid).row(0, named=True)
        assert (row["next_step"], row["due_on"], row["overdue"]) == (
            "visit",
            date(2017, 3, 16),
            False,
        )
        assert (
            monitoring_list(s, 2017, date(2017, 3, 17))
            .filter(monitoring_list(s, 2017, date(2017, 3, 17))["id"] == wid)["overdue"]
            .item()
        )
        with pytest.raises(WorkflowError) as err:
            record_step(s, wid, "hand_over", date(2017, 3, 5), user="town", workflow=FLOW)
        assert err.value.code == "step.out_of_order"
    steps = [
        ("visit_confirmed", date(2017, 3, 8), None),
        ("hand_over", date(2017, 3, 12), None),
        ("measure", date(2017, 4, 2), "re_assistance"),
        ("follow_up_below", date(2017, 5, 3), None),
        ("follow_up_below", date(2017, 6, 2), None),
    ]
    with session_scope(db_engine) as s:
        for step, on, measure in steps:
            record_step(s, wid, step, on, user="town", workflow=FLOW, measure=measure)
        late = monitoring_list(s, 2017, date(2017, 7, 10))
        row = late.filter(late["id"] == wid).row(0, named=True)
        assert (row["state"], row["next_step"], row["due_on"]) == (
            "measures",
            "follow_up",
            date(2017, 7, 3),
        )
        assert row["overdue"]
        with pytest.raises(WorkflowError) as err:
            record_step(s, wid, "close", date(2017, 6, 30), user="town", workflow=FLOW)
        assert err.value.code == "close.too_early"
    with session_scope(db_engine) as s:
        record_step(s, wid, "follow_up_below", date(2017, 7, 3), user="town", workflow=FLOW)
        done = record_step(s, wid, "close", date(2017, 7, 20), user="town", workflow=FLOW)
        assert done.state.value == "closed"
        audited = s.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.target == "early_warning")
        )
        assert audited == len(steps) + 2
        closed = monitoring_list(s, 2017, date(2017, 12, 31))
        row = closed.filter(closed["id"] == wid).row(0, named=True)
        assert row["next_step"] is None and not row["overdue"]
