"""The window's age rule and the batch's vectorised one agree on every date (leap days too)."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from safetynet.registry.age import age_expr, age_on

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))


@given(pairs=st.lists(st.tuples(dates, dates), min_size=1, max_size=50))
def test_vectorised_age_equals_scalar_age(pairs: list[tuple[date, date]]) -> None:
    frame = pl.DataFrame({"born": [a for a, _ in pairs], "on": [b for _, b in pairs]})
    got = frame.select(age_expr("born", "on")).to_series().to_list()
    assert got == [age_on(a, b) for a, b in pairs]


def test_birthday_on_leap_day() -> None:
    assert age_on(date(2000, 2, 29), date(2001, 2, 28)) == 0
    assert age_on(date(2000, 2, 29), date(2001, 3, 1)) == 1
