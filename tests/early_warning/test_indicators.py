"""The early-warning indicators by hand on small frames."""

from __future__ import annotations

from datetime import date

import polars as pl

from safetynet.codes import PovertyStatus as S
from safetynet.early_warning.indicators import COMPUTED, Figure, compute
from safetynet.early_warning.rules import FILES, load_rules
from tests.early_warning.ledger import claim, ledger

RULES = load_rules(FILES / "county-2018.yaml")
D = date


def test_figures_by_hand() -> None:
    warnings = pl.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "person_id": [10, None, 30, 40],
            "household_id": [1, 2, 3, 4],
            "state": ["measures", "open", "closed", "verified"],
            "detected_on": [D(2018, 1, 5), D(2018, 1, 20), D(2018, 3, 1), D(2018, 3, 2)],
            "verify_due_on": [D(2018, 1, 20), D(2018, 2, 4), D(2018, 3, 16), D(2018, 3, 17)],
        }
    )
    events = pl.DataFrame(
        {
            "warning_id": [1, 1, 1, 3, 3, 3, 4],
            "step": ["visit_confirmed", "hand_over", "measure:re_assistance", "visit_confirmed",
                     "hand_over", "measure:medical_assistance", "visit_confirmed"],
            "done_on": [D(2018, 1, 10), D(2018, 1, 12), D(2018, 1, 25), D(2018, 3, 20),
                        D(2018, 3, 22), D(2018, 4, 10), D(2018, 3, 10)],
            "amount_fen": [None, None, 500_000, None, None, None, None],
        }
    )  # fmt: skip
    members = pl.DataFrame({"household_id": [2, 2, 2], "person_id": [20, 21, 22]})
    frame = ledger(
        claim(10, 1, total=10_000, paid=9_000, statuses={S.REGISTERED_POOR}),  # 1,000, 90 %
        claim(40, 4, total=20_000, paid=12_000, statuses={S.REGISTERED_POOR}),  # 8,000, 60 %
    ).with_columns(pl.Series("reassisted_fen", [120_000, 0], pl.Int64))
    # 1,200 paid at the window (the layer) and 3,800 by a paid round: 5,000 from the pot;
    # the measure's recorded 5,000 is that payment, not counted again
    out = compute(RULES, warnings, events, frame, members, 380_000, today=D(2018, 6, 1))
    ids = {f.id for found in out.values() for f in (found if isinstance(found, list) else [found])}
    assert ids == set(COMPUTED)  # every figure computed has its definition, and no more
    # persons 10 and 40 named and live, household 2's three members; warning 3 is closed
    assert out["monitored_persons"] == Figure("monitored_persons", 5)
    assert [(f.line, f.value) for f in out["new_warnings"]] == [(1, 2), (3, 2)]  # type: ignore[union-attr]
    # due or visited: all four; on time: 1 (10th ≤ 20th) and 4; 3 was late, 2 never visited
    assert out["verified_on_time"] == Figure("verified_on_time", 0.5, 2, 4)
    assert out["handed_over"] == Figure("handed_over", 2 / 3, 2, 3)
    # first measures: 20 days (1) and 40 days (3) -> median 30
    assert out["days_to_first_measure"] == Figure("days_to_first_measure", 30.0, None, 2)
    assert out["reassistance_vs_budget"] == Figure(
        "reassistance_vs_budget", 500_000 / 270_000_000, 500_000, 270_000_000
    )
    per, share, broken = out["poor_out_of_pocket"]  # type: ignore[misc]
    assert (per.value, per.line) == (450_000, 500_000)  # (1,000 + 8,000) / 2 patients
    assert share.numerator == 2_100_000 and share.denominator == 3_000_000
    assert broken.value == 1  # person 40: 8,000 > 5,000


def test_every_figure_has_one_definition_in_the_catalog() -> None:
    from safetynet.indicators.definitions import definitions

    section = definitions().early_warning
    assert [d.id for d in section] == list(COMPUTED)
    assert set(COMPUTED) >= {
        "monitored_persons", "new_warnings", "verified_on_time", "handed_over",
        "days_to_first_measure", "reassistance_vs_budget", "poor_out_of_pocket_per_patient",
        "poor_reimbursed_share", "poor_promise_broken",
    }  # fmt: skip
    assert all(d.name_zh and d.formula_zh and d.counted_zh for d in section)
