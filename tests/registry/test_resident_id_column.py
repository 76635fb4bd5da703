"""The column check of resident IDs (claim files) says what ``parse_resident_id`` says."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from safetynet.registry.resident_id import ResidentIdError, check_char, parse_resident_id
from safetynet.registry.resident_id_column import invalid_resident_ids

MEANT = re.compile(r"^\s*[0-9]{14,}[0-9Xx]\s*$", re.ASCII)  # the module's rule, as a regex
TODAY = date(2026, 12, 2)


def _expected(key: str | None) -> bool:
    if key is None or not MEANT.match(key):
        return False
    try:
        return parse_resident_id(key, today=TODAY).number != key
    except ResidentIdError:
        return True


def _ids() -> st.SearchStrategy[str]:
    """Near-IDs: real and impossible dates, right and wrong check characters, spaces."""
    body = st.builds(
        lambda region, y, m, d, seq: f"{region:06d}{y:04d}{m:02d}{d:02d}{seq:03d}",
        st.integers(100000, 999999),
        st.sampled_from([1879, 1880, 1900, 1957, 2000, 2024, 2026, 2027]),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 999),
    )
    last = st.sampled_from(list("0123456789Xx "))
    return st.one_of(
        body.map(lambda b: b + check_char(b)),
        st.builds(lambda b, c: b + c, body, last),
        st.builds(lambda p, b, c: p + b + c, st.sampled_from([" ", "\t", "+", "-"]), body, last),
        st.text(alphabet="0123456789Xx -+P", min_size=0, max_size=20),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), _ids()), min_size=1, max_size=40))
def test_the_column_check_agrees_with_the_parser(keys: list[str | None]) -> None:
    flags = invalid_resident_ids(pl.Series("person_id", keys, pl.String), today=TODAY)
    assert flags.to_list() == [_expected(k) for k in keys]


def test_a_slice_of_a_column_is_checked_on_its_own_rows() -> None:
    good = "34042119570312001" + check_char("34042119570312001")
    keys = pl.Series("person_id", ["P1", good[:-1] + "7", good, "x" * 30, good[:-1] + "7"])
    assert invalid_resident_ids(keys.slice(1, 3)).to_list() == [True, False, False]
    assert invalid_resident_ids(keys).to_list() == [False, True, False, False, True]
