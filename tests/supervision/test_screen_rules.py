"""Each screening rule on hand-computed claims: positives and negatives at the boundaries."""

from __future__ import annotations

import pytest

from safetynet.supervision.frames import ScreenInputError
from safetynet.supervision.schema import OverStandardRule
from safetynet.supervision.screen import over_standard_charge, screen
from tests.supervision.helpers import RULES, claim, data, hits, line, stay


def test_split_admission_boundaries_year_end_and_planned_cycles() -> None:
    inp = data([
        stay("a1", "2021-06-01", "2021-06-10", person="p1"),
        stay("a2", "2021-06-25", "2021-06-30", "J18.1", person="p1", institution="C9"),  # 15 d
        stay("b1", "2021-06-01", "2021-06-10", person="p2"),
        stay("b2", "2021-06-26", "2021-06-30", person="p2"),  # 16 days: not a split
        stay("c1", "2021-12-25", "2021-12-28", person="p3"),
        stay("c2", "2022-01-05", "2022-01-09", person="p3"),  # across the year end
        stay("d1", "2021-10-01", "2021-10-03", "Z51.1", person="p4"),
        stay("d2", "2021-10-10", "2021-10-12", "Z51.1", person="p4"),  # planned chemo cycle
        stay("e1", "2021-05-01", "2021-05-03", "J18.9", person="p5"),
        stay("e2", "2021-05-05", "2021-05-08", "I63.9", person="p5"),  # other category
        stay("f1", "2021-08-01", "2021-08-04", person="p6"),
        stay("f2", "2021-08-04", "2021-08-06", person="p6", total_fen=777),  # same day
        stay("g1", "2021-09-01", "2021-09-02", "Z51.2", person="p7"),
        stay("g2", "2021-09-08", "2021-09-09", "Z51.2", person="p7"),  # other chemotherapy
        stay("h1", "2021-09-01", "2021-09-02", "Z51.8", person="p8"),
        stay("h2", "2021-09-08", "2021-09-09", "Z51.8", person="p8"),  # no planned cycle
    ])  # fmt: skip
    found = {no: (amount, facts) for no, amount, facts in hits("split-admission", inp)}
    assert sorted(found) == ["a2", "c2", "f2", "h2"]
    assert found["a2"][1]["gap_days"] == 15 and found["a2"][1]["previous_claim"] == "a1"
    assert found["a2"][1]["category"] == "J18" and found["a2"][1]["window_days"] == 15
    assert found["c2"][1]["gap_days"] == 8
    assert found["f2"] == (777, found["f2"][1]) and found["f2"][1]["gap_days"] == 0


def test_overlapping_stays_and_impossible_presence() -> None:
    inp = data([
        stay("a1", "2021-03-01", "2021-03-10", person="p1", institution="C1"),
        stay("a2", "2021-03-05", "2021-03-08", person="p1", institution="C2"),
        stay("b1", "2021-03-01", "2021-03-10", person="p2", institution="C1"),
        stay("b2", "2021-03-10", "2021-03-15", person="p2", institution="C2"),  # transfer
        stay("c1", "2021-04-01", "2021-04-10", person="p3", institution="C1"),
        claim("c2", person="p3", date="2021-04-05", institution="T2"),  # while in C1
        claim("c3", person="p3", date="2021-04-01", institution="T2"),  # admission day
        claim("c4", person="p3", date="2021-04-10", institution="T2"),  # discharge day
        claim("c5", person="p3", date="2021-04-06", institution="C1"),  # same institution
    ])  # fmt: skip
    found = {no: facts for no, _, facts in hits("overlapping-stay", inp)}
    # both claims of each pair: either may be the false one (and submitted last)
    assert sorted(found) == ["a1", "a2", "c1", "c2"]
    assert found["a2"]["other_claim"] == "a1" and found["a2"]["other_institution"] == "C1"
    assert found["a1"]["other_claim"] == "a2" and found["a1"]["other_admitted"] == "2021-03-05"
    assert found["c2"]["stay_claim"] == "c1" and found["c2"]["visit_date"] == "2021-04-05"
    assert found["c1"]["visit_claim"] == "c2" and found["c1"]["visit_institution"] == "T2"


PERSONS = [
    {"person_id": "m", "sex": "M", "deceased_on": None},
    {"person_id": "f", "sex": "F", "deceased_on": "2021-07-01"},
]


def test_impersonation_sex_age_catalog_and_death() -> None:
    from tests.supervision.helpers import d

    persons = [{**p, "deceased_on": d(p["deceased_on"]) if p["deceased_on"] else None}
               for p in PERSONS]  # fmt: skip
    inp = data(
        [
            claim("m1", "m", date="2021-03-01", diagnosis="O82.9"),  # pregnancy, a man
            claim("f1", "f", date="2021-03-01", diagnosis="O80"),
            claim("f2", "f", date="2021-07-02", diagnosis="J06.9"),  # after death
            claim("f3", "f", date="2021-07-01", diagnosis="J06.9"),  # on the day of death
            stay("f6", "2021-06-28", "2021-07-01", "J18.9", person="f"),  # died in hospital
            stay("f7", "2021-06-28", "2021-07-02", "J18.9", person="f"),  # discharged after
            stay("f8", "2021-06-20", "2021-06-30", "J18.9", person="f"),  # a line after
            claim("m2", "m", date="2021-03-02", diagnosis="P07.3"),  # newborn code at 40
            claim("m3", "m", date="2021-03-03", diagnosis="P07.3", age=0),
            claim("m4", "m", date="2021-03-04", diagnosis="K35.8"),
            claim("f4", "f", date="2021-03-05", diagnosis="K35.8", age=60),
            claim("f5", "f", date="2021-03-06", diagnosis="K35.8", age=30),
        ],
        [
            line("m4", "S0018", 190_000),  # caesarean section for women 12-55
            line("f4", "S0018", 190_000),  # too old
            line("f5", "S0018", 190_000),
            line("f6", "S0001", 600, day="2021-07-01"),  # on the day of death: alive
            line("f8", "S0001", 600, day="2021-07-02"),
        ],
        persons,
    )
    found = {(no, facts["reason"]) for no, _, facts in hits("impersonation", inp)}
    assert found == {
        ("m1", "diagnosis for women only"),
        ("f2", "claim after death"),
        ("f3", "claim after death"),  # the day of death is not a day alive (the window's rule)
        ("f7", "discharge after death"),
        ("f8", "service after death"),
        ("m2", "diagnosis for newborns only"),
        ("m4", "item restricted by sex or age"),
        ("f4", "item restricted by sex or age"),
    }


def test_impersonation_without_persons_is_refused_naming_what_is_missing() -> None:
    with pytest.raises(ScreenInputError, match=r"impersonation.*needs a persons file"):
        screen(RULES, data([claim("x", date="2021-01-01", diagnosis="J06")]), ["impersonation"])


def test_a_rule_missing_its_fields_names_them() -> None:
    inp = data([claim("x", date="2021-01-01", kind="inpatient")])
    with pytest.raises(ScreenInputError) as exc:
        screen(RULES, inp, ["split-admission"])
    assert "split-admission (split_admission) needs admitted, discharged, diagnosis" in str(
        exc.value
    )


def test_low_threshold_admission() -> None:
    inp = data(
        [
            stay("a", "2021-05-01", "2021-05-03", "J06.9", person="p1"),  # 2 days: hit
            stay("b", "2021-05-01", "2021-05-04", "J06.9", person="p2"),  # 3 days
            stay("c", "2021-05-01", "2021-05-03", "J06.9", person="p3"),  # with an IV
            stay("e", "2021-05-01", "2021-05-02", "I63.9", person="p4"),  # not on the list
            stay("g", "2021-05-01", "2021-05-01", "K29.7", person="p5"),  # same day: hit
        ],
        [line(n, "S0002", 3500) for n in "abceg"] + [line("c", "S0014", 800)],
    )
    found = {no: facts for no, _, facts in hits("low-threshold-admission", inp)}
    assert sorted(found) == ["a", "g"]
    assert found["a"]["stay_days"] == 2 and found["g"]["stay_days"] == 0


def _buys(person: str, days: list[str], code: str = "D0001") -> tuple[list, list]:
    claims = [claim(f"{person}-{i}", person, date=day) for i, day in enumerate(days)]
    lines = [line(f"{person}-{i}", code, 850) for i in range(len(days))]
    return claims, lines


def test_outpatient_abuse_monthly_and_consecutive_days() -> None:
    parts = [
        _buys("p1", ["2021-06-01", "2021-06-05", "2021-06-10", "2021-06-15", "2021-06-20"]),
        _buys("p2", ["2021-06-01", "2021-06-05", "2021-06-10", "2021-06-15", "2021-07-01"]),
        _buys("p3", ["2021-06-01", "2021-06-02", "2021-06-03"]),
        _buys("p4", ["2021-06-01", "2021-06-02", "2021-06-04"]),
        _buys("p5", ["2021-12-30", "2021-12-31", "2022-01-01"]),
        _buys("p6", ["2021-06-01", "2021-06-01", "2021-06-10", "2021-06-10", "2021-06-20"]),
    ]
    claims = [c for cs, _ in parts for c in cs]
    lines = [ln for _, ls in parts for ln in ls]
    claims.append(stay("in", "2021-06-01", "2021-06-05", person="p4"))  # inpatient drugs
    lines += [line("in", "D0001", 850)]
    inp = data(claims, lines)
    found = {(no, facts["reason"]) for no, _, facts in hits("outpatient-abuse", inp)}
    assert found == {
        ("p1-4", "purchases in a month"),
        ("p3-2", "consecutive days"),
        ("p5-2", "consecutive days"),
        ("p6-4", "purchases in a month"),
        # two purchases on one day at one clinic: the second is a split prescription
        ("p6-1", "split prescriptions"),
        ("p6-3", "split prescriptions"),
    }
    assert inp.claims.height == 25


def test_out_of_catalog_share_at_the_boundary() -> None:
    inp = data(
        [claim("x", date="2021-01-01"), claim("y", date="2021-01-01")],
        [
            line("x", "S0004", 8499),
            line("x", "S0026", 1501, item_class="C"),  # 15.01 %
            line("y", "S0004", 8500),
            line("y", "S0026", 1500, item_class="C"),  # 15.00 %: allowed
        ],
    )
    assert hits("out-of-catalog-share", inp) == [
        (
            "x",
            1,
            {"self_paid_fen": 1501, "total_fen": 10000, "share_bp": 1501, "max_share_bp": 1500},
        )
    ]


def test_duplicate_charge_daily_limits_and_packages() -> None:
    inp = data(
        [
            claim("x", date="2021-02-01"),
            claim("y", date="2021-02-01"),
            claim("z", date="2021-02-01"),
        ],
        [
            *[line("x", "S0004", 1800, day="2021-02-01") for _ in range(3)],  # 3 > 2 a day
            line("y", "S0004", 1800, day="2021-02-01"),
            line("y", "S0004", 1800, day="2021-02-01"),
            line("y", "S0004", 1800, day="2021-02-02"),  # 2 and 1: within the limit
            line("y", "S0001", 1200, quantity=2),  # one line of two registrations
            line("z", "S0021", 35_000),
            line("z", "S0014", 800),  # infusion inside the chemotherapy package
            line("x", "S0014", 800),  # infusion without the package
        ],
    )
    found = sorted(
        (no, amount, facts.get("code")) for no, amount, facts in hits("duplicate-charge", inp)
    )
    assert found == [("x", 1800, "S0004"), ("y", 600, "S0001"), ("z", 800, "S0014")]


def test_over_standard_price_bed_days_and_hours() -> None:
    inp = data(
        [
            claim("x", date="2021-02-01"),
            stay("s", "2021-06-01", "2021-06-05", person="p2"),  # 4 days
            stay("t", "2021-06-01", "2021-06-05", person="p3"),
            stay("u", "2021-06-01", "2021-06-01", person="p4"),  # same day: 1 bed-day
        ],
        [
            line("x", "S0004", 2501),  # ceiling 25.00
            line("x", "S0004", 5000, quantity=2),  # 25.00 each: allowed
            line("s", "S0002", 17_500, quantity=5),
            line("t", "S0002", 14_000, quantity=4),
            line("u", "S0002", 3_500, quantity=1),
        ],
    )
    found = sorted((no, amount) for no, amount, _ in hits("over-standard-charge", inp))
    assert found == [("s", 3500), ("x", 1)]
    rule = next(r for r in RULES.rules if r.id == "over-standard-charge")
    assert isinstance(rule, OverStandardRule)
    hourly = rule.model_copy(
        update={"params": rule.params.model_copy(update={"hourly_codes": ["S0024"],
                                                         "catalog_price_ceiling": False})}
    )  # fmt: skip
    inp = data(
        [claim("h", date="2021-02-01"), claim("k", date="2021-02-01")],
        [
            line("h", "S0024", 2500, quantity=25, day="2021-02-01"),
            line("k", "S0024", 2400, quantity=24, day="2021-02-01"),
            line("k", "S0024", 100, quantity=1, day="2021-02-02"),
        ],
    )
    assert over_standard_charge(hourly, inp)["claim_no"].to_list() == ["h"]


def test_every_hit_names_rule_severity_article_and_claim() -> None:
    inp = data([stay("a1", "2021-06-01", "2021-06-10"), stay("a2", "2021-06-12", "2021-06-13")])
    found = screen(RULES, inp, ["split-admission"]).row(0, named=True)
    assert found["rule_id"] == "split-admission" and found["severity"] == "warn"
    assert found["article"] == 38 and found["claim_no"] == "a2" and found["doctor"] == "dr1"


def test_duplicate_charge_of_undated_lines_counts_the_days_of_the_stay() -> None:
    inp = data(
        [stay("s", "2021-06-01", "2021-06-03"), stay("t", "2021-06-01", "2021-06-03", person="p2")],
        [line("s", "S0004", 7_200, quantity=4), line("t", "S0004", 9_000, quantity=5)],
    )  # two days of at most 2 blood counts a day: 4 allowed
    found = hits("duplicate-charge", inp)
    assert [(no, amount, facts["days"]) for no, amount, facts in found] == [("t", 1800, 2)]


def test_split_admission_counts_from_an_earlier_discharge_when_stays_overlap() -> None:
    inp = data([
        stay("a", "2017-09-19", "2017-09-22"),
        stay("b", "2017-09-27", "2017-10-03"),
        stay("c", "2017-10-02", "2017-10-05"),  # admitted during b: 10 days after a's discharge
    ])  # fmt: skip
    found = {no: facts for no, _, facts in hits("split-admission", inp)}
    assert sorted(found) == ["b", "c"]
    assert found["c"]["previous_claim"] == "a" and found["c"]["gap_days"] == 10


def test_one_claim_at_the_window_gets_the_same_hits_as_the_year() -> None:
    from safetynet.supervision.screen import screen_claim

    inp = data(
        [stay("a1", "2021-06-01", "2021-06-10"), stay("a2", "2021-06-20", "2021-06-22"),
         claim("v", date="2021-06-05", institution="T9")],
        [line("a2", "S0002", 3500), line("v", "D0001", 850)],
    )  # fmt: skip
    assert screen_claim(RULES, inp, "a2")["rule_id"].to_list() == ["split-admission"]
    assert screen_claim(RULES, inp, "v")["rule_id"].to_list() == ["overlapping-stay"]
    needs_persons = ("impersonation", "shared_phone")
    year = screen(RULES, inp, [r.id for r in RULES.rules if r.kind not in needs_persons])
    assert sorted(year["claim_no"]) == ["a1", "a2", "v"]  # a1 holds the visit elsewhere
