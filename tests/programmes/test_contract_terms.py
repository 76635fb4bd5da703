"""Planned services of contracts of other terms than one year (safetynet/programmes/plan.py):
a package plans ``per_year`` services in each year of the contract counted from its first day;
a slot is planned while the contract runs. A contract cancelled early (its ``valid_to``
brought forward, as a re-import does) keeps the slots already due on their days — it used to
cut its shorter term into ``per_year`` slots again, moving the past due dates so a follow-up
done on time became late — and a two-year contract plans ``per_year`` a year (it planned
``per_year`` over both years)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from safetynet.programmes.load import CONTRACT_SCHEMA
from safetynet.programmes.plan import slots
from safetynet.programmes.rules import load_rules, shipped_rules

RULES = load_rules(shipped_rules()["national-2017"])
DONE = {"contract_id": pl.Int64, "kind": pl.String, "done_on": pl.Date}


def _slots(
    start: date, end: date, done: list[date] | None = None
) -> list[tuple[date, date | None]]:
    contract = {"id": 1, "person_id": 1, "team_id": 1, "package": "chronic", "signed_on": start,
                "valid_from": start, "valid_to": end, "fee_fen": 0, "free": True,
                "health_record_no": None, "disease_code": "I10", "renews_id": None}  # fmt: skip
    services = pl.DataFrame([(1, "follow_up", d) for d in done or []], schema=DONE, orient="row")
    got = slots(RULES, pl.DataFrame([contract], schema=CONTRACT_SCHEMA), services)
    return [(r["due_on"], r["done_on"]) for r in
            got.filter(pl.col("kind") == "follow_up").sort("k").to_dicts()]  # fmt: skip


def _due(start: date, end: date) -> list[date]:
    return [d for d, _ in _slots(start, end)]


YEAR_2018 = [date(2018, 4, 1), date(2018, 7, 1), date(2018, 9, 30), date(2018, 12, 31)]


def test_a_one_year_contract_keeps_its_four_slots() -> None:
    assert _due(date(2018, 1, 1), date(2019, 1, 1)) == YEAR_2018
    # a leap year: 366 days cut in four, the last on the term's last day
    assert _due(date(2020, 1, 1), date(2021, 1, 1)) == [
        date(2020, 3, 31), date(2020, 7, 1), date(2020, 9, 30), date(2020, 12, 31)]  # fmt: skip
    # from 29 February: the anniversary is 28 February
    assert _due(date(2016, 2, 29), date(2017, 2, 28))[-1] == date(2017, 2, 27)


@pytest.mark.parametrize(
    ("end", "planned"),
    [(date(2018, 6, 30), YEAR_2018[:1]),
     (date(2018, 7, 1), YEAR_2018[:1]),  # ends (exclusive) the day the second falls due
     (date(2018, 7, 2), YEAR_2018[:2]),
     (date(2018, 12, 31), YEAR_2018[:3]),  # a day short of the year: the last is not planned
     (date(2019, 1, 1), YEAR_2018)],
)  # fmt: skip
def test_a_contract_cancelled_early_keeps_the_slots_already_due(
    end: date, planned: list[date]
) -> None:
    assert _due(date(2018, 1, 1), end) == planned


def test_a_follow_up_on_time_stays_on_time_when_the_contract_is_cancelled() -> None:
    done = [date(2018, 4, 10)]  # nine days after the first slot fell due (1 April)
    for end in (date(2019, 1, 1), date(2018, 7, 2)):
        first_due, first_done = _slots(date(2018, 1, 1), end, done)[0]
        assert (first_due, first_done) == (date(2018, 4, 1), date(2018, 4, 10))


def test_a_two_year_contract_plans_each_year() -> None:
    year_2019 = [date(2019, 4, 1), date(2019, 7, 1), date(2019, 9, 30), date(2019, 12, 31)]
    assert _due(date(2018, 1, 1), date(2020, 1, 1)) == [*YEAR_2018, *year_2019]
    # 18 months: the second year's slots while it runs
    assert _due(date(2018, 1, 1), date(2019, 7, 1)) == [*YEAR_2018, date(2019, 4, 1)]
