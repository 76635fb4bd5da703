"""C83 (儿童淋巴瘤, children's lymphoma, on the national 30 serious diseases from 2020) is one of
the children's diseases of ``age_bounds`` (0–14 周岁, 14 included): it takes a patient into
the serious batch only up to 14 whole years on the claim's date — 14 on the eve of the 15th
birthday, 15 on it; a 29 February birthday passes on 1 March; any subcode (C83.3) is bound
too; an adult's claim before 2020 is on no list at all."""

from __future__ import annotations

from datetime import date

import pytest

from safetynet.programmes.screen import within_age, within_bounds_on
from safetynet.registry.age import age_on
from tests.programmes.test_thresholds import RULES, _batches, _claims, _with_births


def test_c83_is_bound_to_children() -> None:
    bound = next(a for a in RULES.age_bounds if a.id == "children")
    assert "C83" in bound.codes and bound.max_age == 14


@pytest.mark.parametrize("code", ["C83", "C83.3", "c83.7"])
@pytest.mark.parametrize(
    ("born", "on", "taken"),
    [
        (date(2005, 6, 2), date(2020, 6, 1), True),  # 14: the eve of the 15th birthday
        (date(2005, 6, 1), date(2020, 6, 1), False),  # 15 on the birthday itself
        (date(2006, 1, 1), date(2020, 12, 31), True),  # 14 on the year's last day
        (date(2005, 12, 31), date(2020, 12, 31), False),
        (date(2020, 1, 1), date(2020, 1, 1), True),  # born that day: 0
        (date(2005, 2, 28), date(2020, 2, 28), False),
        (date(2004, 2, 29), date(2019, 2, 28), True),  # leap-day birth: 14 on 28 Feb
        (date(2004, 2, 29), date(2019, 3, 1), False),  # 15 from 1 March
        (None, date(2020, 6, 1), False),  # no birth date: not taken in
    ],
)  # fmt: skip
def test_c83_up_to_14_whole_years(born: date | None, on: date, taken: bool, code: str) -> None:
    claims = _with_births(_claims((1, code, on, 100_000)), born)
    expected = {"serious": "national_30"} if taken and on.year >= 2020 else {}
    assert _batches(claims, on.year) == expected
    # the same rule on columns and on one claim (early warning's check after a settlement)
    column = claims.select(within_age(RULES, "diagnosis", "start_date", "birth_date")).item()
    age = None if born is None else age_on(born, on)  # settlement's age
    assert column is within_bounds_on(RULES.age_bounds, code, on, age) is taken


def test_c83_before_2020_is_on_no_serious_list() -> None:
    claims = _with_births(_claims((1, "C83", date(2019, 6, 1), 100_000)), date(2010, 1, 1))
    assert _batches(claims, 2019) == {}
