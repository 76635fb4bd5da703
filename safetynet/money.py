"""Money: exact yuan held as integer fen, and SafetyNet's one rounding rule.

Every amount inside SafetyNet is an ``int`` number of fen (0.01 yuan). Ratios are
integers in basis points (1 bp = 0.01 %, so 100 % = 10_000). The rounding rule,
applied wherever a ratio multiplies an amount and nowhere else:

    round half up to the fen:  pay = (amount_fen * ratio_bp + 5_000) // 10_000

Amounts entering the system with more than two decimals are rejected, never
rounded silently.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from safetynet.numerals import numeric_text

FEN_PER_YUAN = 100
RATIO_SCALE = 10_000  # basis points in 100 %
_HALF = RATIO_SCALE // 2


class MoneyError(ValueError):
    """An amount that is not exact yuan with at most two decimals."""


def to_fen(value: str | int | Decimal | float) -> int:
    """Convert yuan (``"12.30"``, ``12``, ``Decimal("12.3")``) to fen, exactly.

    Floats are accepted only when their shortest repr has at most two decimals
    (e.g. ``12.3``), so JSON numbers work; anything finer is an error. Text is read by
    the one rule for numbers (:mod:`safetynet.numerals`): ``１２．３０`` is 12.30.
    """
    if isinstance(value, bool):
        raise MoneyError(f"not an amount: {value!r}")
    if isinstance(value, int):
        return value * FEN_PER_YUAN
    if type(value) is Decimal:
        fen = _cents(value)
        if fen is not None:
            return fen
    text = repr(value) if isinstance(value, float) else numeric_text(str(value))
    try:
        if not text.isascii():
            raise InvalidOperation
        d = Decimal(text)
    except InvalidOperation as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    try:
        fen = _scaled(d, 2)
    except _FinerError:
        raise MoneyError(f"more than two decimals in amount {value!r}") from None
    if fen is None:
        raise MoneyError(f"not an amount: {value!r}")
    return fen


MAX_MAGNITUDE = 15  # |a value| below 10**16 (yuan, or a ratio): an int64 of fen either way


def _cents(d: Decimal) -> int | None:
    """The fen of the common amount — finite, at most two decimals written (``12``,
    ``12.3``, ``12.30``), below 10**16 — by exact arithmetic (at most 18 digits times 100:
    within the decimal context's 28, never rounded); None for anything else, which
    :func:`_scaled` reads digit by digit. A settlement batch converts every line's amount
    several times: this is the path they take."""
    if not d.is_finite():
        return None
    exponent = d.as_tuple().exponent
    if not isinstance(exponent, int) or not -2 <= exponent <= 0 or d.adjusted() > MAX_MAGNITUDE:
        return None
    return int(d * FEN_PER_YUAN)


class _FinerError(ValueError):
    """A value with more decimals than asked for."""


def _scaled(d: Decimal, places: int) -> int | None:
    """``d × 10**places`` as an int, exactly, without the decimal context's rounding or
    limits (whose 28 digits read ``1.00000000000000000000000000001`` as 1 and whose exponent
    limit raised an uncaught ``Overflow`` on ``1e999999``): None for no finite number or
    one of 10**16 or more; :class:`_FinerError` for finer than ``places`` decimals
    (``1e-999999`` too: never rounded to 0)."""
    if not d.is_finite():
        return None
    _, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    whole = "".join(map(str, digits)).lstrip("0")
    significant = whole.rstrip("0")
    if not significant:  # 0, 0.000, 0e-999999
        return 0
    exponent += len(whole) - len(significant)
    if exponent < -places:
        raise _FinerError(str(d))
    if d.adjusted() >= MAX_MAGNITUDE + 1:
        return None
    n = int(significant) * 10 ** (exponent + places)
    return -n if d.is_signed() else n


def to_yuan(fen: int) -> Decimal:
    """Fen to a two-decimal ``Decimal`` of yuan."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def fmt_yuan(fen: int) -> str:
    """Fen as a yuan string with thousands separators, e.g. ``12,345.60``."""
    return f"{to_yuan(fen):,.2f}"


def yuan_text(fen: int) -> str:
    """An amount stated in a sentence or label as it was given, never rounded: ``4,500`` for
    whole yuan, ``4,500.50`` with its fen (:func:`fmt_yuan` without a ``.00``)."""
    return fmt_yuan(fen).removesuffix(".00")


def to_bp(value: str | int | float | Decimal) -> int:
    """A ratio given as a fraction (``0.6``) or percent string (``"60%"``, ``"６０％"``) to
    basis points."""
    s = numeric_text(str(value))
    percent = s.endswith("%")
    try:
        if not s.isascii():
            raise InvalidOperation
        d = Decimal(s[:-1] if percent else s)
    except InvalidOperation as exc:
        raise MoneyError(f"not a ratio: {value!r}") from exc
    try:
        bp = _scaled(d, 2 if percent else 4)
    except _FinerError:
        raise MoneyError(f"ratio {value!r} is finer than 0.01 %") from None
    if bp is None:
        raise MoneyError(f"not a ratio: {value!r}")
    return bp


def apply_ratio(amount_fen: int, ratio_bp: int) -> int:
    """``amount × ratio``, rounded half up to the fen (amount and ratio non-negative)."""
    return (amount_fen * ratio_bp + _HALF) // RATIO_SCALE
