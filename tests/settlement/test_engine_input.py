"""The one adapter from claims to engine input: each concept gives the same answer on
integers (one claim at the window), NumPy arrays and Polars columns (a file or a year)."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl

from safetynet.codes import PovertyStatus as S
from safetynet.engine.facts import status_mask
from safetynet.policy.diseases import disease_mask, disease_mask_expr
from safetynet.registry.status import ORDINARY_MASK, STATUS_BITS, held, resolve
from safetynet.settlement.engine_input import (
    disease_masks,
    listed_status_masks,
    with_line_amounts,
)

MASKS = list(range(1 << len(S)))  # every set of statuses


def test_held_is_the_same_rule_on_integers_arrays_and_columns() -> None:
    pairs = list(itertools.product(MASKS, MASKS))
    own = np.array([o for o, _ in pairs], np.int64)
    household = np.array([h for _, h in pairs], np.int64)
    scalar = [held(o, h) for o, h in pairs]
    frame = pl.DataFrame({"own": own, "household": household})
    column = frame.select(held(pl.col("own"), pl.col("household"))).to_series().to_list()
    assert column == scalar
    assert held(own, household).tolist() == scalar
    assert held(own, 0).tolist() == [held(int(o), 0) for o in own]


def test_held_states_the_rules_of_the_registry() -> None:
    def mask(*statuses: S) -> int:
        return status_mask(set(statuses))

    # an exited member of a registered-poor household is exited (same family: own wins)
    assert held(mask(S.EXITED), mask(S.REGISTERED_POOR)) == mask(S.EXITED)
    # the families add up: the household's low income stays beside the member's exit
    both = held(mask(S.EXITED), mask(S.REGISTERED_POOR, S.LOW_INCOME))
    assert both == mask(S.EXITED, S.LOW_INCOME)
    # an extremely poor member of a low-income household is extremely poor only
    assert held(mask(S.EXTREMELY_POOR), mask(S.LOW_INCOME)) == mask(S.EXTREMELY_POOR)
    assert held(0, 0) == ORDINARY_MASK
    assert resolve([(True, S.EXITED), (False, S.REGISTERED_POOR)]) == {S.EXITED}
    assert resolve([]) == {S.ORDINARY}


def test_listed_statuses_are_held_as_the_persons_own() -> None:
    lists = [[], ["exited", "low_income"], None, ["registered_poor"], ["low_income"] * 2]
    got = listed_status_masks(pl.DataFrame({"statuses": lists}))
    expected = [held(status_mask(set(map(S, statuses or []))), 0) for statuses in lists]
    assert got.to_list() == expected
    assert got.to_list()[0] == STATUS_BITS["ordinary"]
    no_type = pl.DataFrame({"statuses": [[], None]}, schema={"statuses": pl.List(pl.Null)})
    assert listed_status_masks(no_type).to_list() == [ORDINARY_MASK] * 2


def test_disease_masks_per_distinct_code_equal_the_expression_on_every_claim() -> None:
    prefixes = {"cancer": ("C50", "C34"), "diabetes": ("E11",), "empty": ()}
    codes = ["C50.1", "c34", None, "Z00", "E11.9", "C50.1", "", "E1"] * 3
    claims = pl.DataFrame({"diagnosis": codes}, schema={"diagnosis": pl.String})
    expected = claims.select(disease_mask_expr(prefixes)).to_series().to_list()
    assert disease_masks(claims, prefixes).to_list() == expected
    assert expected == [disease_mask(prefixes, c) for c in codes]  # the window's answer
    assert disease_masks(claims, {}).to_list() == [0] * len(codes)


LINES = pl.DataFrame(
    {
        "claim_key": ["a", "a", "b"],
        "amount_fen": [1000, 500, 200],
        "deducted_fen": [0, 100, 0],
        "item_class": ["A", "C", "B"],
        "self_pay_bp": [0, 0, 1000],
        "essential": [True, False, False],
    }
)


def test_a_claim_file_takes_line_amounts_for_its_itemised_claims_only() -> None:
    claims = pl.DataFrame(
        {
            "claim_no": ["a", "b", "c"],
            "itemised": [True, False, False],
            "total_fen": [None, 700, 300],
            "compliant_fen": [None, 600, 300],
            "essential_fen": [None, 0, 0],
            "deducted_fen": [None, 0, 0],
        },
        schema_overrides={c: pl.Int64 for c in ("total_fen", "compliant_fen")},
    )
    got = with_line_amounts(claims, LINES, "claim_no").sort("claim_no")
    assert got.get_column("total_fen").to_list() == [1500, 700, 300]
    assert got.get_column("compliant_fen").to_list() == [1000, 600, 300]
    assert got.get_column("essential_fen").to_list() == [1000, 0, 0]
    assert got.get_column("deducted_fen").to_list() == [100, 0, 0]


def test_recorded_claims_take_their_lines_amounts_and_zero_without_lines() -> None:
    claims = pl.DataFrame({"claim_id": ["a", "b", "c"]})
    got = with_line_amounts(claims, LINES, "claim_id").sort("claim_id")
    assert got.get_column("total_fen").to_list() == [1500, 200, 0]
    assert got.get_column("compliant_fen").to_list() == [1000, 180, 0]
    assert got.get_column("deducted_fen").to_list() == [100, 0, 0]
