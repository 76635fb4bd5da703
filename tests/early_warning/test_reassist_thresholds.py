"""Re-assistance arithmetic at its boundaries (seed 004: "超过1万元以上的部分按60%": 60 %
of the part above 10,000 yuan), and the monitoring workflow's day and month boundaries.

- entitlement = 60 % × (self-pay before re-assistance − 10,000 yuan), half up to the fen;
- a household is owed max(0, entitlements − paid at the window): never negative;
- scaled to the pot (budget − window payments): floored, largest remainders, exactly the pot,
  never above it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetynet.early_warning.claim_file import file_frames
from safetynet.early_warning.evaluate import LEDGER_SCHEMA
from safetynet.early_warning.reassist import compute_round, per_person
from safetynet.early_warning.rules import FILES, load_rules
from safetynet.early_warning.workflow import months_below, progress
from safetynet.engine.compile import compile_policy
from safetynet.policy.loader import load_policy

RULES = load_rules(FILES / "county-2018.yaml")
RULE = RULES.re_assistance
assert RULE is not None
LINE = RULE.line
SCHEMA = {**LEDGER_SCHEMA, "reassisted_fen": pl.Int64}


def _row(n: int, person: int, household: int, self_pay: int, window: int = 0,
         level: str = "county") -> dict[str, Any]:  # fmt: skip
    """A claim whose compliant self-pay before re-assistance is ``self_pay``; the window's
    re-assistance layer paid ``window`` of it."""
    return {
        "claim_id": n, "person_id": person, "household_id": household, "kind": "inpatient",
        "claim_date": date(2018, 3, 1), "status_mask": 1, "diagnosis": "J18.9",
        "total_fen": self_pay, "compliant_fen": self_pay, "paid_fen": window,
        "out_of_pocket_fen": self_pay - window, "level": level, "reassisted_fen": window,
    }  # fmt: skip


def _round(rows: list[dict[str, Any]], budget: int | None = None) -> pl.DataFrame:
    return compute_round(RULE, pl.DataFrame(rows, schema=SCHEMA), budget)


@pytest.mark.parametrize(
    ("self_pay", "entitlement"),
    [
        (LINE - 1, None),  # below the line: nothing, no row
        (LINE, None),  # at the line: no excess
        (LINE + 1, 1),  # 0.6 fen → 1 (half up)
        (LINE + 2, 1),  # 1.2 fen → 1
        (LINE + 5, 3),  # 3.0 fen
        (LINE + 3, 2),  # 1.8 fen → 2
        (2 * LINE, 600_000),  # 60 % of 10,000 yuan
    ],
)
def test_entitlement_at_the_line_and_its_rounding(self_pay: int, entitlement: int | None) -> None:
    out = _round([_row(1, 1, 1, self_pay)])
    if entitlement is None:
        assert out.is_empty()
    else:
        assert out.select("excess_fen", "entitlement_fen", "owed_fen", "amount_fen").row(0) == (
            self_pay - LINE, entitlement, entitlement, entitlement,
        )  # fmt: skip


def test_the_line_is_per_person_not_per_household() -> None:
    # two members at 9,000 yuan each: 18,000 in the household, nobody above 10,000
    assert _round([_row(1, 1, 1, 900_000), _row(2, 2, 1, 900_000)]).is_empty()
    # one at 11,000 and one at 9,000: 60 % of 1,000 yuan, the other member adds nothing
    out = _round([_row(1, 1, 1, 1_100_000), _row(2, 2, 1, 900_000)])
    assert out.select("persons", "excess_fen", "amount_fen").row(0) == (1, 100_000, 60_000)


def test_out_of_province_self_pay_is_not_re_assisted() -> None:
    """Seed 004 re-assists care "在省内定点医疗机构": 10,000 yuan in the county and 5,000
    out of the province give no excess; 1,000 more in the province gives 600."""
    rows = [_row(1, 1, 1, LINE), _row(2, 1, 1, 500_000, level="out_of_province")]
    assert _round(rows).is_empty()
    out = _round([*rows, _row(3, 1, 1, 100_000, level="province")])
    assert out.select("self_pay_fen", "excess_fen", "amount_fen").row(0) == (
        1_100_000, 100_000, 60_000,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("window", "owed"),
    [(0, 60_000), (59_999, 1), (60_000, None), (60_001, None), (90_000, None)],
)
def test_window_payments_count_on_account_never_below_zero(window: int, owed: int | None) -> None:
    out = _round([_row(1, 1, 1, 1_100_000, window)])
    if owed is None:
        assert out.is_empty()  # owed 0: nothing to pay, never a negative amount
    else:
        assert out.select("entitlement_fen", "window_fen", "owed_fen").row(0) == (
            60_000, window, owed,
        )  # fmt: skip


def test_one_members_window_surplus_offsets_the_household_not_below_zero() -> None:
    # member 1 was paid 1 fen more at the window than the rule's entitlement (per-claim
    # rounding); member 2 is owed 60,000: the household is owed 59,999
    out = _round([_row(1, 1, 1, 1_100_000, 60_001), _row(2, 2, 1, 1_100_000)])
    assert out.select("entitlement_fen", "window_fen", "owed_fen").row(0) == (
        120_000, 60_001, 59_999,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("budget", "amounts", "scale_bp"),
    [
        (300_000, [60_000, 120_000, 120_000], 10_000),  # owed exactly the budget: all paid
        (300_001, [60_000, 120_000, 120_000], 10_000),
        (299_999, [60_000, 120_000, 119_999], 9_999),  # remainders .8, .6, .6: ties to lowest id
        (100_000, [20_000, 40_000, 40_000], 3_333),
        (1, [0, 1, 0], 0),  # one fen: to the largest remainder, ties to the lowest id
        (0, [0, 0, 0], 0),
    ],
)
def test_pro_rata_scaling_adds_up_to_the_pot_and_never_above(
    budget: int, amounts: list[int], scale_bp: int
) -> None:
    rows = [_row(1, 1, 1, 1_100_000), _row(2, 2, 2, 1_200_000), _row(3, 3, 3, 1_200_000)]
    out = _round(rows, budget)
    assert out["amount_fen"].to_list() == amounts
    assert sum(amounts) == min(budget, 300_000)
    assert out["scale_bp"].unique().to_list() == [scale_bp]


def test_the_pot_is_the_budget_less_the_window_payments() -> None:
    # the window paid 50,000 of a 150,000 budget: the round has 100,000 for 200,000 owed
    rows = [_row(1, 1, 1, 1_100_000, 50_000), _row(2, 2, 2, 1_200_000), _row(3, 3, 3, 1_100_000)]
    out = _round(rows, 150_000)
    assert out["owed_fen"].to_list() == [10_000, 120_000, 60_000]
    assert out["amount_fen"].sum() == 100_000
    assert out["amount_fen"].to_list() == [5_263, 63_158, 31_579]
    # the window paid more than the budget: the round pays nothing, never a negative pot
    assert _round(rows, 40_000)["amount_fen"].to_list() == [0, 0, 0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3_000_000), st.integers(0, 200_000)), min_size=1,
             max_size=12),
    st.integers(0, 2_000_000),
)  # fmt: skip
def test_a_round_never_pays_more_than_owed_nor_the_pot(
    people: list[tuple[int, int]], budget: int
) -> None:
    rows = [_row(n, n, (n + 1) // 2, sp, min(w, sp)) for n, (sp, w) in enumerate(people, 1)]
    out = _round(rows, budget)
    window = sum(min(w, sp) for sp, w in people)
    pot = max(0, budget - window)
    assert (out["owed_fen"] > 0).all()
    assert (out["amount_fen"] >= 0).all()
    assert (out["amount_fen"] <= out["owed_fen"]).all()
    assert out["amount_fen"].sum() == min(pot, out["owed_fen"].sum())


# --- the monitoring workflow's deadlines (rule file: verify within 15 days, every 31) ---

WF = RULES.workflow


@pytest.mark.parametrize(("late", "overdue"), [(-1, False), (0, False), (1, True)])
def test_a_visit_is_overdue_only_the_day_after_its_due_date(late: int, overdue: bool) -> None:
    detected = date(2018, 3, 1)
    due = detected + timedelta(days=WF.verify_within_days)
    warnings = pl.DataFrame({"id": [1], "state": ["open"], "verify_due_on": [due]})
    events = pl.DataFrame(schema={"warning_id": pl.Int64, "step": pl.String, "done_on": pl.Date})
    out = progress(warnings, events, WF, due + timedelta(days=late))
    assert out.select("due_on", "overdue").row(0) == (date(2018, 3, 16), overdue)


@pytest.mark.parametrize(("late", "overdue"), [(0, False), (1, True)])
def test_a_follow_up_falls_due_every_31_days_after_the_last(late: int, overdue: bool) -> None:
    last = date(2018, 4, 30)
    warnings = pl.DataFrame(
        {"id": [1], "state": ["measures"], "verify_due_on": [date(2018, 3, 16)]}
    )
    events = pl.DataFrame(
        {"warning_id": [1, 1], "step": ["measure:re_assistance", "follow_up_below"],
         "done_on": [date(2018, 4, 1), last]}
    )  # fmt: skip
    due = last + timedelta(days=WF.follow_up_every_days)
    out = progress(warnings, events, WF, due + timedelta(days=late))
    assert out.select("due_on", "overdue").row(0) == (date(2018, 5, 31), overdue)


@pytest.mark.parametrize(
    ("months", "on", "run"),
    [
        ([(2018, 3), (2018, 4), (2018, 5)], date(2018, 5, 31), 3),
        ([(2018, 3), (2018, 4), (2018, 5)], date(2018, 6, 1), 3),  # this month not yet seen
        ([(2018, 3), (2018, 5)], date(2018, 5, 31), 1),  # a month without one breaks the run
        ([(2017, 11), (2017, 12), (2018, 1)], date(2018, 1, 1), 3),  # across the year's end
    ],
)
def test_months_below_the_lines_are_consecutive_calendar_months(
    months: list[tuple[int, int]], on: date, run: int
) -> None:
    events = [("follow_up_below", date(y, m, 1)) for y, m in months]
    assert months_below(events, on) == run
    assert (run >= WF.close_after_months) == (run >= 3)


def test_the_window_layer_and_the_round_leave_out_the_same_out_of_province_care(
    tmp_path: Path,
) -> None:
    """Langxi's window layer and the round both count care in the province only: 24,325 yuan
    of self-pay out of the province first, then 2,200 in the county, is below the line for
    both (the window pays nothing); a province admission then leaves 10,615 before
    re-assistance: 12,815 in the province, 60 % of 2,815 = 1,689 re-assisted at the window,
    exactly the round's entitlement."""
    rows = [("2018-03-01", "out_of_province", "60000.00"), ("2018-04-01", "county", "20000.00"),
            ("2018-06-01", "province", "60000.00")]  # fmt: skip
    path = tmp_path / "langxi.jsonl"
    path.write_text("\n".join(json.dumps({
        "claim_no": f"L-{n}", "person_id": "P1", "household_id": "H1", "date": day,
        "kind": "inpatient", "level": level, "statuses": ["ordinary"], "age": 40,
        "diagnosis": "J18.9", "institution": "341821001", "total": amount, "compliant": amount,
        "referral": True, "in_county": level == "county",
    }) for n, (day, level, amount) in enumerate(rows)))  # fmt: skip
    ledger = file_frames(compile_policy(load_policy("anhui-langxi-2018")), path)[0]
    assert ledger.select("out_of_pocket_fen", "reassisted_fen").rows() == [
        (2_432_500, 0), (220_000, 0), (892_600, 168_900),
    ]  # fmt: skip
    persons = per_person(RULE, ledger)
    assert persons.select("before_fen", "excess_fen", "entitlement_fen", "window_fen").rows() == [
        (1_281_500, 281_500, 168_900, 168_900)
    ]
    assert compute_round(RULE, ledger).is_empty()


def _moved(n: int, household: int, self_pay: int, on: date, window: int = 0) -> dict[str, Any]:
    """Person 7's claim settled in ``household`` on ``on``."""
    return {**_row(n, 7, household, self_pay, window), "claim_date": on}


@pytest.mark.parametrize(
    ("before", "after", "owed"),
    [
        # 6,000 in the old household and 6,000 in the new: 12,000 in the year, 60 % of 2,000
        (600_000, 600_000, 120_000),
        # 11,000 and 11,000: 60 % of 12,000, not 60 % of 1,000 twice
        (1_100_000, 1_100_000, 720_000),
        # 5,000 and exactly 5,000: at the line, no excess
        (500_000, LINE - 500_000, None),
        (500_000, LINE - 500_000 + 1, 1),
    ],
)
def test_a_movers_line_is_over_the_persons_year(before: int, after: int, owed: int | None) -> None:
    """Seed 004's line is a person's 年度累计 self-pay, as the ``self_pay_year`` warning sums
    it across a move: the person is owed once, in the household of the latest claim."""
    rows = [_moved(1, 1, before, date(2018, 2, 1)), _moved(2, 2, after, date(2018, 8, 1))]
    out = _round(rows)
    if owed is None:
        assert out.is_empty()
        return
    assert out.select("household_id", "persons", "owed_fen").rows() == [(2, 1, owed)]
    # back-dated: the latest claim by date names the household, not the last row
    back = [rows[0], {**rows[1], "claim_date": date(2018, 1, 15)}]
    assert _round(back).select("household_id", "owed_fen").rows() == [(1, owed)]


def test_a_movers_window_payment_counts_on_account_once() -> None:
    """Paid at the window in the old household, owed in the new: on account, never twice."""
    rows = [_moved(1, 1, 1_100_000, date(2018, 2, 1), window=60_000),
            _moved(2, 2, 1_100_000, date(2018, 8, 1))]  # fmt: skip
    person = per_person(RULE, pl.DataFrame(rows, schema=SCHEMA))
    assert person.select("person_id", "household_id", "entitlement_fen", "window_fen").rows() == [
        (7, 2, 720_000, 60_000)
    ]
    assert _round(rows).select("household_id", "owed_fen").rows() == [(2, 660_000)]
