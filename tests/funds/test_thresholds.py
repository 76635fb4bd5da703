"""Every threshold and rounding rule of the fund accounts, table-driven: exactly at the
threshold, one fen (or one basis point) below and above, with the numbers read from the funds
file (moving a threshold in the data moves the boundary).

Semantics (domain notes §B2, seed 001; ``docs/funds-format.md``): an alarm rings when
utilization is BELOW 85 %, the current-year balance ABOVE 15 %, the accumulated balance ABOVE
the limit, the cover BELOW 3 months, the projected year-end balance below zero, the projected
spending above the pot; exactly at a threshold is no alarm. Shares of money (quality deposit,
global-budget shares) are rounded half up to the fen; a pot shared pro rata (re-assistance,
contributions, budgets, the monthly 1/12) is floored to the fen with the fen left over to the
largest remainders, so the parts add up to the pot exactly.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from safetynet.funds.budget_round import compute_round
from safetynet.funds.payments import budget_settlement, prepayment_of_month
from safetynet.funds.prorata import apportion_exact, index_bp
from safetynet.funds.rules import default_rules
from safetynet.funds.schema import FundRules, GlobalBudget, QualityDeposit
from safetynet.funds.statements import compute
from safetynet.funds.watch import FundYear, check
from safetynet.programmes.fixed_fee import apply_fixed_fee

RULES = default_rules()
ALARM = {a.id: a for a in RULES.alarms}
INCOME = 1_000_000  # fen: a rate of k ‱ is k × 100 fen


def _year(spent: int, *, before: int = 0, as_of: int = 12, pot: int = 0) -> FundYear:
    """A year with INCOME and ``spent`` spread as the months allow (the rest in month 1)."""
    months = [spent // as_of] * as_of
    months[0] += spent - sum(months)
    fy = FundYear("insurance", 2017, as_of, income_by_source={"individual": INCOME},
                  spending_by_month=months + [0] * (12 - as_of), balance_before=before,
                  pot=pot)  # fmt: skip
    fy.result_to_date = INCOME - spent
    return fy


def _rings(alarm_id: str, fy: FundYear, rules: FundRules = RULES) -> bool:
    alarm = next(a for a in rules.alarms if a.id == alarm_id)
    return check(rules, alarm, fy) is not None


# alarm, the year at the threshold as f(offset in fen), and whether it rings at -1, 0, +1
ALARMS = [
    # utilization = spent ÷ income: 85 % is 850,000 fen; below it rings
    ("utilization_low", lambda o: _year(850_000 + o), (True, False, False)),
    # current balance = (income − spent) ÷ income: 15 % is spending 850,000; above it rings
    ("current_balance_high", lambda o: _year(850_000 - o), (False, False, True)),
    # accumulated = (before + income − spent) ÷ income: 25 % is 250,000 with everything spent
    ("accumulated_balance_high", lambda o: _year(INCOME, before=250_000 + o), (False, False, True)),
    # cover = accumulated ÷ monthly spending: 3 months of 60,000 a month is 180,000
    ("cover_short", lambda o: _year(720_000, before=180_000 - 280_000 + o), (True, False, False)),
    # the projected year-end balance (run-rate to June doubled: 12 × o fen) below zero
    ("deficit_ahead", lambda o: _year(500_000 + 6 * o, as_of=6), (False, False, True)),
    # the projected spending above the pot
    ("pot_running_out", lambda o: _year(600_000, as_of=6, pot=1_200_000 - o), (False, False, True)),
]  # fmt: skip


@pytest.mark.parametrize(("alarm_id", "year", "rings"), ALARMS, ids=[a[0] for a in ALARMS])
def test_each_alarm_at_its_threshold_and_a_fen_either_side(
    alarm_id: str, year: object, rings: tuple[bool, bool, bool]
) -> None:
    got = tuple(_rings(alarm_id, year(offset)) for offset in (-1, 0, 1))  # type: ignore[operator]
    assert got == rings
    # no other alarm of the kind is confused with it: the figures name its own ratio
    hit = check(RULES, ALARM[alarm_id], year(-1 if rings[0] else 1))  # type: ignore[operator]
    assert hit is not None and hit.alarm.id == alarm_id


def test_the_alarm_thresholds_are_the_funds_files() -> None:
    assert {a.id: a.threshold for a in RULES.alarms if a.threshold is not None} == {
        "utilization_low": Decimal("0.85"),
        "current_balance_high": Decimal("0.15"),
        "accumulated_balance_high": Decimal("0.25"),
        "cover_short": Decimal(3),
    }
    moved = RULES.model_copy(update={"alarms": [
        a.model_copy(update={"threshold": Decimal("0.9")}) if a.id == "utilization_low" else a
        for a in RULES.alarms]})  # fmt: skip
    assert not _rings("utilization_low", _year(900_000), moved)
    assert _rings("utilization_low", _year(899_999), moved)


# --- shares rounded half up to the fen -------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "approved", "adjustment"),
    [
        (10_000, 10_000, 0),  # exactly on budget
        (10_000, 9_999, 1),  # underspent 0.01: the institution keeps 50 %, half up
        (10_000, 9_998, 1),  # underspent 0.02: keeps 0.01
        (10_000, 10_001, 0),  # overspent 0.01: the fund bears 50 % half up, the rest 0
        (10_000, 10_002, -1),  # overspent 0.02: the institution bears 0.01
        (10_000, 10_003, -1),  # overspent 0.03: the fund 0.02 (1.5 up), the institution 0.01
    ],
)
def test_global_budget_settlement_at_the_budget(
    budget: int, approved: int, adjustment: int
) -> None:
    assert budget_settlement(RULES, budget, approved) == adjustment


def _statement(claims: int, bp: int) -> int:
    rows = compute({("H", "basic", 3, "inpatient", "spending", "settlement", 201703): claims}, bp)
    return rows[0].deposit


@pytest.mark.parametrize(
    ("claims", "deposit"),
    [(9, 0), (10, 1), (11, 1), (29, 1), (30, 2), (31, 2), (0, 0), (-10, 0)],
)  # 5 % of 10 fen is 0.5: half up to 1; of 30 fen 1.5 → 2; nothing withheld from nothing due
def test_quality_deposit_is_five_percent_half_up(claims: int, deposit: int) -> None:
    assert RULES.payments.quality_deposit.share_bp == 500
    assert _statement(claims, RULES.payments.quality_deposit.share_bp) == deposit


@pytest.mark.parametrize("share", ["0.12345", "0.00005", "1.00001"])
def test_a_share_finer_than_a_basis_point_is_refused_not_truncated(share: str) -> None:
    with pytest.raises(ValidationError):
        QualityDeposit(share=Decimal(share), source="x")
    with pytest.raises(ValidationError):
        GlobalBudget(overspend_fund_share=Decimal(share), underspend_kept_share=Decimal("0.5"),
                     source="x")  # fmt: skip


# --- pro rata: the index, the cap, and the parts adding up to the pot -----------------


@pytest.mark.parametrize(
    ("pot", "owed", "bp", "amounts"),
    [
        (10_001, [6_000, 4_000], 10_000, [6_000, 4_000]),  # pot above: paid in full
        (10_000, [6_000, 4_000], 10_000, [6_000, 4_000]),  # pot exactly: paid in full
        (9_999, [6_000, 4_000], 9_999, [5_999, 4_000]),  # a fen short: 5999.4 and 3999.6
        (2, [1, 1, 1], 6_666, [1, 1, 0]),  # ties: the lowest key first
        (0, [5, 7], 0, [0, 0]),
    ],
)
def test_pro_rata_at_the_pot(pot: int, owed: list[int], bp: int, amounts: list[int]) -> None:
    frame = pl.DataFrame({"person_id": list(range(1, len(owed) + 1)), "owed_fen": owed})
    out = compute_round(pot, frame)
    assert out["amount_fen"].to_list() == amounts
    assert set(out["scale_bp"].to_list()) == {bp} and index_bp(pot, sum(owed)) == bp
    assert sum(amounts) == min(pot, sum(owed))


@pytest.mark.parametrize("budget", [0, 1, 11, 12, 13, 100, 1_200_000_07])
def test_the_monthly_twelfth_adds_up_to_the_budget(budget: int) -> None:
    months = [prepayment_of_month(RULES, budget, m) for m in range(1, 13)]
    assert sum(months) == budget
    assert max(months) - min(months) <= 1
    assert months == sorted(months, reverse=True)  # the fen left over go to the earliest months


@given(
    pot=st.integers(0, 10**12),
    weights=st.dictionaries(
        st.sampled_from("ABCDEFGH"),
        st.fractions(min_value=0, max_value=5, max_denominator=1000),
        min_size=1,
    ),
)
def test_a_shared_budget_adds_up_to_the_pot_within_a_fen_each(
    pot: int, weights: dict[str, Fraction]
) -> None:
    total = sum(weights.values(), Fraction(0))
    if total <= 0:
        return
    parts = apportion_exact(pot, weights)
    assert sum(parts.values()) == pot
    assert all(abs(parts[k] - w * pot / total) < 1 for k, w in weights.items())


# --- fixed fee: the institution bears what a case costs above the fee ------------------
# (borne at settlement, the claim settled on its fee: safetynet.programmes.fixed_fee)


@pytest.mark.parametrize(("net", "borne"), [(99_999, 0), (100_000, 0), (100_001, 1)])
def test_fixed_fee_overrun_at_the_fee(net: int, borne: int) -> None:
    total, _, _, deducted = apply_fixed_fee(
        np.array([net]), np.array([net]), np.array([0]), np.array([0]), np.array([100_000])
    )
    assert int(deducted[0]) == borne  # the institution's
    assert int(total[0]) - int(deducted[0]) == 100_000  # the fee, shared by funds and patient
