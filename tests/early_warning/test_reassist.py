"""A re-assistance round by hand: the excess, 60 %, households, pro rata within the budget."""

from __future__ import annotations

import polars as pl

from safetynet.early_warning.reassist import compute_round
from safetynet.early_warning.rules import FILES, load_rules
from tests.early_warning.ledger import claim, ledger

RULE = load_rules(FILES / "county-2018.yaml").re_assistance
assert RULE is not None


def test_langxi_example_60_percent_of_the_excess() -> None:
    # seed 004's reading: self-pay 21,150 -> (21,150 − 10,000) × 60 % = 6,690
    frame = ledger(claim(1, 1, total=60_000, paid=38_850))
    out = compute_round(RULE, frame)
    row = out.row(0, named=True)
    assert (row["excess_fen"], row["owed_fen"], row["amount_fen"]) == (1_115_000, 669_000, 669_000)
    assert row["scale_bp"] == 10_000


def test_exactly_at_the_line_is_owed_nothing_and_members_add_up() -> None:
    frame = ledger(
        claim(1, 1, total=20_000, paid=10_000),  # at the line: nothing
        claim(2, 2, total=11_000, paid=0),  # 1,000 over: 600
        claim(3, 2, total=10_000.01, paid=0),  # 0.01 over: 0.006 -> 0.01 (half up)
    )
    out = compute_round(RULE, frame)
    assert out["household_id"].to_list() == [2]
    assert out.row(0, named=True)["amount_fen"] == 60_001
    assert out.row(0, named=True)["persons"] == 2


def test_already_reassisted_in_the_cascade_is_deducted() -> None:
    # the cascade paid 6,690 re-assistance: self-pay before it 21,150, nothing more owed
    frame = ledger(claim(1, 1, total=60_000, paid=38_850 + 6_690)).with_columns(
        pl.lit(669_000, pl.Int64).alias("reassisted_fen")
    )
    assert compute_round(RULE, frame).is_empty()


def test_short_budget_scales_pro_rata_and_adds_up_exactly() -> None:
    # owed 600.00, 600.00 and 300.00 (1,500 in all); a budget of 1,000.01 -> 2/3 each,
    # 400.00 + 400.00 + 200.00 = 1,000.00, the one fen left to the largest remainder
    frame = ledger(
        claim(1, 1, total=11_000, paid=0),
        claim(2, 2, total=11_000, paid=0),
        claim(3, 3, total=10_500, paid=0),
    )
    out = compute_round(RULE, frame, budget_fen=100_001)
    assert out["owed_fen"].to_list() == [60_000, 60_000, 30_000]
    assert out["amount_fen"].sum() == 100_001
    assert out["amount_fen"].to_list() == [40_001, 40_000, 20_000]
    assert out["scale_bp"].to_list() == [6_666] * 3
