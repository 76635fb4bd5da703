"""Each warning rule at its boundaries, by hand; a household of several members; a status
change in the year; and the check after a settlement equal to the batch."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from safetynet.codes import PovertyStatus as S
from safetynet.early_warning.evaluate import evaluate, evaluate_household
from safetynet.early_warning.rules import FILES, load_rules
from tests.early_warning.ledger import claim, households, ledger, reversal

RULES = load_rules(FILES / "county-2018.yaml")
RICH = (1, 1, 10_000_000.0, None)  # a household whose income no bill reaches


def hits(frame: pl.DataFrame, rule: str) -> list[tuple[int | None, int]]:
    rows = frame.filter(pl.col("rule_id") == rule)
    return list(zip(rows["person_id"], rows["household_id"], strict=True))


def test_self_pay_line_is_reached_at_exactly_10000_yuan() -> None:
    # compliant self-pay = min(out-of-pocket, compliant − paid): 30,000 − 20,000 = 10,000.00
    at = claim(1, 1, total=30_000, paid=20_000)
    below = claim(2, 1, total=30_000, paid=20_000.01)  # 9,999.99
    out = evaluate(RULES, ledger(at, below), households(RICH))
    assert hits(out, "self_pay_year") == [(1, 1)]
    row = out.filter(pl.col("rule_id") == "self_pay_year").row(0, named=True)
    assert (row["measure"], row["threshold"], row["level"]) == (1_000_000, 1_000_000, "watch")


def test_non_compliant_cost_is_not_compliant_self_pay() -> None:
    # 40,000 billed, 25,000 compliant, 16,000 paid: self-pay 9,000 although 24,000 is owed
    out = evaluate(
        RULES, ledger(claim(1, 1, total=40_000, compliant=25_000, paid=16_000)), households(RICH)
    )
    assert hits(out, "self_pay_year") == []


def test_a_reversed_claim_no_longer_counts() -> None:
    first = claim(1, 1, total=30_000, paid=15_000)
    out = evaluate(RULES, ledger(first, reversal(first)), households(RICH))
    assert out.is_empty()


def test_household_share_of_income_half_and_above() -> None:
    # household 1: income 20,000, members pay 6,000 + 4,000 = 10,000 = 50 % -> alert
    # household 2: income 20,000, pays 9,999.99 -> nothing
    # household 3: income 20,000, pays 20,000.01 -> severe (the alert tier below it is not
    #   raised as well: one warning of the household's most severe tier)
    # household 4: pays exactly 20,000 = its income: alert, not "above"
    rows = [
        claim(1, 1, total=6_000, kind="outpatient", diagnosis=None),
        claim(2, 1, total=4_000, kind="outpatient", diagnosis=None),
        claim(3, 2, total=9_999.99, kind="outpatient", diagnosis=None),
        claim(4, 3, total=20_000.01, kind="outpatient", diagnosis=None),
        claim(5, 4, total=20_000, kind="outpatient", diagnosis=None),
    ]
    homes = households(*[(h, 2, 20_000.0, None) for h in (1, 2, 3, 4)])
    out = evaluate(RULES, ledger(*rows), homes)
    assert hits(out, "household_half_income") == [(None, 1), (None, 4)]
    assert hits(out, "household_above_income") == [(None, 3)]
    first = out.filter(pl.col("household_id") == 1).row(0, named=True)
    assert (first["measure"], first["threshold"], first["ratio_bp"]) == (
        1_000_000,
        1_000_000,
        5_000,
    )


def test_household_without_income_uses_reference_times_members() -> None:
    # no income recorded: 3 members × 8,000 reference = 24,000; 12,000 is half of it
    out = evaluate(
        RULES,
        ledger(claim(1, 7, total=12_000, kind="outpatient", diagnosis=None)),
        households((7, 3, None, 8_000.0)),
    )
    assert hits(out, "household_half_income") == [(None, 7)]
    assert out.row(0, named=True)["income_fen"] == 2_400_000


def test_household_of_several_members_sums_them() -> None:
    # three members, none alone above half of 30,000, together 15,000 = 50 %
    rows = [claim(p, 5, total=5_000, kind="outpatient", diagnosis=None) for p in (11, 12, 13)]
    out = evaluate(RULES, ledger(*rows), households((5, 3, 30_000.0, None)))
    assert hits(out, "household_half_income") == [(None, 5)]
    alone = evaluate(RULES, ledger(*rows[:2]), households((5, 3, 30_000.0, None)))
    assert alone.is_empty()


POOR = {S.REGISTERED_POOR}


def test_poor_promise_out_of_pocket_line() -> None:
    # 5,000.00 out of pocket on 100,000 (95 % paid): kept. 5,000.01: broken.
    kept = claim(1, 1, total=100_000, paid=95_000, statuses=POOR)
    broken = claim(2, 1, total=100_000.01, paid=95_000, statuses=POOR)
    out = evaluate(RULES, ledger(kept, broken), households(RICH))
    assert hits(out, "poor_promise") == [(2, 1)]


def test_poor_promise_reimbursed_share() -> None:
    # 90 % exactly is kept; 89.99 % is broken, though well under 5,000 out of pocket
    kept = claim(1, 1, total=10_000, paid=9_000, statuses=POOR)
    broken = claim(2, 1, total=10_000, paid=8_999, statuses=POOR)
    out = evaluate(RULES, ledger(kept, broken), households(RICH))
    assert hits(out, "poor_promise") == [(2, 1)]
    assert out.filter(pl.col("rule_id") == "poor_promise")["ratio_bp"].to_list() == [8_999]


def test_poor_promise_ignores_the_ordinary_and_outpatient() -> None:
    rows = [
        claim(1, 1, total=10_000, paid=5_000),  # ordinary
        claim(2, 1, total=10_000, paid=5_000, statuses=POOR, kind="outpatient", diagnosis=None),
    ]
    assert hits(evaluate(RULES, ledger(*rows), households(RICH)), "poor_promise") == []


def test_status_change_in_the_year_counts_only_claims_while_poor() -> None:
    # ordinary until June (a 8,000 bill, 2,000 paid), registered poor from July (a 4,000 bill,
    # 3,600 paid = 90 %, 400 out of pocket): the promise counts July's claim only -> kept;
    # a second poor claim in November of 5,000 with 0 paid breaks it (4,000+... 5,400 > 5,000)
    june = claim(1, 1, total=8_000, paid=2_000, on=date(2018, 6, 1))
    july = claim(1, 1, total=4_000, paid=3_600, on=date(2018, 7, 2), statuses=POOR)
    nov = claim(1, 1, total=5_000, paid=0, on=date(2018, 11, 2), statuses=POOR)
    assert hits(evaluate(RULES, ledger(june, july), households(RICH)), "poor_promise") == []
    out = evaluate(RULES, ledger(june, july, nov), households(RICH))
    row = out.filter(pl.col("rule_id") == "poor_promise").row(0, named=True)
    assert (row["measure"], row["ratio_bp"]) == (540_000, 4_000)


def test_serious_disease_and_admissions() -> None:
    rows = [
        claim(1, 1, total=100, paid=90, diagnosis="C16.9"),  # stomach cancer: serious
        claim(2, 1, total=100, paid=90, diagnosis="c16"),  # case and dot do not matter
        claim(3, 1, total=100, paid=90, diagnosis="J18.9"),
        *[claim(4, 1, total=100, paid=90) for _ in range(3)],  # 3 admissions
        *[claim(5, 1, total=100, paid=90) for _ in range(2)],  # 2 admissions
        *[claim(5, 1, total=100, paid=90, kind="outpatient") for _ in range(2)],
    ]
    out = evaluate(RULES, ledger(*rows), households(RICH))
    assert hits(out, "serious_disease") == [(1, 1), (2, 1)]
    assert hits(out, "admissions") == [(4, 1)]
    assert out.filter(pl.col("person_id") == 1)["diagnosis"].to_list() == ["C16.9"]


def test_online_equals_batch_for_every_household() -> None:
    rows = [
        claim(1, 1, total=30_000, paid=19_000),
        claim(2, 1, total=8_000, paid=1_000, kind="outpatient", diagnosis="C16.0"),
        claim(3, 2, total=12_000, paid=10_000, statuses=POOR),
        claim(3, 2, total=2_000, paid=100, statuses=POOR),
        claim(4, 3, total=1_500, paid=400),  # 1,100 out of pocket on an income of 1,000
        claim(5, 4, total=9_000, paid=100, kind="outpatient", diagnosis=None),
    ]
    homes = households(
        (1, 2, 20_000.0, None), (2, 4, None, 6_000.0), (3, 1, 1_000.0, None), (4, 2, None, None)
    )
    frame = ledger(*rows)
    batch = evaluate(RULES, frame, homes)
    # self-pay and serious (1), half income (1), promise (2), above income (3: its severe tier
    # only, not the alert tier below it as well)
    assert batch.height == 5
    assert batch.filter(pl.col("household_id") == 3)["rule_id"].to_list() == [
        "household_above_income"
    ]
    for household in (1, 2, 3, 4):
        one = evaluate_household(RULES, frame, homes, household)
        assert one.equals(batch.filter(pl.col("household_id") == household))


@pytest.mark.parametrize("empty", [True])
def test_no_claims_no_warnings(empty: bool) -> None:
    out = evaluate(RULES, ledger(), households(RICH))
    assert out.is_empty() and "level" in out.columns


def test_a_resettled_claim_counts_once_with_its_new_amounts() -> None:
    # settled 30,000 / 15,000 paid (self-pay 15,000), re-settled 30,000 / 21,000 (9,000)
    first = claim(1, 1, total=30_000, paid=15_000, claim_id=900)
    again = claim(1, 1, total=30_000, paid=21_000, claim_id=900)
    out = evaluate(RULES, ledger(first, reversal(first), again), households(RICH))
    assert hits(out, "self_pay_year") == []
    assert hits(evaluate(RULES, ledger(first), households(RICH)), "self_pay_year") == [(1, 1)]
