"""The column check of resident IDs (claim files) says what ``parse_resident_id`` says."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from safetynet.numerals import FULL_WIDTH
from safetynet.registry.resident_id import ResidentIdError, check_char, parse_resident_id
from safetynet.registry.resident_id_column import invalid_resident_ids, valid_resident_ids

MEANT = re.compile(r"^\s*[0-9]{14,}[0-9Xx]\s*$", re.ASCII)  # the module's rule, as a regex
TODAY = date(2026, 12, 2)


def _expected(key: str | None) -> bool:
    if key is None or not MEANT.match(key):
        return False
    try:
        return parse_resident_id(key, today=TODAY).number != key
    except ResidentIdError:
        return True


def _valid(key: str | None) -> bool:
    """The plain reference of ``valid_resident_ids``: the parser's canonical form as written."""
    if key is None:
        return False
    try:
        return parse_resident_id(key, today=TODAY).number == key
    except ResidentIdError:
        return False


_WIDE = str.maketrans({chr(0x30 + d): FULL_WIDTH[0x30 - 0x21 + d] for d in range(10)})


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


def _keys() -> st.SearchStrategy[str | None]:
    """Anything a claim file's person_id can hold: near-IDs, the same in full-width digits
    (not ASCII digits, so another key as today, see numerals.py), other scripts' digits,
    any text (non-ASCII, short keys kept inside Arrow's 12-byte views, long ones in its
    buffers) and nulls."""
    return st.one_of(
        st.none(),
        _ids(),
        _ids().map(lambda k: k.translate(_WIDE)),
        _ids().map(lambda k: k[:-3] + "\u0663" + k[-2:] if len(k) > 3 else k),
        st.text(max_size=40),
        st.text(alphabet="0123456789Xx\u3000\u00a0 ", min_size=12, max_size=22),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_keys(), max_size=30), min_size=1, max_size=4), st.data())
def test_the_check_reads_any_column_as_the_plain_reference_does(
    parts: list[list[str | None]], data: st.DataObject
) -> None:
    """Several chunks (each with its own data buffers), maybe sliced: each key's verdicts are
    the reference's, both ways (invalid as meant, valid as written)."""
    chunks = [pl.Series("person_id", part, pl.String) for part in parts]
    column = pl.concat(chunks, rechunk=False) if len(chunks) > 1 else chunks[0]
    keys = [k for part in parts for k in part]
    start = data.draw(st.integers(0, len(keys)))
    stop = data.draw(st.integers(start, len(keys)))
    column, keys = column.slice(start, stop - start), keys[start:stop]
    assert invalid_resident_ids(column, today=TODAY).to_list() == [_expected(k) for k in keys]
    assert valid_resident_ids(column, today=TODAY).to_list() == [_valid(k) for k in keys]


def test_full_width_digits_and_a_lowercase_x_are_as_before() -> None:
    """A lowercase x is meant as an ID but not canonical (flagged); full-width digits are not
    ASCII digits, so another key (not flagged, not valid); a valid ID is valid once."""
    body = "11010519491231002"
    good = body + "X"
    assert check_char(body) == "X"
    keys = pl.Series("person_id", [good, body + "x", good.translate(_WIDE), None, " " + good])
    assert invalid_resident_ids(keys, today=TODAY).to_list() == [False, True, False, False, True]
    assert valid_resident_ids(keys, today=TODAY).to_list() == [True, False, False, False, False]
