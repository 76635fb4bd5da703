"""Resident IDs: check digits (ISO 7064 MOD 11-2), dates, sex, contradictions, vectorised bodies."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetynet.codes import Sex
from safetynet.registry.resident_id import (
    ResidentIdError,
    append_check_digits,
    parse_resident_id,
    validate_against,
)

TODAY = date(2025, 1, 1)


def iso7064_check(body17: str) -> str:
    """The check character by the definition of ISO 7064 MOD 11-2, not by the weight table.

    Positions are numbered from the right, the check character being position 1; the
    character ``c`` (X = 10) is the one for which  Σ digit_i · 2^(i-1)  ≡ 1 (mod 11).
    """
    partial = sum(int(d) * 2 ** (18 - i) for i, d in enumerate(body17, start=1))
    for c in range(11):
        if (partial + c) % 11 == 1:
            return "X" if c == 10 else str(c)
    raise AssertionError("MOD 11-2 always has a solution")


def make(region: str, born: date, seq: int) -> str:
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + iso7064_check(body)


def test_well_known_id_checked_by_hand() -> None:
    # 1·7 + 1·9 + 0·10 + 1·5 + 0·8 + 5·4 + 1·2 + 9·1 + 4·6 + 9·3 + 1·7 + 2·9 + 3·10
    # + 1·5 + 0·8 + 0·4 + 2·2 = 167; 167 mod 11 = 2, and "10X98765432"[2] = "X".
    assert iso7064_check("11010519491231002") == "X"
    rid = parse_resident_id("11010519491231002X", today=TODAY)
    assert rid.region_code == "110105"
    assert rid.birth_date == date(1949, 12, 31)
    assert rid.sex is Sex.FEMALE  # 17th digit 2 is even


@pytest.mark.parametrize(
    ("region", "born", "seq"),
    [
        ("340421", date(1950, 1, 1), 123),
        ("341821", date(2000, 2, 29), 8),
        ("360102", date(1985, 12, 31), 999),
        ("110105", date(2024, 12, 31), 1),
    ],
)
def test_valid_ids(region: str, born: date, seq: int) -> None:
    number = make(region, born, seq)
    rid = parse_resident_id(number, today=TODAY)
    assert (rid.number, rid.region_code, rid.birth_date) == (number, region, born)


def test_wrong_check_digit_is_rejected() -> None:
    with pytest.raises(ResidentIdError) as err:
        parse_resident_id("110105194912310021", today=TODAY)
    assert err.value.code == "check_digit"
    assert "require X" in str(err.value)


def test_impossible_date_is_rejected() -> None:
    body = "34042119500230123"  # 30 February
    with pytest.raises(ResidentIdError) as err:
        parse_resident_id(body + iso7064_check(body), today=TODAY)
    assert err.value.code == "birth_date"


def test_future_birth_is_rejected() -> None:
    number = make("340421", TODAY + timedelta(days=1), 11)
    with pytest.raises(ResidentIdError) as err:
        parse_resident_id(number, today=TODAY)
    assert err.value.code == "birth_date"


@pytest.mark.parametrize("raw", ["11010519491231002", "11010519491231002X1", ""])
def test_wrong_length_is_rejected(raw: str) -> None:
    with pytest.raises(ResidentIdError) as err:
        parse_resident_id(raw, today=TODAY)
    assert err.value.code == "length"


@pytest.mark.parametrize("raw", ["1101051949123100X2", "11010519491231002Y", "A1010519491231002X"])
def test_bad_characters_are_rejected(raw: str) -> None:
    with pytest.raises(ResidentIdError) as err:
        parse_resident_id(raw, today=TODAY)
    assert err.value.code == "characters"


def test_lower_case_x_and_blanks_are_accepted() -> None:
    rid = parse_resident_id(" 11010519491231002x ", today=TODAY)
    assert rid.number == "11010519491231002X"


def test_sex_comes_from_the_17th_digit() -> None:
    odd = parse_resident_id(make("340421", date(1960, 5, 5), 135), today=TODAY)
    even = parse_resident_id(make("340421", date(1960, 5, 5), 134), today=TODAY)
    assert (odd.sex, even.sex) == (Sex.MALE, Sex.FEMALE)


def test_contradictions_with_given_sex_and_birth_date() -> None:
    rid = parse_resident_id("11010519491231002X", today=TODAY)
    assert validate_against(rid, sex=Sex.FEMALE, birth_date=date(1949, 12, 31)) == []
    assert validate_against(rid, sex=None, birth_date=None) == []
    problems = validate_against(rid, sex=Sex.MALE, birth_date=date(1949, 12, 30))
    assert len(problems) == 2
    assert "sex M contradicts" in problems[0]
    assert "1949-12-30" in problems[1] and "1949-12-31" in problems[1]


@pytest.mark.parametrize("region", ["110104", "110103", "340111"])
def test_abolished_region_codes_stay_valid(region: str) -> None:
    # Xuanwu (110104) and Chongwen (110103) districts of Beijing were merged away in 2010,
    # Hefei's Jiaoqu (340111) long before; cards issued to people born in 1920 still carry them.
    rid = parse_resident_id(make(region, date(1920, 3, 15), 27), today=TODAY)
    assert rid.region_code == region
    assert rid.birth_date.year == 1920


def test_append_check_digits_agrees_with_parse_on_random_bodies() -> None:
    rng = np.random.default_rng(20170701)
    n = 10_000
    regions = rng.choice([110105, 340421, 341821, 360102, 640402], n)
    born = np.datetime64("1930-01-01") + rng.integers(0, 34_000, n).astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(born, unit="D"), "-", "").astype(np.int64)
    seq = rng.integers(0, 1000, n)
    bodies = regions.astype(np.int64) * 10**11 + ymd * 1000 + seq
    ids = append_check_digits(bodies)
    assert ids.shape == (n,)
    for number, body in zip(ids.tolist(), bodies.tolist(), strict=True):
        assert number[:17] == str(body)
        assert number[17] == iso7064_check(number[:17])
        assert parse_resident_id(number, today=TODAY).number == number


def test_append_check_digits_pads_short_bodies() -> None:
    assert append_check_digits(np.array([11010519491231002])).tolist() == ["11010519491231002X"]


bodies = st.builds(
    lambda region, born, seq: f"{region}{born:%Y%m%d}{seq:03d}",
    st.integers(110000, 659999).map(str),
    st.dates(date(1880, 1, 1), TODAY),
    st.integers(0, 999),
)


@given(body=bodies, position=st.integers(0, 16), delta=st.integers(1, 9))
def test_property_single_digit_errors_caught(body: str, position: int, delta: int) -> None:
    number = body + iso7064_check(body)
    rid = parse_resident_id(number, today=TODAY)
    assert rid.sex is (Sex.MALE if int(body[16]) % 2 else Sex.FEMALE)
    assert append_check_digits(np.array([int(body)])).tolist() == [number]
    # MOD 11-2 catches every single-digit substitution: the changed ID is never accepted.
    wrong = body[:position] + str((int(body[position]) + delta) % 10) + body[position + 1 :]
    with pytest.raises(ResidentIdError):
        parse_resident_id(wrong + number[17], today=TODAY)
