"""A diagnosis is free text of up to 16 characters at the window, in the API and in a claim
file: written in lower case, with spaces or without the dot, it is the same ICD-10 code and
every rule reads it so — a readmission coded "j18.0" after a stay coded "J18.9" is a split
admission, "o80 " on a man's claim is for women only, "z511" is a planned chemotherapy
cycle — over a year and at the window alike (a hospital does not escape a rule by its
spelling, nor is a planned cycle flagged for want of the dot)."""

from __future__ import annotations

from datetime import date

import pytest

from safetynet.supervision.screen import screen
from safetynet.supervision.service import hits_of_rows
from tests.supervision.helpers import RULES, claim, data, line, stay

MAN = [{"person_id": "p1", "sex": "M", "deceased_on": None}]


def _year(claims: list[dict], lines: list[dict]) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    hits = screen(RULES, data(claims, lines, MAN), check=False).iter_rows(named=True)
    return [(h["rule_id"], h["claim_no"]) for h in hits]


def _window(claims: list[tuple], lines: list[tuple], new: str) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    found = hits_of_rows(RULES, claims, lines, {1: date(1980, 1, 1)}, [(1, "M", None, "341821")],
                         [new])  # fmt: skip
    return [(h["rule_id"], h["claim_no"]) for h in found.get(new, [])]


def _stays(first: str, again: str) -> tuple[list[dict], list[dict], list[tuple], list[tuple]]:  # type: ignore[type-arg]
    """Two stays of one person at two hospitals, the second admitted 5 days after the first
    was discharged; the year's frames and the window's rows."""
    year = [stay("s1", "2021-06-01", "2021-06-10", first, institution="C1"),
            stay("s2", "2021-06-15", "2021-06-20", again, institution="C2")]  # fmt: skip
    lines = [line("s1", "S0002", 3500 * 9, quantity=9), line("s2", "S0002", 3500 * 5, quantity=5)]
    rows = [(1, "s1", "inpatient", "county", "C1", date(2021, 6, 1), date(2021, 6, 10), first,
             31_500, None, 1),
            (2, "s2", "inpatient", "county", "C2", date(2021, 6, 15), date(2021, 6, 20), again,
             17_500, None, 1)]  # fmt: skip
    window_lines = [(1, "S0002", 9, 31_500, None), (2, "S0002", 5, 17_500, None)]
    return year, lines, rows, window_lines


@pytest.mark.parametrize("again", ["j18.0", " J18.0", "J18.0 ", "j180", "J 18.0"])
def test_a_readmission_spelled_otherwise_is_a_split_admission(again: str) -> None:
    year, lines, rows, window_lines = _stays("J18.9", again)
    assert _year(year, lines) == [("split-admission", "s2")]
    assert _window(rows, window_lines, "s2") == [("split-admission", "s2")]


@pytest.mark.parametrize("cycle", ["z51.1", "Z511", " Z51.1"])
def test_a_planned_cycle_spelled_otherwise_is_still_excluded(cycle: str) -> None:
    year, lines, rows, window_lines = _stays(cycle, cycle)
    assert _year(year, lines) == []
    assert _window(rows, window_lines, "s2") == []


@pytest.mark.parametrize("dx", ["o80", " O80", "n84.1", "n841"])
def test_a_womans_diagnosis_in_lower_case_on_a_mans_claim_is_flagged(dx: str) -> None:
    year = [claim("c", "p1", date="2021-06-01", diagnosis=dx)]
    assert _year(year, [line("c", "S0001", 600)]) == [("impersonation", "c")]
    rows = [(1, "c", "outpatient", "township", "T1", date(2021, 6, 1), date(2021, 6, 1), dx, 600,
             None, 1)]  # fmt: skip
    assert _window(rows, [(1, "S0001", 1, 600, None)], "c") == [("impersonation", "c")]


def test_a_short_stay_for_a_cold_in_lower_case_is_a_low_threshold_admission() -> None:
    year = [stay("s", "2021-06-01", "2021-06-02", "j06.9")]
    assert _year(year, [line("s", "D0001", 850)]) == [("low-threshold-admission", "s")]
    rows = [(1, "s", "inpatient", "county", "C1", date(2021, 6, 1), date(2021, 6, 2), "j06.9",
             850, None, 1)]  # fmt: skip
    assert _window(rows, [(1, "D0001", 1, 850, None)], "s") == [("low-threshold-admission", "s")]
