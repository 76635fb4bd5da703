"""Pro-rata scaling on a capped pot: a hand-computed round, its properties (hypothesis), the
budget-limited fund's year-end round from the ledger with each person explained, and bad
input."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from safetynet.funds.budget_round import budget_round, compute_round
from safetynet.funds.journal import JournalError
from safetynet.funds.prorata import apportion, scale
from safetynet.funds.rules import default_rules
from safetynet.funds.schema import Allocation, BudgetLimited
from safetynet.funds.tables import round_table
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient


def test_a_hand_computed_round() -> None:
    # pot 100.00 yuan, owed 60.00 + 30.00 + 30.01 = 120.01: index 10000 × 10000 // 12001 = 8332
    # floors 49.99, 24.99, 25.00 (99.98); remainders 7001, 9501, 7500 → +0.01 to 2 and 3
    owed = pl.DataFrame({"person_id": [1, 2, 3], "owed_fen": [6_000, 3_000, 3_001]})
    out = compute_round(10_000, owed)
    assert out["amount_fen"].to_list() == [4_999, 2_500, 2_501]
    assert out["difference_fen"].to_list() == [1_001, 500, 500]
    assert set(out["scale_bp"].to_list()) == {8_332}
    # within the pot: paid in full, index 100 %
    full = compute_round(20_000, owed)
    assert full["amount_fen"].to_list() == [6_000, 3_000, 3_001]
    assert set(full["scale_bp"].to_list()) == {10_000}


@given(
    owed=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=40),
    pot=st.integers(min_value=0, max_value=10**10),
)
def test_the_round_is_exact_and_fair(owed: list[int], pot: int) -> None:
    frame = pl.DataFrame(
        {"k": list(range(len(owed))), "owed": owed}, schema={"k": pl.Int64, "owed": pl.Int64}
    )
    out = scale(frame, pot, owed="owed", key="k")
    amounts = out["amount_fen"].to_list()
    assert sum(amounts) == min(pot, sum(owed))  # the pot exactly when short, else all owed
    assert all(0 <= a <= o for a, o in zip(amounts, owed, strict=True))
    if sum(owed) > pot:  # each within a fen of its exact share
        assert all(
            abs(a * sum(owed) - o * pot) < sum(owed) for a, o in zip(amounts, owed, strict=True)
        )


@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 1000), min_size=1),
)
def test_apportion_adds_up(total: int, weights: dict[str, int]) -> None:
    if sum(weights.values()) == 0:
        with pytest.raises(ValueError, match="sums to zero"):
            apportion(total, weights)
        return
    parts = apportion(total, weights)
    assert sum(parts.values()) == total and all(v >= 0 for v in parts.values())


def test_bad_input_is_refused() -> None:
    frame = pl.DataFrame({"k": [1, 2], "owed": [5, -1]})
    with pytest.raises(ValueError, match="negative amount owed"):
        scale(frame, 3, owed="owed", key="k")
    with pytest.raises(ValueError, match="pot is negative"):
        scale(frame.with_columns(pl.lit(1).alias("owed")), -1, owed="owed", key="k")


def test_the_year_end_round_of_a_budget_limited_fund(db_engine: Engine, county: County) -> None:
    base = default_rules()
    # the medical-assistance fund as a budget-limited pot of 10.00 yuan, for the test
    rules = base.model_copy(
        update={
            "allocations": [Allocation(fund="assistance", amount="10", source="design")],
            "payments": base.payments.model_copy(
                update={"budget_limited": [BudgetLimited(fund="assistance", source="design")]}
            ),
        }
    )
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, inpatient(county.poor_id, date(2017, 3, 1)), user="clerk")
        submit(s, inpatient(county.spouse_id, date(2017, 4, 1)), user="clerk")
    with session_scope(db_engine) as s:
        rnd = budget_round(s, rules, "assistance", 2017)
        assert rnd.short and rnd.pot_fen == 1_000 and rnd.total_fen > 1_000
        assert int(rnd.persons["amount_fen"].sum()) == 1_000
        assert int(rnd.persons["owed_fen"].sum()) == rnd.total_fen
        with pytest.raises(JournalError, match="no annual pot"):
            budget_round(s, rules, "basic", 2017)
    zh = round_table(rules, rnd, rnd.persons, "zh_Hans")
    assert "医疗救助基金" in zh.title and "10.00" in str(zh.rows[0][-1])
    en = round_table(rules, rnd, rnd.persons, "en")
    assert "scaled by" in str(en.rows[0][-1])
