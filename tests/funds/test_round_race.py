"""Two bureau users drafting the same month's payment round at the same moment (on both
databases): one batch, the other refused with ``round_exists`` — never two batches that
could both be approved and released, paying the month twice."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from safetynet.funds.payments import PaymentError, make_round
from safetynet.funds.rules import default_rules
from safetynet.store.db import session_scope
from safetynet.store.models import PaymentBatch
from tests.funds.test_statements import _claims
from tests.settlement.conftest import County

RULES = default_rules()


def test_two_drafts_of_one_round_at_once_make_one_batch(db_engine: Engine, county: County) -> None:
    _claims(db_engine)  # March has claims to pay (an empty month makes no round)
    first = sessionmaker(bind=db_engine)()
    make_round(first, RULES, 2017, 3, user="maker-1")  # written, not yet committed
    outcome: list[BaseException | None] = []

    def second() -> None:
        try:
            with session_scope(db_engine) as s:  # saw no batch of March: drafts its own
                make_round(s, RULES, 2017, 3, user="maker-2")
            outcome.append(None)
        except (PaymentError, OperationalError) as exc:
            outcome.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(1.0)
    first.commit()
    first.close()
    thread.join(timeout=60)
    assert outcome and outcome[0] is not None, "the second draft was written too"
    if db_engine.dialect.name == "postgresql":  # SQLite: the writer lock refuses it
        assert isinstance(outcome[0], PaymentError) and outcome[0].code == "round_exists"
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(PaymentBatch)) == 1
