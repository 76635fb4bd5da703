"""The risk scores' readmission (a stay followed by another of the person within the rules'
``scoring.readmission_days`` of its discharge) looks at EVERY later stay of the person, not
only the next one admitted: a short stay admitted during a long one does not hide the
readmission after the long one's discharge."""

from __future__ import annotations

import polars as pl

from safetynet.supervision.scores import _claim_facts
from safetynet.supervision.screen import HIT_SCHEMA
from tests.supervision.helpers import RULES, data, stay


def _readmitted(rows: list[dict[str, object]]) -> dict[str, bool]:
    facts = _claim_facts(data(rows), pl.DataFrame(schema=HIT_SCHEMA), RULES.scoring)
    return dict(facts.select("claim_no", "readmitted").iter_rows())


def test_a_short_stay_inside_a_long_one_does_not_hide_the_readmission() -> None:
    days = int(RULES.scoring.readmission_days.value)  # 14
    found = _readmitted([
        stay("long", "2021-01-01", "2021-03-01"),
        stay("inside", "2021-02-01", "2021-02-03"),  # admitted during the long stay
        stay("again", f"2021-03-{1 + days:02d}", "2021-03-20"),  # 14 days after its discharge
    ])  # fmt: skip
    assert found == {"long": True, "inside": False, "again": False}


def test_the_readmission_window_at_its_line() -> None:
    days = int(RULES.scoring.readmission_days.value)
    for gap, expected in ((0, True), (days, True), (days + 1, False)):
        found = _readmitted([
            stay("a", "2021-05-01", "2021-05-01"),  # a same-day stay
            stay("b", f"2021-05-{1 + gap:02d}", f"2021-05-{1 + gap:02d}"),
        ])  # fmt: skip
        assert found["a"] is expected, gap
        assert found["b"] is False
