"""The year-end round of a budget-limited pot counts everything paid out of it in the year:
what its layers paid persons at the window and what the re-assistance rounds paid households
(a cancelled round not); at the cap exactly every payee is paid in full, one fen over every
amount is scaled and the round adds up to the pot. On both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, select

from safetynet.funds.budget_round import budget_round, with_residents
from safetynet.funds.rules import default_rules
from safetynet.funds.schema import Allocation, BudgetLimited, FundRules
from safetynet.funds.tables import round_table
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import Household, ReassistancePayment, ReassistanceRound
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

ROUND_FEN = 123_457  # what the paid re-assistance round paid household H2


def _rules(pot_fen: int) -> FundRules:
    """The county's funds file with the assistance fund as the re-assistance pot: it pays
    the window's assistance layer and the re-assistance rounds, from ``pot_fen``."""
    base = default_rules()
    funds = [
        f.model_copy(
            update={
                "layers": [*f.layers, "re_assistance"] if f.id == "assistance" else
                [x for x in f.layers if x != "re_assistance"]
            }
        )
        for f in base.funds
    ]  # fmt: skip
    pot = Allocation(fund="assistance", amount=Decimal(pot_fen) / 100, source="design")
    limited = [BudgetLimited(fund="assistance", source="design")]
    return base.model_copy(
        update={
            "funds": funds,
            "allocations": [pot],
            "payments": base.payments.model_copy(update={"budget_limited": limited}),
        }
    )


def _paid_round(engine: Engine, household: str, amount: int, state: str) -> None:
    with session_scope(engine) as s:
        home = s.scalar(select(Household.id).where(Household.number == household))
        rnd = ReassistanceRound(year=2017, region_code="340421", budget_fen=0, owed_fen=amount,
                                amount_fen=amount, state=state, computed_by="t")  # fmt: skip
        s.add(rnd)
        s.flush()
        s.add(ReassistancePayment(round_id=rnd.id, household_id=home, persons=1, self_pay_fen=0,
                                  excess_fen=0, owed_fen=amount, scale_bp=10_000,
                                  amount_fen=amount))  # fmt: skip


def test_the_round_counts_household_rounds_at_the_cap_and_one_fen_over(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, inpatient(county.poor_id, date(2017, 3, 1)), user="clerk")
    _paid_round(db_engine, "H2", ROUND_FEN, "paid")
    _paid_round(db_engine, "H1", 999_999, "cancelled")  # never paid out of the pot
    with session_scope(db_engine) as s:
        window = budget_round(s, _rules(10**9), "assistance", 2017)
    persons = window.persons.filter(window.persons["payee"] == "person")
    homes = window.persons.filter(window.persons["payee"] == "household")
    paid_window = int(persons["owed_fen"].sum())
    assert paid_window > 0 and homes["owed_fen"].to_list() == [ROUND_FEN]
    total = paid_window + ROUND_FEN
    assert window.total_fen == total
    with session_scope(db_engine) as s:
        at = budget_round(s, _rules(total), "assistance", 2017)  # exactly at the cap
        over = budget_round(s, _rules(total - 1), "assistance", 2017)  # one fen over
        listed = with_residents(s, over.persons)
    assert not at.short and at.persons["amount_fen"].to_list() == at.persons["owed_fen"].to_list()
    assert set(at.persons["scale_bp"].to_list()) == {10_000}
    assert over.short and over.total_fen == total
    assert int(over.persons["amount_fen"].sum()) == total - 1  # adds up to the pot
    assert int(over.persons["difference_fen"].sum()) == 1  # the one fen forgone
    assert listed.filter(listed["payee"] == "household")["household_number"].to_list() == ["H2"]
    table = round_table(_rules(total - 1), over, listed, "zh_Hans")
    assert any(row[0] == "H2" and row[2] == "再救助发放" for row in table.rows)
