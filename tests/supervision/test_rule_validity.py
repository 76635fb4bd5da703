"""A screening rule file applies only to the claims whose date (a visit's day, a stay's
admission) falls within its validity, ``valid_from`` to ``valid_to`` both included: the
province's file (Decree No. 735, in force 2021-05-01) flags nothing of 30 April 2021 and
flags 1 May 2021; a file's last day is in, the day after is out; a claim before the period
is still the earlier claim a later one is compared with (a split admission across the date
is flagged on its second stay only)."""

from __future__ import annotations

import datetime as dt

import pytest

from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.rules import load_rules
from safetynet.supervision.schema import RuleSet
from safetynet.supervision.screen import screen
from tests.supervision.helpers import claim, data, line, stay

PROVINCE = load_rules("anhui-2021")
PERSONS = [{"person_id": "p1", "sex": "M", "birth_date": dt.date(1970, 1, 1)}]


def _overpriced(day: str) -> ScreenInput:
    """An item above its catalog ceiling (S0004, 2,500 fen a unit), on ``day``."""
    return data([claim("c", date=day)], [line("c", "S0004", 2600, quantity=1)], PERSONS)


def _hits(rules: RuleSet, inp: ScreenInput) -> list[tuple[str, str]]:
    return sorted(
        (h["claim_no"], h["rule_id"]) for h in screen(rules, inp, check=False).iter_rows(named=True)
    )


def test_the_province_file_starts_with_decree_735() -> None:
    assert PROVINCE.valid_from == dt.date(2021, 5, 1)
    assert not PROVINCE.covers(dt.date(2021, 4, 30)) and PROVINCE.covers(dt.date(2021, 5, 1))


@pytest.mark.parametrize(
    ("day", "flagged"), [("2021-04-30", False), ("2021-05-01", True), ("2020-12-31", False)]
)
def test_a_claim_before_the_file_is_valid_is_not_flagged(day: str, flagged: bool) -> None:
    expected = [("c", "over-standard-charge")] if flagged else []
    assert _hits(PROVINCE, _overpriced(day)) == expected


@pytest.mark.parametrize(("day", "flagged"), [("2021-06-30", True), ("2021-07-01", False)])
def test_a_claim_after_the_files_last_day_is_not_flagged(day: str, flagged: bool) -> None:
    ended = PROVINCE.model_copy(update={"valid_to": dt.date(2021, 6, 30)})
    expected = [("c", "over-standard-charge")] if flagged else []
    assert _hits(ended, _overpriced(day)) == expected


def test_an_earlier_claim_before_the_period_is_still_compared_with() -> None:
    """A stay discharged on 28 April 2021 and a readmission on 5 May: the second stay is a
    split admission (flagged, in force); the first, before the period, is not flagged."""
    first = stay("s1", "2021-04-20", "2021-04-28", "J18.9")
    second = stay("s2", "2021-05-05", "2021-05-09", "J18.1", institution="C9")
    inp = data([first, second], [line("s1", "S0002", 3500 * 8, quantity=8),
                                 line("s2", "S0002", 3500 * 4, quantity=4)], PERSONS)  # fmt: skip
    assert _hits(PROVINCE, inp) == [("s2", "split-admission")]
    earlier = PROVINCE.model_copy(update={"valid_from": dt.date(2021, 4, 1)})
    assert ("s2", "split-admission") in _hits(earlier, inp)
