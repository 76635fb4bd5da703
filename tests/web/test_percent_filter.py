"""An undefined ratio (nothing to divide by) reads "—" wherever a page or report shows it:
the templates' ``percent`` filter, the reports' percentages and the funds page alike."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from safetynet.ratios import UNDEFINED, percent_text
from safetynet.web.templating import env


@pytest.mark.parametrize("value", [None, float("nan")])
def test_the_filter_shows_an_undefined_ratio_as_a_dash(value: float | None) -> None:
    assert env.from_string("{{ r|percent }}|{{ r|percent(2) }}").render(r=value) == "—|—"
    assert UNDEFINED == "—"


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [(0.6042, 1, "60.4%"), (0, 1, "0.0%"), (Fraction(1, 3), 2, "33.33%"),
     (Decimal("0.9"), 1, "90.0%"), (1, 2, "100.00%")],
)  # fmt: skip
def test_a_defined_ratio_is_a_percentage_zero_included(value: object, digits: int,
                                                      text: str) -> None:  # fmt: skip
    assert percent_text(value, digits) == text  # type: ignore[arg-type]
    assert env.from_string("{{ r|percent(d) }}").render(r=value, d=digits) == text
