"""Every threshold case of :mod:`tests.supervision.test_thresholds` (at, just below and just
above each number of the shipped rule file) screened as the window screens a claim: each
claim of the case submitted in turn, with the others as its person's history, through the
window's rows (:func:`~safetynet.supervision.load.frames_from_rows`), the guards and only the
rules they name (:func:`~safetynet.supervision.service.hits_of_rows`). The window finds on
the submitted claim exactly what the year's screening finds on it — the expected hits of the
table — for every rule that runs at the window (all but the shared phone, a year's rule)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.service import hits_of_rows
from tests.supervision.helpers import RULES
from tests.supervision.test_thresholds import THRESHOLDS, Case

YEAR_ONLY = {"shared-phone"}
# the threshold table's lines are all of class A; the window reads each code's class from the
# shipped catalog, where the special-ward bed S0027 is self-paid (class C): its bed cases are
# also an out-of-catalog share above 15 % at the window, rightly — that hit is not compared
CATALOG_CLASS = {"concurrent-bed-charge": "out-of-catalog-share"}


def _rows(inp: ScreenInput) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]],
                                     dict[int, date | None], list[tuple[Any, ...]]]:  # fmt: skip
    """The case's claims, lines, births and persons as the window's rows."""
    persons = sorted(set(inp.claims["person_id"].to_list()))
    pid = {p: n + 1 for n, p in enumerate(persons)}
    ids: dict[str, int] = {}
    claims, births = [], {}
    for n, c in enumerate(inp.claims.iter_rows(named=True)):
        ids[c["claim_no"]] = n + 1
        start = c["admitted"] or c["date"]
        end = c["discharged"] or start
        claims.append((n + 1, c["claim_no"], c["kind"], c["level"], c["institution"], start,
                       end, c["diagnosis"], c["total_fen"], c["doctor"],
                       pid[c["person_id"]]))  # fmt: skip
        # born on 1 January: the age on the claim's day is the case's
        births[pid[c["person_id"]]] = date(start.year - (c["age"] or 0), 1, 1)
    lines = [(ids[x["claim_no"]], x["code"], x["quantity"], x["amount_fen"], x["day"])
             for x in inp.lines.iter_rows(named=True)]  # fmt: skip
    sex: dict[str, tuple[str, date | None]] = {}
    if inp.persons is not None:
        for p in inp.persons.iter_rows(named=True):
            sex[p["person_id"]] = (p["sex"], p["deceased_on"])
    people = [(pid[p], sex.get(p, ("M", None))[0], sex.get(p, ("M", None))[1], "341821")
              for p in persons]  # fmt: skip
    return claims, lines, births, people


CASES = [(r, c, v, e) for r, c, rows in THRESHOLDS if r not in YEAR_ONLY for v, e in rows]


@pytest.mark.parametrize(
    ("rule_id", "case", "value", "expected"), CASES,
    ids=[f"{r}-{c.__name__}-{v}" for r, c, v, _ in CASES],
)  # fmt: skip
def test_the_window_finds_each_threshold_case_as_the_year_does(
    rule_id: str, case: Case, value: int, expected: list[tuple[str, int]]
) -> None:
    claims, lines, births, people = _rows(case(value))
    for submitted in [c[1] for c in claims]:
        found = hits_of_rows(RULES, claims, lines, births, people, [submitted])
        hits = [(h["rule_id"], h["claim_no"], h["amount_fen"]) for h in found.get(submitted, [])
                if h["rule_id"] != CATALOG_CLASS.get(rule_id)]  # fmt: skip
        want = [(rule_id, no, fen) for no, fen in expected if no == submitted]
        assert hits == want, (submitted, hits, want)
