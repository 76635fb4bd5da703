"""More engine properties (hypothesis, the pure engine on random policies and claim streams):
the patient never pays more than the bill, nor less than nothing, and no layer pays more
than the bill; settling the same claims again — online, claim by claim with fresh
accumulators, or in batch — gives the same result to the fen, facts and accumulators alike
(determinism)."""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings

from safetynet.engine.batch import settle_batch, settle_batch_with_state
from safetynet.engine.compile import CompiledPolicy
from tests.engine.test_properties import claim_rows, policies, settle_online


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cp=policies(), rows=claim_rows())
def test_out_of_pocket_is_within_the_bill(cp: CompiledPolicy, rows: list[dict[str, Any]]) -> None:
    online, _, _ = settle_online(cp, rows)
    batch = settle_batch(cp, pl.DataFrame(rows))
    for i, r in enumerate(rows):
        s = online[i]
        bill = r["total_fen"]
        # the patient pays nothing of what review deducted (the institution bears it)
        assert 0 <= s.out_of_pocket_fen <= bill - r["deducted_fen"] <= bill
        assert 0 <= batch["out_of_pocket_fen"][i] <= bill - r["deducted_fen"]
        assert all(0 <= x.paid_fen <= bill for x in s.layers)
        assert 0 <= s.paid_fen <= bill
        # a bill of nothing pays nothing and leaves nothing to pay
        if bill == 0:
            assert s.paid_fen == 0 == s.out_of_pocket_fen


def _snapshot(results: dict[int, Any]) -> list[tuple[Any, ...]]:
    return [
        (i, s.out_of_pocket_fen, [(x.paid_fen, x.facts) for x in s.layers])
        for i, s in sorted(results.items())
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cp=policies(), rows=claim_rows())
def test_settling_the_same_claims_again_gives_the_same_result(
    cp: CompiledPolicy, rows: list[dict[str, Any]]
) -> None:
    first, persons, households = settle_online(cp, rows)
    again, persons_again, households_again = settle_online(cp, rows)
    assert _snapshot(first) == _snapshot(again)
    assert {k: list(v) for k, v in persons.items()} == {
        k: list(v) for k, v in persons_again.items()
    }
    assert {k: list(v) for k, v in households.items()} == {
        k: list(v) for k, v in households_again.items()
    }
    frame = pl.DataFrame(rows)
    one, state_one = settle_batch_with_state(cp, frame)
    two, state_two = settle_batch_with_state(cp, frame.clone())
    assert one.equals(two)
    assert state_one is not None and state_two is not None
    assert state_one.persons.equals(state_two.persons)
    assert state_one.households.equals(state_two.households)
    # and the batch is the online settlement, to the fen
    assert one["out_of_pocket_fen"].to_list() == [
        first[i].out_of_pocket_fen for i in range(len(rows))
    ]
