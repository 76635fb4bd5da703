"""How a ratio is shown to a user, stated once: as a percentage, and a ratio that is not
defined (nothing to divide by: None, or NaN from a frame) as "—" — the web's filter, the
funds page, the reports and the annual summary alike; never a blank, never "nan%"."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

UNDEFINED = "—"


def percent_text(value: float | Fraction | Decimal | None, digits: int = 1) -> str:
    """``0.6042`` → ``60.4%`` (``digits`` after the point); undefined → :data:`UNDEFINED`."""
    if value is None:
        return UNDEFINED
    x = float(value)
    if math.isnan(x):
        return UNDEFINED
    return f"{x * 100:.{digits}f}%"
