"""Every screening rule's thresholds, table-driven: a case exactly at the threshold, one just
below and one just above, screened with EVERY rule of the shipped file, so each case also
checks that a claim built to break one rule is flagged by exactly that rule (and a clean
claim by none). A second table moves each threshold in the rule data and checks that the
boundary moves with it (the numbers are read from the policy file, not from the code).

Boundary semantics (docs/cli.md, ``safetynet review screen``): a split admission is a
readmission at most ``window_days`` after the previous discharge (gap = admission −
discharge, 0 included); a low-threshold stay lasts at most ``max_stay_days`` days (discharge
− admission); bed-days are above the stay's days (discharge − admission, at least 1); a
unit price above the ceiling; more units a day than the daily limit; more purchases in a
calendar month than the limit, or a run of ``consecutive_days`` days; a self-paid share
strictly above ``max_share``; a claim dated on or after the day of death (the registry's
rule: the day of death is not a day alive), a stay discharged after (not on) it, an item line
dated after (not on) it — the window's refusal, one definition
(:func:`safetynet.registry.alive.after_death`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.schema import RuleSet
from safetynet.supervision.screen import screen
from tests.supervision.helpers import RULES, claim, d, data, line, stay

PERSONS = [
    {"person_id": "p1", "sex": "M", "deceased_on": None},
    {"person_id": "w", "sex": "F", "deceased_on": None},
    {"person_id": "dead", "sex": "F", "deceased_on": d("2021-07-01")},
]
Case = Callable[[int], ScreenInput]


def _in(claims: list[dict[str, Any]], lines: list[dict[str, Any]]) -> ScreenInput:
    return data(claims, lines, PERSONS)


def found(inp: ScreenInput, rules: RuleSet = RULES) -> dict[str, list[tuple[str, int]]]:
    """Rule id → (claim, amount at stake) of every hit of every active rule."""
    out: dict[str, list[tuple[str, int]]] = {}
    for r in screen(rules, inp, check=False).iter_rows(named=True):
        out.setdefault(r["rule_id"], []).append((r["claim_no"], r["amount_fen"]))
    return out


def visit(no: str, day: str, *lines: dict[str, Any], person: str = "p1") -> ScreenInput:
    return _in([claim(no, person, date=day)], list(lines))


# --- each case: the value at the threshold is the parameter, built by f(value) ----------


def duplicate_units(units: int) -> ScreenInput:  # S0004 daily limit 2
    return visit("c", "2021-06-01", line("c", "S0004", 1800 * units, quantity=units,
                                          day="2021-06-01"))  # fmt: skip


def price(fen: int) -> ScreenInput:  # S0004 ceiling 2,500 fen a unit
    return visit("c", "2021-06-01", line("c", "S0004", fen, quantity=1))


def bed_days(units: int) -> ScreenInput:  # a stay of 4 days (06-01 to 06-05)
    return _in([stay("s", "2021-06-01", "2021-06-05")],
               [line("s", "S0002", 3500 * units, quantity=units)])  # fmt: skip


def same_day_bed_days(units: int) -> ScreenInput:  # a same-day stay counts one day
    return _in([stay("s", "2021-06-01", "2021-06-01")],
               [line("s", "S0002", 3500 * units, quantity=units)])  # fmt: skip


def readmission_gap(gap: int) -> ScreenInput:  # window 15 days after the discharge
    first = stay("s1", "2021-06-01", "2021-06-10", "J18.9")
    again = d("2021-06-10").toordinal() + gap
    admitted = d("2021-01-01").fromordinal(again).isoformat()
    second = stay("s2", admitted, d("2021-01-01").fromordinal(again + 5).isoformat(), "J18.1",
                  institution="C9")  # fmt: skip
    lines = [line("s1", "S0002", 3500 * 9, quantity=9), line("s2", "S0002", 3500 * 5, quantity=5)]
    return _in([first, second], lines)


def long_stay_readmission_gap(gap: int) -> ScreenInput:
    """The window counts from the discharge of a long stay, not from its admission."""
    first = stay("s1", "2021-01-02", "2021-04-30", "J18.9")
    again = d("2021-04-30").toordinal() + gap
    admitted = d("2021-01-01").fromordinal(again).isoformat()
    second = stay("s2", admitted, d("2021-01-01").fromordinal(again + 5).isoformat(), "J18.1")
    lines = [line("s1", "S0002", 3500, quantity=1), line("s2", "S0002", 3500, quantity=1)]
    return _in([first, second], lines)


def short_stay(days: int) -> ScreenInput:  # at most 2 days, J06 outpatient-treatable
    end = d("2021-01-01").fromordinal(d("2021-06-01").toordinal() + days).isoformat()
    return _in([stay("s", "2021-06-01", end, "J06.9")],
               [line("s", "D0001", 850, quantity=1)])  # fmt: skip


def purchases_in_month(n: int) -> ScreenInput:  # more than 4 in a calendar month
    days = [f"2021-03-{day:02d}" for day in (2, 6, 10, 14, 18, 22, 26)[:n]]
    claims = [claim(f"v{i}", date=day) for i, day in enumerate(days)]
    lines = [line(f"v{i}", "D0001", 850, quantity=1) for i in range(n)]
    return _in(claims, lines)


def run_of_days(n: int) -> ScreenInput:  # on 3 days in a row, across a month's end
    start = d("2021-03-30").toordinal()
    days = [d("2021-01-01").fromordinal(start + k).isoformat() for k in range(n)]
    claims = [claim(f"v{i}", date=day) for i, day in enumerate(days)]
    lines = [line(f"v{i}", "D0001", 850, quantity=1) for i in range(n)]
    return _in(claims, lines)


def self_paid(fen: int) -> ScreenInput:  # 15 % of a 10,000-fen claim
    return visit("c", "2021-06-01", line("c", "S0011", 10_000 - fen, quantity=1),
                 line("c", "D0030", fen, quantity=1, item_class="C"))  # fmt: skip


def self_paid_of(total: int) -> Case:
    """The share on a claim whose 15 % is no whole fen (10,010 fen: 1,501.5; 10,004 fen:
    1,500.6): the share's amount is floored to the fen, so a claim above the share has at
    least 1 fen at stake (rounded half up, 1,502 of 10,010 fen was flagged with 0 at stake)."""

    def case(fen: int) -> ScreenInput:
        return visit("c", "2021-06-01", line("c", "S0011", total - fen, quantity=1),
                     line("c", "D0030", fen, quantity=1, item_class="C"))  # fmt: skip

    case.__name__ = f"self_paid_of_{total}"
    return case


def claim_after_death(days: int) -> ScreenInput:  # died 2021-07-01
    day = d("2021-01-01").fromordinal(d("2021-07-01").toordinal() + days).isoformat()
    return visit("c", day, line("c", "S0001", 600), person="dead")


def stay_discharged_after_death(days: int) -> ScreenInput:  # admitted alive, died 07-01
    s = stay("s", "2021-06-25", on("2021-07-01", days), "J18.9", person="dead")
    return _in([s], [line("s", "S0002", 3500, quantity=1, day="2021-06-25"),
                     line("s", "S0014", 800, day="2021-06-25")])  # fmt: skip


def line_after_death(days: int) -> ScreenInput:  # a stay that ends on the day of death
    s = stay("s", "2021-06-25", "2021-07-01", "J18.9", person="dead")
    return _in([s], [line("s", "S0002", 3500, quantity=1, day="2021-06-25"),
                     line("s", "S0014", 800, day="2021-06-25"),
                     line("s", "S0001", 600, day=on("2021-07-01", days))])  # fmt: skip


def restricted_item_age(age: int) -> ScreenInput:  # caesarean section: women 12-55
    c = stay("s", "2021-06-01", "2021-06-06", "O82.0", person="w", age=age)
    return _in([c], [line("s", "S0018", 190_000, quantity=1)])


def newborn_code_age(age: int) -> ScreenInput:  # P codes up to age 0
    return _in([claim("c", "p1", date="2021-06-01", diagnosis="P07.3", age=age)],
               [line("c", "S0001", 600)])  # fmt: skip


def overlap_days(days: int) -> ScreenInput:  # second admitted ``days`` before the discharge
    a = stay("a", "2021-03-01", "2021-03-10", "J18.9", institution="C1")
    admitted = d("2021-01-01").fromordinal(d("2021-03-10").toordinal() - days).isoformat()
    b = stay("b", admitted, "2021-03-20", "I63.9", institution="C2")
    return _in([a, b], [line("a", "S0002", 3500, quantity=1), line("b", "S0002", 3500)])


def visit_in_stay(days: int) -> ScreenInput:  # a visit elsewhere ``days`` after admission
    s = stay("s", "2021-03-01", "2021-03-10", "J18.9", institution="C1")
    day = d("2021-01-01").fromordinal(d("2021-03-01").toordinal() + days).isoformat()
    v = claim("v", date=day, institution="T2")
    return _in([s, v], [line("s", "S0002", 3500, quantity=1), line("v", "S0001", 600)])


def on(day: str, days: int) -> str:
    return d("2021-01-01").fromordinal(d(day).toordinal() + days).isoformat()


def repeat_test_gap(gap: int) -> ScreenInput:  # liver function again at another clinic
    first = claim("a", date="2021-06-01", institution="V1")
    again = claim("b", date=on("2021-06-01", gap), institution="V2")
    return _in([first, again], [line("a", "S0006", 6500), line("b", "S0006", 6500)])


def untreated_days(days: int) -> ScreenInput:  # a week's stay, the first infusion ``days`` in
    s = stay("s", "2021-06-01", "2021-06-08", "J18.9")
    return _in([s], [line("s", "S0002", 3500 * 7, quantity=7, day="2021-06-01"),
                     line("s", "S0014", 800, day=on("2021-06-01", days))])  # fmt: skip


def prescriptions(n: int) -> ScreenInput:  # one drug on ``n`` visits of one clinic, one day
    claims = [claim(f"v{i}", date="2021-06-01") for i in range(n)]
    return _in(claims, [line(f"v{i}", "D0001", 850, quantity=1) for i in range(n)])


def special_bed_days(units: int) -> ScreenInput:
    """A 4-day stay (06-01 to 06-05) billing 3 undated ordinary bed-days and ``units``
    undated special-ward bed-days: above 1 they are more bed-days than the stay has."""
    return _in([stay("s", "2021-06-01", "2021-06-05")],
               [line("s", "S0002", 3500 * 3, quantity=3),
                line("s", "S0027", 20_000 * units, quantity=units)])  # fmt: skip


def special_bed_on(day: int) -> ScreenInput:
    """A daily bill of a 7-day stay (06-01 to 06-08): ordinary beds on days 1 to 3, one
    special-ward bed on day ``day`` (0: the admission day) — together fewer bed-days than
    the stay has, so only the days show a day billed twice. The admission day is where an
    undated line falls: a day there is judged by the count alone."""
    lines = [line("s", "S0002", 3500, quantity=1, day=on("2021-06-01", k)) for k in range(3)]
    lines.append(line("s", "S0027", 20_000, quantity=1, day=on("2021-06-01", day)))
    return _in([stay("s", "2021-06-01", "2021-06-08")], lines)


PHONE = "13800000000"


def phone_shared_by(k: int, top_share: int = 5) -> ScreenInput:
    """60 claims: the 3 largest (5 %) of persons b0-b2, ``k`` of whom give one phone number,
    the 57 others of persons who all give it too (not among the largest: not counted)."""
    big = [claim(f"b{i}", f"b{i}", date="2021-06-01", total_fen=100_000) for i in range(3)]
    small = [claim(f"s{i:02d}", f"s{i:02d}", date="2021-06-01", total_fen=1_000)
             for i in range(57)]  # fmt: skip
    persons = [{"person_id": f"b{i}", "sex": "M", "phone": PHONE if i < k else f"1390000000{i}"}
               for i in range(3)]  # fmt: skip
    persons += [{"person_id": f"s{i:02d}", "sex": "F", "phone": PHONE} for i in range(57)]
    return data([*big, *small], [], persons)


# rule, case, threshold, then (value, expected hits of the rule as (claim, amount)) below,
# at and above the threshold
THRESHOLDS: list[tuple[str, Case, list[tuple[int, list[tuple[str, int]]]]]] = [
    ("duplicate-charge", duplicate_units, [(1, []), (2, []), (3, [("c", 1800)])]),
    ("over-standard-charge", price, [(2499, []), (2500, []), (2501, [("c", 1)])]),
    ("over-standard-charge", bed_days, [(3, []), (4, []), (5, [("s", 3500)])]),
    ("over-standard-charge", same_day_bed_days, [(1, []), (2, [("s", 3500)])]),
    ("split-admission", readmission_gap,
     [(0, [("s2", 10_000)]), (14, [("s2", 10_000)]), (15, [("s2", 10_000)]), (16, [])]),
    ("split-admission", long_stay_readmission_gap,
     [(14, [("s2", 10_000)]), (15, [("s2", 10_000)]), (16, [])]),
    ("low-threshold-admission", short_stay,
     [(1, [("s", 10_000)]), (2, [("s", 10_000)]), (3, [])]),
    ("outpatient-abuse", purchases_in_month, [(3, []), (4, []), (5, [("v4", 850)])]),
    ("outpatient-abuse", run_of_days, [(2, []), (3, [("v2", 850)])]),
    ("out-of-catalog-share", self_paid, [(1499, []), (1500, []), (1501, [("c", 1)])]),
    ("out-of-catalog-share", self_paid_of(10_010),
     [(1501, []), (1502, [("c", 1)]), (1503, [("c", 2)])]),
    ("out-of-catalog-share", self_paid_of(10_004), [(1500, []), (1501, [("c", 1)])]),
    ("impersonation", claim_after_death, [(-1, []), (0, [("c", 10_000)]), (1, [("c", 10_000)])]),
    ("impersonation", stay_discharged_after_death, [(-1, []), (0, []), (1, [("s", 10_000)])]),
    ("impersonation", line_after_death, [(-1, []), (0, []), (1, [("s", 10_000)])]),
    ("impersonation", restricted_item_age,
     [(11, [("s", 190_000)]), (12, []), (55, []), (56, [("s", 190_000)])]),
    ("impersonation", newborn_code_age, [(0, []), (1, [("c", 10_000)])]),
    ("overlapping-stay", overlap_days, [(0, []), (1, [("a", 10_000), ("b", 10_000)])]),
    ("overlapping-stay", visit_in_stay,
     [(0, []), (1, [("s", 10_000), ("v", 10_000)]), (8, [("s", 10_000), ("v", 10_000)]),
      (9, [])]),
    ("repeat-test", repeat_test_gap,
     [(0, [("b", 6500)]), (29, [("b", 6500)]), (30, [("b", 6500)]), (31, [])]),
    ("ghost-bed", untreated_days, [(0, []), (1, []), (2, []), (3, [("s", 10_000)])]),
    ("outpatient-abuse", prescriptions, [(1, []), (2, [("v1", 850)])]),
    ("shared-phone", phone_shared_by,
     [(1, []), (2, []), (3, [("b0", 100_000), ("b1", 100_000), ("b2", 100_000)])]),
    ("concurrent-bed-charge", special_bed_days, [(0, []), (1, []), (2, [("s", 3500)])]),
    ("concurrent-bed-charge", special_bed_on,
     [(0, []), (1, [("s", 3500)]), (2, [("s", 3500)]), (3, [])]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule_id", "case", "value", "expected"),
    [(r, c, v, e) for r, c, rows in THRESHOLDS for v, e in rows],
    ids=[f"{r}-{c.__name__}-{v}" for r, c, rows in THRESHOLDS for v, _ in rows],
)
def test_threshold_and_only_that_rule(
    rule_id: str, case: Case, value: int, expected: list[tuple[str, int]]
) -> None:
    hits = found(case(value))
    assert hits.get(rule_id, []) == expected
    others = {r for r in hits if r != rule_id}
    assert not others, f"{case.__name__}({value}) also hit {others}: {hits}"


# --- planted violations, one per rule, and a clean claim -------------------------------


def planted_package() -> ScreenInput:  # an infusion billed with the chemotherapy that includes it
    return _in([stay("s", "2021-06-01", "2021-06-04", "C34.9")],
               [line("s", "S0021", 35_000), line("s", "S0014", 800)])  # fmt: skip


def planted_sex() -> ScreenInput:  # a pregnancy diagnosis for a man
    return _in([claim("c", "p1", date="2021-06-01", diagnosis="O80")], [line("c", "S0001", 600)])


def clean() -> ScreenInput:
    """An ordinary visit and an ordinary stay of one person: nothing to flag."""
    return _in(
        [claim("v", date="2021-06-01", diagnosis="J06.9"),
         stay("s", "2021-06-20", "2021-06-27", "J18.9")],
        [line("v", "S0001", 600), line("v", "D0001", 850, quantity=1),
         line("s", "S0002", 3500 * 7, quantity=7), line("s", "S0014", 800 * 7, quantity=7),
         line("s", "D0002", 2200 * 3, quantity=3)],
    )  # fmt: skip


PLANTED: list[tuple[str, ScreenInput]] = [
    ("duplicate-charge", duplicate_units(3)),
    ("duplicate-charge", planted_package()),
    ("over-standard-charge", price(2501)),
    ("split-admission", readmission_gap(15)),
    ("overlapping-stay", overlap_days(1)),
    ("impersonation", planted_sex()),
    ("low-threshold-admission", short_stay(2)),
    ("outpatient-abuse", purchases_in_month(5)),
    ("out-of-catalog-share", self_paid(1501)),
    ("repeat-test", repeat_test_gap(12)),
    ("ghost-bed", untreated_days(3)),
    ("outpatient-abuse", prescriptions(2)),
    ("shared-phone", phone_shared_by(3)),
    ("concurrent-bed-charge", special_bed_days(2)),
]


def test_every_rule_has_a_planted_violation() -> None:
    assert {r for r, _ in PLANTED} == {r.id for r in RULES.active()}


@pytest.mark.parametrize(("rule_id", "inp"), PLANTED, ids=[r for r, _ in PLANTED])
def test_a_planted_violation_is_flagged_by_exactly_its_rule(rule_id: str, inp: ScreenInput) -> None:
    hits = found(inp)
    assert set(hits) == {rule_id}
    for r in screen(RULES, inp, check=False).iter_rows(named=True):
        assert json.loads(r["facts"])  # every hit explains itself


def test_a_clean_claim_is_flagged_by_no_rule() -> None:
    assert found(clean()) == {}


# --- the thresholds are read from the rule data ---------------------------------------


def with_params(rule_id: str, **params: Any) -> RuleSet:
    """The shipped rules with ``params`` of one rule replaced."""
    rules = []
    for rule in RULES.rules:
        if rule.id == rule_id:
            p = rule.params.model_copy(update=params)  # type: ignore[union-attr]
            rule = rule.model_copy(update={"params": p})
        rules.append(rule)
    return RULES.model_copy(update={"rules": rules})


def q(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit}


def _quantity(rule_id: str, name: str, value: float, unit: str) -> RuleSet:
    from safetynet.supervision import schema

    kind = {"day": schema.Days, "count": schema.Count, "hour": schema.Hours,
            "percent": schema.Percent}[unit]  # fmt: skip
    return with_params(rule_id, **{name: kind.model_validate(q(value, unit))})


MOVED: list[tuple[str, RuleSet, Case, int, int]] = [
    # rule, rules with the threshold moved, case, last value not flagged, first flagged
    ("split-admission", _quantity("split-admission", "window_days", 10, "day"),
     readmission_gap, 11, 10),
    ("low-threshold-admission", _quantity("low-threshold-admission", "max_stay_days", 1, "day"),
     short_stay, 2, 1),
    ("outpatient-abuse", _quantity("outpatient-abuse", "max_purchases_per_month", 2, "count"),
     purchases_in_month, 2, 3),
    ("outpatient-abuse", _quantity("outpatient-abuse", "consecutive_days", 4, "day"),
     run_of_days, 3, 4),
    ("out-of-catalog-share", _quantity("out-of-catalog-share", "max_share", 12.5, "percent"),
     self_paid, 1250, 1251),
    ("duplicate-charge", with_params("duplicate-charge", daily_limits={"S0004": 1}),
     duplicate_units, 1, 2),
    ("impersonation", _quantity("impersonation", "newborn_max_age", 1, "count"),
     newborn_code_age, 1, 2),
    ("repeat-test", _quantity("repeat-test", "window_days", 10, "day"), repeat_test_gap, 11, 10),
    ("ghost-bed", _quantity("ghost-bed", "max_untreated_days", 1, "day"),
     untreated_days, 1, 2),
    ("outpatient-abuse", _quantity("outpatient-abuse", "max_prescriptions_per_day", 2, "count"),
     prescriptions, 2, 3),
    ("shared-phone", _quantity("shared-phone", "max_persons", 1, "count"),
     phone_shared_by, 1, 2),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule_id", "rules", "case", "clean_value", "flagged_value"),
    MOVED, ids=[f"{m[0]}-{m[2].__name__}" for m in MOVED],
)  # fmt: skip
def test_a_threshold_moved_in_the_rule_data_moves_the_boundary(
    rule_id: str, rules: RuleSet, case: Case, clean_value: int, flagged_value: int
) -> None:
    assert rule_id not in found(case(clean_value), rules)
    assert rule_id in found(case(flagged_value), rules)


def test_hourly_items_above_the_hours_of_a_day_in_the_rule_data() -> None:
    def hours(n: int) -> ScreenInput:
        return visit("c", "2021-06-01", line("c", "S0024", 100 * n, quantity=n, day="2021-06-01"))

    day24 = with_params("over-standard-charge", hourly_codes=["S0024"])
    assert "over-standard-charge" not in found(hours(24), day24)
    assert found(hours(25), day24)["over-standard-charge"] == [("c", 100)]
    from safetynet.supervision.schema import Hours

    day12 = day24.model_copy(update={"rules": [
        r.model_copy(update={"params": r.params.model_copy(  # type: ignore[union-attr]
            update={"max_hours_per_day": Hours(value=12, unit="hour")})})
        if r.id == "over-standard-charge" else r for r in day24.rules]})  # fmt: skip
    assert "over-standard-charge" not in found(hours(12), day12)
    assert found(hours(13), day12)["over-standard-charge"] == [("c", 100)]


def test_a_test_repeated_at_the_same_clinic_or_of_another_code_is_no_repeat() -> None:
    same = _in([claim("a", date="2021-06-01"), claim("b", date="2021-06-05")],
               [line("a", "S0006", 6500), line("b", "S0006", 6500)])  # fmt: skip
    assert "repeat-test" not in found(same)
    other = _in([claim("a", date="2021-06-01", institution="V1"),
                 claim("b", date="2021-06-05", institution="V2")],
                [line("a", "S0006", 6500), line("b", "S0007", 4200)])  # fmt: skip
    assert "repeat-test" not in found(other)
    untested = with_params("repeat-test", test_codes=["S0007"])
    assert "repeat-test" not in found(repeat_test_gap(5), untested)


def test_a_stay_billing_no_treatment_or_undated_treatment_is_not_judged_a_ghost_bed() -> None:
    beds = _in([stay("s", "2021-06-01", "2021-06-08")],
               [line("s", "S0002", 3500 * 7, quantity=7, day="2021-06-01")])  # fmt: skip
    assert found(beds) == {}
    undated = _in([stay("s", "2021-06-01", "2021-06-08")], [line("s", "S0014", 800)])
    assert found(undated) == {}
    routine = with_params("ghost-bed", routine_codes=["S0002", "S0014"])
    assert "ghost-bed" not in found(untreated_days(5), routine)


def test_an_undated_treatment_counts_as_given_on_the_admission_day() -> None:
    """A claim file's line without a day counts as given on the claim's date (the admission),
    as the database's lines do: a stay with an undated infusion and a test dated on its
    fifth day was treated on the first day, no ghost bed (it was flagged from a file)."""
    s = stay("s", "2021-06-01", "2021-06-08")
    lines = [line("s", "S0002", 3500 * 7, quantity=7, day="2021-06-01"),
             line("s", "S0006", 6500, day="2021-06-06")]  # fmt: skip
    assert found(_in([s], [*lines, line("s", "S0014", 800)])) == {}
    assert found(_in([s], lines))["ghost-bed"] == [("s", 10_000)]


def test_split_prescriptions_count_one_clinic_and_one_drug() -> None:
    two_clinics = _in([claim("v0", date="2021-06-01", institution="V1"),
                       claim("v1", date="2021-06-01", institution="V2")],
                      [line("v0", "D0001", 850), line("v1", "D0001", 850)])  # fmt: skip
    assert found(two_clinics) == {}
    two_drugs = _in([claim("v0", date="2021-06-01"), claim("v1", date="2021-06-01")],
                    [line("v0", "D0001", 850), line("v1", "D0002", 2200)])  # fmt: skip
    assert found(two_drugs) == {}
    off = with_params("outpatient-abuse", max_prescriptions_per_day=None)
    assert "outpatient-abuse" not in found(prescriptions(3), off)


def test_the_share_of_claims_that_counts_for_a_shared_phone_is_rule_data() -> None:
    """60 claims: the 4th-6th largest (persons m0-m2, one phone number) are among the top
    10 %, not among the top 5 % (the 3 largest, of persons with numbers of their own)."""
    sizes = {"b": (3, 100_000), "m": (3, 50_000), "s": (54, 1_000)}
    claims = [claim(f"{k}{i:02d}", f"{k}{i:02d}", date="2021-06-01", total_fen=fen)
              for k, (n, fen) in sizes.items() for i in range(n)]  # fmt: skip
    persons = [{"person_id": c["person_id"], "sex": "M",
                "phone": "13700000000" if c["claim_no"][0] == "m" else c["claim_no"]}
               for c in claims]  # fmt: skip
    inp = data(claims, [], persons)
    assert "shared-phone" not in found(inp)
    wider = _quantity("shared-phone", "top_share", 10, "percent")
    assert [c for c, _ in found(inp, wider)["shared-phone"]] == ["m00", "m01", "m02"]


@pytest.mark.parametrize("share", [15.555, 100.01, 150])
def test_a_share_finer_than_a_basis_point_or_above_100_percent_is_refused(share: float) -> None:
    from pydantic import ValidationError

    from safetynet.supervision.schema import OutOfCatalogParams

    with pytest.raises(ValidationError, match="max_share"):
        OutOfCatalogParams.model_validate({"max_share": q(share, "percent")})
    assert OutOfCatalogParams.model_validate({"max_share": q(12.34, "percent")})


def test_the_bed_codes_are_read_from_the_rule_data() -> None:
    """The special-ward codes are the rule data's: another code is not compared, an ICU
    bed code added to them is; a code on both lists is refused."""
    from pydantic import ValidationError

    from safetynet.supervision.schema import ConcurrentBedParams

    assert "concurrent-bed-charge" in found(special_bed_days(2))
    other = with_params("concurrent-bed-charge", special_codes=["S9901"])
    assert "concurrent-bed-charge" not in found(special_bed_days(2), other)
    icu = with_params("concurrent-bed-charge", special_codes=["S9901", "S0027"])
    assert found(special_bed_days(2), icu)["concurrent-bed-charge"] == [("s", 3500)]
    with pytest.raises(ValidationError, match="both ward and special"):
        ConcurrentBedParams(ward_codes=["S0002"], special_codes=["S0002"])


def test_a_hostile_bed_quantity_is_counted_not_spread() -> None:
    """A special-ward line of a million units is counted (more bed-days than the stay's:
    days billed twice, at most the ordinary bed's units), never spread over days."""
    inp = _in([stay("s", "2021-06-01", "2021-06-03")],
              [line("s", "S0002", 7000, quantity=2),
               line("s", "S0027", 20_000, quantity=1_000_000, day="2021-06-02")])  # fmt: skip
    assert found(inp)["concurrent-bed-charge"] == [("s", 7000)]
