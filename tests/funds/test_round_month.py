"""A payment round is drafted only for a month begun by the county's today with something
to pay: an empty month and a month not begun are refused with their codes (nothing
written), on the command line with the sentence and a non-zero exit. On both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.clock import local_today
from safetynet.funds.payments import PaymentError, make_round, round_months
from safetynet.funds.rules import default_rules
from safetynet.store.db import session_scope
from safetynet.store.models import PaymentBatch
from tests.settlement.conftest import County

RULES = default_rules()


def _next_month() -> tuple[int, int]:
    today = local_today()
    return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)


def test_round_months_are_the_months_begun() -> None:
    today = local_today()
    assert round_months(today.year - 1) == list(range(1, 13))
    assert round_months(today.year) == list(range(1, today.month + 1))
    assert round_months(today.year + 1) == []
    year, month = _next_month()
    assert month not in round_months(year)


def _batches(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(PaymentBatch)) or 0)


def test_an_empty_or_future_month_is_refused(db_engine: Engine, county: County) -> None:
    year, month = _next_month()
    this = local_today()
    for y, m, code in ((2017, 3, "round_empty"), (year, month, "round_future"),
                       (this.year, this.month, "round_empty"),  # begun, nothing to pay
                       (9999, 1, "round_future")):  # fmt: skip
        with pytest.raises(PaymentError) as refused, session_scope(db_engine) as s:
            make_round(s, RULES, y, m, user="clerk")
        assert refused.value.code == code, (y, m)
    assert _batches(db_engine) == 0
    url = db_engine.url.render_as_string(hide_password=False)
    for y, m, said in ((2017, 3, "nothing to pay"), (year, month, "has not begun")):
        done = CliRunner().invoke(
            app, ["funds", "round", "make", "--year", str(y), "--month", str(m), "--by", "c",
                  "--db", url],
        )  # fmt: skip
        assert done.exit_code != 0 and said in done.output, done.output
    assert _batches(db_engine) == 0
    assert date(year, month, 1) > this


def test_december_closes_the_year_with_anything_left_to_carry(
    db_engine: Engine, county: County
) -> None:
    """December's round closes the year: with an advance left and nothing due it is made
    (the advance is carried into the next year); an empty December is refused."""
    from safetynet.funds.payments import post_prepayments, set_budgets

    with pytest.raises(PaymentError) as refused, session_scope(db_engine) as s:
        make_round(s, RULES, 2017, 12, user="maker")
    assert refused.value.code == "round_empty"
    with session_scope(db_engine) as s:
        set_budgets(s, RULES, 2017, "basic", {"H-COUNTY": 12}, "bureau")
        post_prepayments(s, RULES, 2017, 12, user="bureau", on=date(2017, 12, 1))
    with pytest.raises(PaymentError) as refused, session_scope(db_engine) as s:
        make_round(s, RULES, 2017, 11, user="maker")  # November: nothing to pay
    assert refused.value.code == "round_empty"
    with session_scope(db_engine) as s:
        assert make_round(s, RULES, 2017, 12, user="maker").total_fen == 0
