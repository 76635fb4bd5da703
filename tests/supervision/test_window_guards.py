"""Screening at the window runs only the rules whose guards say they could hit a new claim,
over only the persons they name (:mod:`safetynet.supervision.guards`): on random histories
and batches it finds exactly what every rule over every row finds for the new claims —
stays and visits that overlap, readmissions, drugs bought day after day or many times a
month, over-priced and duplicated items, packages, restricted diagnoses and items, deaths."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from safetynet.supervision.guards import may_hit
from safetynet.supervision.load import frames_from_rows
from safetynet.supervision.rules import load_rules
from safetynet.supervision.screen import screen, screen_claims
from safetynet.supervision.service import NEW_CLAIM, hits_of_rows

RULES = load_rules("anhui-langxi-2021")
CODES = ["S0001", "S0002", "S0004", "S0014", "S0017", "S0018", "S0021", "S0026", "S0028",
         "D0001", "D0002", "D0027", "D0029", "NOT-IN-CATALOG"]  # fmt: skip
DIAGNOSES = [None, "J18.9", "J18.0", "J06.9", "O80", "N40", "P07", "Z51.1", "I10"]
KINDS = ["inpatient", "outpatient", "chronic_outpatient"]
days = st.integers(0, 40).map(lambda d: date(2017, 3, 1) + timedelta(days=d))


@st.composite
def window(draw: st.DrawFn) -> tuple[Any, ...]:
    persons = draw(st.integers(1, 3))
    claims = []
    for cid in range(1, draw(st.integers(1, 10)) + 1):
        kind, start = draw(st.sampled_from(KINDS)), draw(days)
        end = start + timedelta(days=draw(st.integers(0, 6))) if kind == "inpatient" else start
        claims.append((cid, f"C{cid:02d}", kind, "township", draw(st.sampled_from(["T1", "T2"])),
                       start, end, draw(st.sampled_from(DIAGNOSES)), draw(st.integers(0, 90_000)),
                       None, draw(st.integers(1, persons))))  # fmt: skip
    # a person's drug purchases, day after day or every few days of a month
    step, first = draw(st.sampled_from([1, 2, 5])), draw(days)
    purchases = [(len(claims) + k + 1, first + timedelta(days=step * k))
                 for k in range(draw(st.integers(0, 6)))]  # fmt: skip
    claims += [(cid, f"C{cid:02d}", "outpatient", "village", "V1", day, day, None, 500, None, 1)
               for cid, day in purchases]  # fmt: skip
    new = draw(st.lists(st.sampled_from([c[0] for c in claims]), min_size=1, max_size=3,
                        unique=True))  # fmt: skip
    claims = [(c[0], NEW_CLAIM.format(c[0]) if c[0] in new else c[1], *c[2:]) for c in claims]
    lines = [
        (draw(st.sampled_from([c[0] for c in claims])), draw(st.sampled_from(CODES)),
         draw(st.integers(1, 4)), draw(st.integers(0, 12_000)), draw(st.none() | days))
        for _ in range(draw(st.integers(0, 16)))
    ] + [(cid, "D0001", 1, 500, None) for cid, _ in purchases]  # fmt: skip
    births = {p: draw(st.dates(date(1940, 1, 1), date(2017, 2, 1))) for p in range(1, 4)}
    people = [(p, draw(st.sampled_from(["M", "F"])), draw(st.none() | days), "340421")
              for p in range(1, persons + 1)]  # fmt: skip
    return claims, lines, births, people, [NEW_CLAIM.format(i) for i in new]


@settings(max_examples=300, deadline=None)
@given(window())
def test_the_guarded_window_finds_what_every_rule_finds(rows: tuple[Any, ...]) -> None:
    claims, lines, births, people, new = rows
    everything = screen(RULES, frames_from_rows(claims, lines, births, people), check=False)
    want: dict[str, list[dict[str, Any]]] = {}
    for hit in everything.iter_rows(named=True):
        if hit["claim_no"] in new:
            want.setdefault(hit["claim_no"], []).append(hit)
    assert hits_of_rows(RULES, claims, lines, births, people, new) == want
    # as the window reads them: the guards get the new claims' lines and the others' lines
    # of the codes the new claims bill; every line only of the persons a rule must screen
    fresh = {c[0] for c in claims if c[1] in new}
    billed = {x[1] for x in lines if x[0] in fresh}
    some = [x for x in lines if x[0] in fresh or x[1] in billed]
    person_of = {c[0]: c[10] for c in claims}

    def every_line(persons: set[int]) -> list[tuple[Any, ...]]:
        return [x for x in lines if person_of[x[0]] in persons]

    assert hits_of_rows(RULES, claims, some, births, people, new, every_line) == want


def _test_at(day: date, institution: str, claim_id: int, number: str) -> tuple[Any, ...]:
    return (claim_id, number, "outpatient", "township", institution, day, day, None, 1800,
            None, 1)  # fmt: skip


def test_a_test_done_elsewhere_outside_the_window_runs_no_screening() -> None:
    """The repeat-test guard names a claim only when the other institution's test lies in
    the rule's window before it: a test 31 days earlier (window 30) or a later one runs no
    Polars screening at all; 30 days earlier does, and is a hit."""
    (rule,) = [r for r in RULES.active() if r.kind == "repeat_test"]
    window = int(rule.params.window_days.value)
    new_day = date(2017, 6, 15)
    people = [(1, "F", None, "340421")]
    births = {1: date(1960, 1, 1)}

    def hits(earlier: date) -> dict[str, list[dict[str, Any]]]:
        claims = [
            _test_at(earlier, "H-OTHER", 1, "C1"),
            _test_at(new_day, "H-HERE", 2, "~new 000000"),
        ]
        lines = [(1, "S0004", 1, 1800, None), (2, "S0004", 1, 1800, None)]
        _named, chosen = may_hit(RULES, claims, lines, {1: False}, ["~new 000000"])
        found = hits_of_rows(RULES, claims, lines, births, people, ["~new 000000"])
        assert (rule in chosen) == bool(found)  # the guard said "could" exactly where it hits
        return found

    assert hits(new_day - timedelta(days=window))["~new 000000"][0]["rule_id"] == rule.id
    assert hits(new_day - timedelta(days=window + 1)) == {}
    assert hits(new_day + timedelta(days=1)) == {}


def test_a_drug_line_dated_after_its_claim_counts_on_its_own_day() -> None:
    """The outpatient-abuse guard reads a new claim's drug line on the line's own day, as the
    rule does: bought on 4, 5 and 6 April (the last on a claim opened on 31 March) is a run
    of three consecutive days, a hit (the guard read 31 March and ran no screening)."""
    claims = [_test_at(date(2017, 4, 4), "H-A", 1, "C1"),
              _test_at(date(2017, 4, 5), "H-A", 2, "C2"),
              _test_at(date(2017, 3, 31), "H-A", 3, "~new 000000")]  # fmt: skip
    lines = [(1, "D0001", 1, 1700, None), (2, "D0001", 1, 1700, None),
             (3, "D0001", 1, 1700, date(2017, 4, 6))]  # fmt: skip
    people = [(1, "F", None, "340421")]
    _named, chosen = may_hit(RULES, claims, lines, {1: False}, ["~new 000000"])
    assert "outpatient_abuse" in [r.kind for r in chosen]
    found = hits_of_rows(RULES, claims, lines, {1: date(1960, 1, 1)}, people, ["~new 000000"])
    assert "outpatient_abuse" in [h["kind"] for h in found["~new 000000"]]


@settings(max_examples=150, deadline=None)
@given(window())
def test_a_few_claims_screened_over_frames_find_what_every_rule_finds(
    rows: tuple[Any, ...],
) -> None:
    """:func:`screen_claims` (frames: a claim file's, the benchmark's) skips rules by the
    same guards, read from its frames: it finds what every rule finds for the claims."""
    claims, lines, births, people, new = rows
    data = frames_from_rows(claims, lines, births, people)
    everything = screen(RULES, data, check=False)
    want = everything.filter(everything["claim_no"].is_in(new))
    assert screen_claims(RULES, data, new).equals(want)
