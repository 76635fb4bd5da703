"""A re-assistance round by hand: the excess, 60 %, households, what the window already paid
counted on account, pro rata within the budget less the window's payments."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from safetynet.early_warning.claim_file import file_frames
from safetynet.early_warning.reassist import compute_round, per_person, window_paid
from safetynet.early_warning.rules import FILES, load_rules
from safetynet.engine.compile import compile_policy
from safetynet.policy.loader import load_policy
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


def test_a_window_payment_counts_as_paid_on_account_for_the_household() -> None:
    # A: self-pay before re-assistance 21,150 -> entitlement 6,690; the window paid 3,000.
    # B: 15,000 -> entitlement 3,000, nothing at the window. The household: 9,690 − 3,000.
    frame = ledger(
        claim(1, 1, total=60_000, paid=38_850 + 3_000),
        claim(2, 1, total=15_000, paid=0),
    ).with_columns(pl.Series("reassisted_fen", [300_000, 0], pl.Int64))
    row = compute_round(RULE, frame).row(0, named=True)
    assert row["persons"] == 2
    assert (row["self_pay_fen"], row["excess_fen"]) == (3_615_000, 1_615_000)
    assert (row["entitlement_fen"], row["window_fen"]) == (969_000, 300_000)
    assert (row["owed_fen"], row["scale_bp"], row["amount_fen"]) == (669_000, 10_000, 669_000)


def test_the_household_nets_its_members_before_the_floor_at_zero() -> None:
    # the window paid A 8,000, more than A's 6,690: the household is owed 9,690 − 8,000
    frame = ledger(
        claim(1, 1, total=60_000, paid=38_850 + 8_000),
        claim(2, 1, total=15_000, paid=0),
    ).with_columns(pl.Series("reassisted_fen", [800_000, 0], pl.Int64))
    row = compute_round(RULE, frame).row(0, named=True)
    assert (row["entitlement_fen"], row["window_fen"], row["owed_fen"]) == (
        969_000,
        800_000,
        169_000,
    )


def test_a_member_paid_at_the_window_below_the_line_still_counts() -> None:
    # the layer paid B 500 although the rule gives B nothing (self-pay 9,000 before it)
    frame = ledger(
        claim(1, 1, total=11_000, paid=0),  # entitlement 600
        claim(2, 1, total=9_000, paid=500),
    ).with_columns(pl.Series("reassisted_fen", [0, 50_000], pl.Int64))
    row = compute_round(RULE, frame).row(0, named=True)
    assert (row["persons"], row["entitlement_fen"], row["window_fen"]) == (1, 60_000, 50_000)
    assert row["amount_fen"] == 10_000


def test_the_pot_is_the_budget_less_what_the_window_paid_and_it_is_shared_pro_rata() -> None:
    # household 1 owed 6,690 (window paid 3,000 of the 9,690), household 2 owed 6,000;
    # budget 10,000 less 3,000 paid at the window: a pot of 7,000 for 12,690 owed.
    # 6,690 × 7,000 / 12,690 = 3,690.307… and 6,000 × 7,000 / 12,690 = 3,309.692…: floored
    # 3,690.30 + 3,309.69 = 6,999.99, the fen left to the larger remainder (household 1)
    frame = ledger(
        claim(1, 1, total=60_000, paid=38_850 + 3_000),
        claim(2, 1, total=15_000, paid=0),
        claim(3, 2, total=20_000, paid=0),
    ).with_columns(pl.Series("reassisted_fen", [300_000, 0, 0], pl.Int64))
    out = compute_round(RULE, frame, budget_fen=1_000_000)
    assert out["owed_fen"].to_list() == [669_000, 600_000]
    assert out["scale_bp"].to_list() == [5_516, 5_516]  # 7,000 / 12,690, floored
    assert out["amount_fen"].to_list() == [369_031, 330_969]
    assert out["amount_fen"].sum() == 700_000


def test_the_window_layer_and_the_round_compute_the_same_entitlement(tmp_path: Path) -> None:
    """Langxi's settlement layer (60 % above 10,000, paid at the window) and the round's
    rule give every person the same entitlement: run both, the round owes nothing."""
    rows = [
        ("P1", "H1", "80000.00", "70000.00", "2018-03-01"),
        ("P1", "H1", "30000.00", "30000.00", "2018-06-01"),  # crosses the line further
        ("P2", "H1", "15000.00", "15000.00", "2018-05-01"),  # below the line
        ("P3", "H2", "200000.00", "150000.00", "2018-04-01"),
    ]
    path = tmp_path / "langxi.jsonl"
    path.write_text("\n".join(json.dumps({
        "claim_no": f"L-{n}", "person_id": p, "household_id": h, "date": day,
        "kind": "inpatient", "level": "county", "statuses": ["ordinary"], "age": 40,
        "diagnosis": "J18.9", "institution": "341821001", "total": tot, "compliant": comp,
    }) for n, (p, h, tot, comp, day) in enumerate(rows)))  # fmt: skip
    frame = file_frames(compile_policy(load_policy("anhui-langxi-2018")), path)[0]
    persons = per_person(RULE, frame)
    # P1: self-pay before re-assistance 20,400: 60 % of 10,400 = 6,240; P3: 25,200 -> 9,120
    assert persons.select("person_id", "entitlement_fen", "window_fen").rows() == [
        (1, 624_000, 624_000),
        (3, 912_000, 912_000),
    ]
    assert window_paid(frame) == 1_536_000
    assert compute_round(RULE, frame).is_empty()
