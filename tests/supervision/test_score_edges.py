"""Risk scores at their edges, by hand: tied scores, a unit whose claims bill no item line or
no amount, an institution whose catchment enrols nobody.

Expected (domain notes §A3): a metric whose denominator is zero has no value (like a unit with
too few admissions): it adds nothing and is left out of the level's median, so the peers'
scores are those they get without it; equal scores share a rank (1, 2, 2, 4) and are listed
by code, the same on every run.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest

from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.scores import scorecard
from safetynet.supervision.screen import screen
from tests.supervision.helpers import RULES, d, data, line, stay


def _county(units: dict[str, dict[str, Any]]) -> ScreenInput:
    """Five stays of five persons at each township institution; ``units`` gives each
    institution's claim amount (``total``), drug amount (``drug``), and ``lines=False`` for
    claims that bill no item line."""
    claims, lines, persons = [], [], []
    for inst, u in units.items():
        for k in range(5):
            no, person = f"{inst}-{k}", f"{inst}p{k}"
            persons.append({"person_id": person, "sex": "M"})
            claims.append(stay(no, "2021-06-01", "2021-06-05", person=person, institution=inst,
                               doctor=f"dr-{inst}", total_fen=u.get("total", 20_000)))  # fmt: skip
            if u.get("lines", True):
                lines += [line(no, "S0002", 3500 * 4, quantity=4),
                          line(no, "D0001", u.get("drug", 850), quantity=1)]  # fmt: skip
    return data(claims, lines, persons)


def _card(inp: ScreenInput, enrolled: pl.DataFrame | None = None) -> pl.DataFrame:
    card = scorecard(inp, screen(RULES, inp, check=False), enrolled, scoring=RULES.scoring)
    return card.filter(pl.col("unit_type") == "institution")


def test_equal_scores_share_a_rank_listed_by_code_on_every_run() -> None:
    same = {code: {} for code in ("T4", "T2", "T3", "T1")}
    runs = {tuple(_card(_county(same)).select("unit", "rank").rows()) for _ in range(5)}
    assert runs == {(("T1", 1), ("T2", 1), ("T3", 1), ("T4", 1))}
    # one above its peers, three tied below it: 1, 2, 2, 2
    costly = {**same, "T3": {"total": 90_000}}
    assert _card(_county(costly)).select("unit", "rank").rows() == [
        ("T3", 1), ("T1", 2), ("T2", 2), ("T4", 2)
    ]  # fmt: skip


def test_a_unit_billing_no_line_has_no_drug_share_and_leaves_its_peers_scores_alone() -> None:
    peers = {"A": {"drug": 100}, "B": {"drug": 200}, "C": {"drug": 300}, "D": {"drug": 9_000}}
    without = _card(_county(peers))
    card = _card(_county({**peers, "E": {"lines": False}}))
    e = card.filter(pl.col("unit") == "E").row(0, named=True)
    assert e["drug_share"] is None and e["z_drug_share"] is None and e["c_drug_share"] == 0
    assert all(not math.isnan(s) for s in card["score"])
    # the peers' drug-share z-scores are those without E (E is no peer for that metric)
    z = dict(card.filter(pl.col("unit") != "E").select("unit", "z_drug_share").rows())
    assert z == pytest.approx(dict(without.select("unit", "z_drug_share").rows()))
    assert card.filter(pl.col("unit") == "D")["rank"][0] == 1  # D's drugs stand out, not E


def test_a_unit_billing_nothing_does_not_turn_its_level_into_nan() -> None:
    peers = {"A": {"total": 10_000}, "B": {"total": 20_000}, "C": {"total": 30_000},
             "D": {"total": 40_000}}  # fmt: skip
    card = _card(_county({**peers, "E": {"total": 0}}))
    assert all(not math.isnan(s) for s in card["score"]), card.select("unit", "score")
    e = card.filter(pl.col("unit") == "E").row(0, named=True)
    assert e["hit_amount_rate"] is None and e["c_hit_amount_rate"] == 0
    assert card.sort("rank")["unit"][0] == "D"  # the costliest admissions lead, not E


def test_a_catchment_of_nobody_gives_no_admissions_per_1000() -> None:
    units = {code: {} for code in ("A", "B", "C", "D")}
    enrolled = pl.DataFrame({"institution": ["A", "B", "C", "D"], "enrolled": [1000, 1000, 500, 0]})
    card = _card(_county(units), enrolled)
    rate = dict(card.select("unit", "admissions_per_1000").rows())
    assert rate == {"A": 5.0, "B": 5.0, "C": 10.0, "D": None}
    assert all(math.isfinite(s) for s in card["score"])


def test_when_most_peers_share_the_median_the_mean_deviation_scales_z() -> None:
    """Readmission rates 0, 0, 0, 0, 0.2: the median and the MAD are 0; the scale is 1.2533 ×
    the mean absolute deviation (0.04), so the outlier's z is 0.2 / 0.050132 ≈ 3.99 (beyond
    |z| > 3), the others' 0; every rate equal: z 0 for all."""
    from safetynet.supervision.scores import robust_z

    df = pl.DataFrame({"level": ["t"] * 5 + ["c"] * 2, "x": [0.0, 0, 0, 0, 0.2, 0.1, 0.1]})
    z = df.with_columns(robust_z("x").alias("z"))["z"].to_list()
    assert z == pytest.approx([0, 0, 0, 0, 0.2 / (1.2533 * 0.04), 0, 0])


def test_planned_chemotherapy_cycles_are_no_readmissions() -> None:
    """Domain notes §A2: planned chemo/radiotherapy cycles are excluded, in the row whose
    peer alert is the 14-day readmission rate. Five persons at one institution: each a
    pneumonia stay (J18) then, 5 days after it, a chemotherapy cycle (Z51.1, written
    ``z511`` for one of them) and 10 days after that another (Z51.1); one of them is also
    readmitted for pneumonia (J18.1, 10 days after). The cycles are no stay of the rate
    either way: 1 of the 6 pneumonia stays is readmitted, not 11 of the 16 stays."""
    from safetynet.supervision.scores import scorecard as card_of

    claims, lines, persons = [], [], []
    for k in range(5):
        p = f"p{k}"
        persons.append({"person_id": p, "sex": "M"})
        chemo = "z511" if k == 0 else "Z51.1"
        at = {"person": p, "institution": "H"}
        claims += [stay(f"a{k}", "2021-03-01", "2021-03-05", "J18.9", **at),
                   stay(f"b{k}", "2021-03-10", "2021-03-12", chemo, **at),
                   stay(f"c{k}", "2021-03-22", "2021-03-24", "Z51.1", **at)]  # fmt: skip
    claims.append(stay("d0", "2021-03-15", "2021-03-18", "J18.1", person="p0", institution="H"))
    lines = [line(c["claim_no"], "S0002", 7000, quantity=2) for c in claims]
    inp = data(claims, lines, persons)
    hits = screen(RULES, inp, check=False)
    assert RULES.planned_cycles() == ["Z51.0", "Z51.1", "Z51.2"]

    def rate(planned: list[str]) -> float:
        card = card_of(inp, hits, scoring=RULES.scoring, planned=planned)
        return card.filter(pl.col("unit_type") == "institution")["readmission_rate"][0]

    assert rate(RULES.planned_cycles()) == pytest.approx(1 / 6)  # a0, by d0
    assert rate([]) == pytest.approx(11 / 16)  # every stay counted, as before

    # an admission read from after the period (7 days after d0's discharge) is no
    # readmission when it is a cycle, however written; a pneumonia one is
    def with_after(dx: str) -> float:
        after = pl.DataFrame({"person_id": ["p0"], "admitted": [d("2021-03-25")],
                              "diagnosis": [dx]})  # fmt: skip
        card = card_of(inp, hits, scoring=RULES.scoring, planned=RULES.planned_cycles(),
                       after=after)  # fmt: skip
        return card.filter(pl.col("unit_type") == "institution")["readmission_rate"][0]

    assert with_after("z51.1") == pytest.approx(1 / 6)
    assert with_after("J18.0") == pytest.approx(2 / 6)


def test_a_group_admission_counts_people_not_bills() -> None:
    """Group admission: 3 or more people of one village admitted at one institution on one
    day. Two people, one of whom has two bills of that admission, are no group; three
    people are, each of their stays."""
    from safetynet.supervision.scores import scorecard as card_of

    def share(people: list[str], bills: list[str]) -> float:
        persons = [{"person_id": p, "sex": "M", "village": "341821100201"} for p in people]
        claims = [stay(b, "2021-05-01", "2021-05-04", "J18.9", person=b.split("-")[0],
                       institution="G") for b in bills]  # fmt: skip
        claims += [stay(f"x{k}", "2021-06-01", "2021-06-04", "J18.9", person=f"x{k}",
                        institution="G") for k in range(3)]  # fmt: skip
        persons += [{"person_id": f"x{k}", "sex": "M", "village": f"34182110020{k}"}
                    for k in range(3)]  # fmt: skip
        inp = data(claims, [line(c["claim_no"], "S0002", 10_500, quantity=3) for c in claims],
                   persons)  # fmt: skip
        card = card_of(inp, screen(RULES, inp, check=False), scoring=RULES.scoring)
        return card.filter(pl.col("unit_type") == "institution")["group_admission_share"][0]

    assert share(["a", "b"], ["a-1", "a-2", "b-1"]) == 0
    assert share(["a", "b", "c"], ["a-1", "b-1", "c-1"]) == pytest.approx(3 / 6)
