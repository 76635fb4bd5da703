"""The dashboard's out-of-pocket distribution counts the persons with a claim in the year, net
of refunds: a person whose only claim was refunded has no claim (as the indicators count a
refunded visit nowhere). The hand-made county of the indicator tests: p1 (poor) pays 400 +
13.50 yuan, p2 (ordinary) 25 + 65, p3 (low income) 2,800 (a chronic visit of 120 refunded),
p6 (ordinary) had one visit, refunded."""

from __future__ import annotations

from safetynet.reports.dashboard_data import OOP_BANDS_YUAN, oop_distribution
from tests.indicators.helpers import frames


def test_a_person_whose_only_claim_was_refunded_is_not_counted() -> None:
    dist = oop_distribution(frames())
    rows = {b: (p, o) for b, p, o in dist.select("band", "poor", "others").iter_rows()}
    assert OOP_BANDS_YUAN[:5] == (0, 500, 1_000, 2_000, 5_000)
    assert rows[0] == (1, 1)  # p1 (413.50 yuan) and p2 (90 yuan); not p6
    assert rows[3] == (1, 0)  # p3: 2,800 yuan
    assert sum(p + o for p, o in rows.values()) == 3
