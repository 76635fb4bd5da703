"""Claims settled in the order they come (a date-sorted claim file): the same results, to
the fen, as sorting them into household blocks, whatever the order of the rows."""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetynet.engine.batch import (
    _settle_in_file_order,
    prepare_codes,
    settle_batch,
    settle_batch_with_state,
)
from safetynet.engine.compile import CompiledPolicy
from tests.engine.helpers import policy
from tests.engine.test_properties import claim_rows, policies


def _one_year(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame([{**r, "year": 2020} for r in rows])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cp=policies(), rows=claim_rows(), seed=st.randoms(), by_date=st.booleans())
def test_file_order_equals_household_blocks(
    cp: CompiledPolicy, rows: list[dict], seed: Any, by_date: bool
) -> None:
    """Rows shuffled (households out of order: settled apart, sorted) or sorted by date and
    sequence (every household in order: one pass in file order)."""
    df = _one_year(rows)
    idx = list(range(df.height))
    seed.shuffle(idx)
    df = df[idx]
    if by_date:
        df = df.sort("date", "seq", maintain_order=True)
    assert _settle_in_file_order(cp, prepare_codes(df)) is not None
    in_blocks, _state = settle_batch_with_state(cp, df)  # keeps state: always the blocks
    assert settle_batch(cp, df).equals(in_blocks)


def test_the_file_order_pass_is_not_taken_where_it_would_differ() -> None:
    """Two years, or a person in two households: the blocks settle them."""
    cp = policy("anhui-poor-2017")
    rows = [
        {"person_id": 0, "household_id": 0, "year": 2017, "date": "2017-03-01", "seq": 1,
         "kind": "inpatient", "level": "county", "in_county": True, "referral": False,
         "status_mask": 1, "disease_mask": 0, "age": 40, "total_fen": 500_000,
         "compliant_fen": 400_000, "essential_fen": 0, "deducted_fen": 0},
    ]  # fmt: skip
    one = pl.DataFrame(rows * 2).with_columns(
        pl.col("date").str.to_date(), pl.Series("seq", [1, 2])
    )
    assert _settle_in_file_order(cp, prepare_codes(one)) is not None
    two_years = one.with_columns(pl.Series("year", [2017, 2018]))
    assert _settle_in_file_order(cp, prepare_codes(two_years)) is None
    two_homes = one.with_columns(pl.Series("household_id", [0, 1]))
    assert _settle_in_file_order(cp, prepare_codes(two_homes)) is None
    assert (
        settle_batch(cp, two_homes)["pay_basic"].to_list()
        == [settle_batch(cp, two_homes[:1])["pay_basic"][0]] * 2
    )  # each household's pools start at zero
