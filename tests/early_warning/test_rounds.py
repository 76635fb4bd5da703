"""Re-assistance rounds in the database: draft from the ledger, approved by a second person,
paid; a second draft after approval refused; audited (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from safetynet.early_warning.rounds import RoundError, approve_round, draft_round, pay_round
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import AuditEvent, ReassistancePayment, ReassistanceRound
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county

__all__ = ["county"]


def test_draft_approve_pay(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with session_scope(db_engine) as s:
        first = draft_round(s, 2017, "340421", user="officer", budget_fen=100_00)
        second = draft_round(s, 2017, "340421", user="officer")
        assert first.amount_fen == 100_00 and first.owed_fen > 100_00  # scaled to the budget
        assert second.amount_fen == second.owed_fen  # 2.7 M is plenty
        with pytest.raises(RoundError) as err:
            approve_round(s, second.id, user="officer", on=date(2018, 1, 5))
        assert err.value.code == "round.same_person"
        approve_round(s, second.id, user="director", on=date(2018, 1, 5))
        assert s.get(ReassistanceRound, first.id) is None  # the other draft is gone
        with pytest.raises(RoundError):
            draft_round(s, 2017, "340421", user="officer")
        paid = pay_round(s, second.id, user="cashier", on=date(2018, 1, 20))
        assert paid.state == "paid"
        rows = s.scalars(
            select(ReassistancePayment.amount_fen).where(ReassistancePayment.round_id == second.id)
        ).all()
        assert sum(rows) == second.amount_fen and len(rows) == 1
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.target == "reassistance_round")
        ).all()
        assert sorted(actions) == sorted(["reassistance.draft"] * 2 + ["reassistance.approve",
                                          "reassistance.pay"])  # fmt: skip
        assert s.scalar(select(func.count(ReassistanceRound.id))) == 1


def test_round_command(db_engine: Engine, county: County) -> None:
    from typer.testing import CliRunner

    from safetynet.cli.main import app

    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    url = db_engine.url.render_as_string(hide_password=False)
    run = CliRunner().invoke
    made = run(app, ["warnings", "round", "draft", "--year", "2017", "--region", "340421",
                     "--by", "officer", "--db", url])  # fmt: skip
    assert made.exit_code == 0 and ": draft;" in made.output, made.output
    same = run(
        app, ["warnings", "round", "approve", "--round", "1", "--by", "officer", "--db", url]
    )
    assert same.exit_code == 2
    ok = run(app, ["warnings", "round", "approve", "--round", "1", "--by", "boss", "--db", url])
    assert ok.exit_code == 0 and ": approved;" in ok.output
    paid = run(app, ["warnings", "round", "pay", "--round", "1", "--by", "cashier", "--db", url])
    assert paid.exit_code == 0 and ": paid;" in paid.output
