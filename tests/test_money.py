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


@pytest.mark.parametrize(
    "bad",
    [
        "1e999999",  # beyond the decimal context's exponent: an uncaught Overflow (a 500)
        "-1e999999",
        "1e-999999",  # below it: rounded to 0 fen
        "1.00000000000000000000000000001",  # past its 28 digits: rounded to 1 yuan
        "10000000000000000",  # 10**16 yuan: no int64 of fen
        "inf",
        "sNaN",
        1e20,
    ],
)
def test_to_fen_refuses_what_the_decimal_context_would_round_or_raise(bad: object) -> None:
    with pytest.raises(MoneyError):
        to_fen(bad)  # type: ignore[arg-type]


def test_to_fen_reads_every_exact_spelling() -> None:
    assert to_fen("0e-999999") == 0 and to_fen("-0") == 0
    assert to_fen("12.300") == 1230 and to_fen("-1.5") == -150 and to_fen("1e3") == 100_000
    assert to_fen("9999999999999999.99") == 999_999_999_999_999_999
    assert to_fen("0." + "0" * 5000) == 0


@pytest.mark.parametrize("bad", ["1e999999", "1e-999999", "sNaN", "inf", "60.555%"])
def test_to_bp_refuses_what_the_decimal_context_would_round_or_raise(bad: str) -> None:
    with pytest.raises(MoneyError):
        to_bp(bad)


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


def _outcome(value: object) -> int | str:
    try:
        return to_fen(value)  # type: ignore[arg-type]
    except MoneyError:
        return "refused"


@given(
    st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True),
        st.decimals(min_value=-(10**17), max_value=10**17, places=2),
        st.integers(-(10**18), 10**18).map(lambda n: Decimal(n).scaleb(-2)),
    )
)
def test_to_fen_of_a_decimal_is_that_of_its_text(d: Decimal) -> None:
    """The common amount's shortcut (two decimals at most, below 10**16) gives what reading
    its written form digit by digit gives, and refuses what that refuses."""
    assert _outcome(d) == _outcome(str(d))


def test_to_fen_shortcut_edges() -> None:
    assert to_fen(Decimal("9999999999999999.99")) == 999_999_999_999_999_999
    assert to_fen(Decimal("-0.00")) == 0
    assert to_fen(Decimal("1.230")) == 123  # three decimals written, two meant
    with pytest.raises(MoneyError):
        to_fen(Decimal("10000000000000000"))
    with pytest.raises(MoneyError):
        to_fen(Decimal("0.001"))
