"""Claims settled in the order they come (a date-sorted claim file): the same results, to
the fen, as sorting them into household blocks, whatever the order of the rows."""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetynet.engine import layout as L
from safetynet.engine.batch import (
    _FileOrderRun,
    _settle_in_file_order,
    prepare_codes,
    settle_batch,
    settle_batch_with_state,
    settle_in_ranges,
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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cp=policies(), rows=claim_rows())
def test_a_state_table_only_where_a_pool_is_kept(cp: CompiledPolicy, rows: list[dict]) -> None:
    """The file-order pass has a person table only if a rule keeps its pool per person and a
    household table only if one keeps it per household (the other has no rows: not
    allocated, its rows not fetched ahead); the results are still the blocks' (above)."""
    run = _FileOrderRun.start(cp, prepare_codes(_one_year(rows).sort("date", "seq")))
    assert run is not None
    scopes = {int(cp.pool_household[cp.params[r, L.P_POOL]]) for r in range(cp.params.shape[0])}
    persons = int(run.person.max()) + 1
    households = int(run.household.max()) + 1
    assert run.pstate.shape[0] == (persons if 0 in scopes else 0)
    assert run.hstate.shape[0] == (households if 1 in scopes else 0)


def test_a_policy_without_household_pools_has_no_household_table() -> None:
    """anhui-poor-2017 keeps every pool per person."""
    cp = policy("anhui-poor-2017")
    assert cp.keeps_state(household=False)
    assert not cp.keeps_state(household=True)


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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cp=policies(),
    rows=claim_rows(),
    seed=st.randoms(),
    by_date=st.booleans(),
    size=st.integers(1, 12),
    parts=st.integers(1, 3),
    years=st.booleans(),
)
def test_settled_in_ranges_equals_one_piece(
    cp: CompiledPolicy,
    rows: list[dict],
    seed: Any,
    by_date: bool,
    size: int,
    parts: int,
    years: bool,
) -> None:
    """Rows settled range by range (the accumulators carried from one range to the next,
    each range's results ready before the next settles), in any number of parallel
    passes: the same results, in the same order, as the whole batch; several years (no
    file-order pass) come in one piece."""
    df = pl.DataFrame(rows) if years else _one_year(rows)
    idx = list(range(df.height))
    seed.shuffle(idx)
    df = df[idx]
    if by_date:
        df = df.sort("date", "seq", maintain_order=True)
    ranges = list(settle_in_ranges(cp, df, size, n_parts=parts))
    whole = settle_batch(cp, df)
    assert pl.concat(ranges).equals(whole.select(ranges[0].columns))
    if _settle_in_file_order(cp, prepare_codes(df)) is not None:
        assert [r.height for r in ranges] == [
            min(size, df.height - lo) for lo in range(0, df.height, size)
        ]
    else:
        assert len(ranges) == 1
