"""A paying county's code that no county of the registry has is refused (``payer_unknown``)
by the payment round, the statements, the alarms and the budget-limited round, nothing
written: a round drafted for ``zz`` (or a city's or a padded code, which the round's lines
never name) paid nobody and blocked the month's round of every county; the alarms and the
statements of an unknown code read "nothing" instead of "no such county". On both
databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.funds.budget_round import budget_round
from safetynet.funds.journal import JournalError
from safetynet.funds.payments import make_round
from safetynet.funds.rules import default_rules
from safetynet.funds.statements import statements
from safetynet.funds.watch import alarms
from safetynet.store.db import session_scope
from safetynet.store.models import PaymentBatch
from tests.settlement.conftest import County

RULES = default_rules()
COUNTY = "340421"  # the tiny county of tests.settlement.conftest
runner = CliRunner()


def _rounds(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(PaymentBatch)) or 0


@pytest.mark.parametrize("payer", ["zz", "999999", "3404", "340421000000", "34042", "３４０４２１"])
def test_a_round_for_no_county_is_refused_and_blocks_nothing(
    db_engine: Engine, county: County, payer: str
) -> None:
    with session_scope(db_engine) as s, pytest.raises(JournalError) as err:
        make_round(s, RULES, 2017, 3, user="maker", payer_region=payer)
    assert err.value.code == "payer_unknown" and repr(payer) in err.value.message
    assert _rounds(db_engine) == 0
    # the month's round of every county is not blocked by it: refused only as empty (an
    # empty round is never drafted)
    with session_scope(db_engine) as s, pytest.raises(JournalError) as empty:
        make_round(s, RULES, 2017, 3, user="maker")
    assert empty.value.code == "round_empty"
    with session_scope(db_engine) as s, pytest.raises(JournalError):
        statements(s, 2017, 500, payer=payer)


@pytest.mark.parametrize("payer", ["zz", "999999", "340421000000", "35"])
def test_alarms_and_a_pot_of_no_county_are_refused(
    db_engine: Engine, county: County, payer: str
) -> None:
    with session_scope(db_engine) as s:
        for read in (lambda: alarms(s, RULES, 2017, 12, payer),
                     lambda: budget_round(s, RULES, "re_assistance", 2017, payer)):  # fmt: skip
            with pytest.raises(JournalError) as err:
                read()
            assert err.value.code == "payer_unknown"
        # the county, its city and its province are known prefixes
        for known in (COUNTY, COUNTY[:4], COUNTY[:2]):
            alarms(s, RULES, 2017, 12, known)
        statements(s, 2017, 500, payer=COUNTY)


@pytest.mark.parametrize(
    "args",
    [
        ["round", "make", "--year", "2017", "--month", "3", "--by", "maker"],
        ["alarms", "--year", "2017"],
        ["statements", "--year", "2017", "--month", "3"],
        ["budget-round", "--year", "2017"],
    ],
    ids=["round", "alarms", "statements", "budget-round"],
)
def test_the_commands_refuse_an_unknown_payer(
    db_engine: Engine, county: County, args: list[str]
) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    done = runner.invoke(app, ["funds", *args, "--payer", "zz", "--db", url])
    assert done.exit_code == 2, (done.output, done.exception)
    assert "no county pays from the funds as 'zz'" in " ".join(done.output.split())
    assert _rounds(db_engine) == 0
