"""The money rule: exact fen, round half up, no silent rounding on input."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetynet.money import MoneyError, apply_ratio, fmt_yuan, to_bp, to_fen, to_yuan


def test_to_fen_exact() -> None:
    assert to_fen("12.30") == 1230
    assert to_fen(12) == 1200
    assert to_fen(0.1) == 10
    assert to_fen(Decimal("0.01")) == 1


@pytest.mark.parametrize("bad", ["1.001", "abc", "NaN", 0.125, True])
def test_to_fen_rejects(bad: object) -> None:
    with pytest.raises(MoneyError):
        to_fen(bad)  # type: ignore[arg-type]


def test_round_half_up() -> None:
    assert apply_ratio(1, 5000) == 1  # 0.5 fen -> 1
    assert apply_ratio(3, 5000) == 2  # 1.5 -> 2
    assert apply_ratio(1, 4999) == 0
    assert apply_ratio(12345, 6000) == 7407


def test_ratio_parsing() -> None:
    assert to_bp("60%") == 6000
    assert to_bp(0.65) == 6500
    with pytest.raises(MoneyError):
        to_bp("0.123456")


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10_000))
def test_apply_ratio_bounds(amount: int, bp: int) -> None:
    paid = apply_ratio(amount, bp)
    assert 0 <= paid <= amount
    assert abs(paid * 10_000 - amount * bp) <= 5_000


def test_yuan_format() -> None:
    assert to_yuan(123456) == Decimal("1234.56")
    assert fmt_yuan(123456789) == "1,234,567.89"
