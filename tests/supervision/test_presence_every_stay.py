"""An outpatient visit at another institution during a stay is found against EVERY stay of
the person admitted before it, not only the one admitted last: a short stay admitted (and
ended) during a long one does not hide the long one, nor does a stay at the visit's own
institution hide a stay elsewhere that covers the visit. Over frames, as the year screens,
and for the visit alone, as the window screens it with the person's history.
"""

from __future__ import annotations

from safetynet.supervision.screen import screen_claim
from tests.supervision.helpers import RULES, claim, data, hits, stay


def test_a_visit_inside_a_long_stay_after_a_short_one_is_found() -> None:
    inp = data([
        stay("long", "2021-01-01", "2021-03-01", institution="C1"),
        stay("short", "2021-02-01", "2021-02-03", institution="C2"),  # ends before the visit
        claim("v", date="2021-02-10", institution="T3"),  # inside the long stay only
    ])  # fmt: skip
    found = {no: f for no, _, f in hits("overlapping-stay", inp)}
    assert found["v"]["stay_claim"] == "long" and found["v"]["stay_institution"] == "C1"
    assert screen_claim(RULES, inp, "v")["rule_id"].to_list() == ["overlapping-stay"]


def test_a_stay_at_the_visits_own_institution_does_not_hide_another() -> None:
    inp = data([
        stay("elsewhere", "2021-01-01", "2021-03-01", institution="C1"),
        stay("here", "2021-02-05", "2021-02-20", institution="T1"),
        claim("v", date="2021-02-10", institution="T1"),  # at T1 while admitted at C1 too
    ])  # fmt: skip
    found = {no: f for no, _, f in hits("overlapping-stay", inp)}
    assert found["v"]["stay_claim"] == "elsewhere"


def test_many_stays_admitted_before_the_visit_no_fixed_count() -> None:
    rows = [stay("long", "2021-01-01", "2021-06-30", institution="C1")]
    for n in range(6):  # six short stays at the visit's institution, each ended before it
        day = f"2021-0{n // 3 + 2}-{10 * (n % 3) + 1:02d}"
        end = f"{day[:8]}{int(day[8:]) + 1:02d}"
        rows.append(stay(f"s{n}", day, end, institution="T1"))
    rows.append(claim("v", date="2021-05-05", institution="T1"))
    found = {no: f for no, _, f in hits("overlapping-stay", data(rows))}
    assert found["v"]["stay_claim"] == "long"


def test_a_visit_on_no_stays_day_is_not_flagged() -> None:
    inp = data([
        stay("a", "2021-01-01", "2021-01-10", institution="C1"),
        stay("b", "2021-01-05", "2021-01-08", institution="C2"),
        claim("v", date="2021-01-10", institution="T3"),  # the discharge day of the last
        claim("w", date="2021-01-01", institution="T3"),  # the admission day of the first
    ])  # fmt: skip
    assert "v" not in {no for no, _, _ in hits("overlapping-stay", inp)}
    assert "w" not in {no for no, _, _ in hits("overlapping-stay", inp)}
