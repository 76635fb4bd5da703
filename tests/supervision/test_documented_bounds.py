"""Bounds the rule docs state (docs/cli.md, ``safetynet review screen``), pinned by hand:
the duplicate charge counts units per claim and day, a package across a stay's days, the
outpatient abuse counts purchases (visits), not lines, and runs across the year's end."""

from __future__ import annotations

from typing import Any

from tests.supervision.helpers import claim, data, hits, line, stay

P = [{"person_id": "p1", "sex": "M"}]


def _dup(claims: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(c, amount) for c, amount, _facts in hits("duplicate-charge", data(claims, lines, P))]


def test_units_of_one_claim_and_day_are_summed_over_its_lines() -> None:
    reg = [line("a", "S0001", 600, quantity=1, day="2021-06-01") for _ in range(2)]
    assert _dup([claim("a", date="2021-06-01")], reg) == [("a", 600)]


def test_two_claims_of_one_day_are_not_added_up() -> None:
    claims = [claim("a", date="2021-06-01"), claim("b", date="2021-06-01")]
    lines = [line(c, "S0001", 600, quantity=1, day="2021-06-01") for c in ("a", "b")]
    assert _dup(claims, lines) == []


def test_a_package_and_its_included_item_on_other_days_of_a_stay() -> None:
    lines = [
        line("s", "S0021", 35_000, day="2021-06-02"),
        line("s", "S0014", 800, day="2021-06-04"),
    ]
    assert _dup([stay("s", "2021-06-01", "2021-06-05", "C34.9")], lines) == [("s", 800)]


def test_purchases_are_visits_not_lines() -> None:
    days = (2, 9, 16, 23)
    claims = [claim(f"v{i}", date=f"2021-03-{d:02d}") for i, d in enumerate(days)]
    lines = [line(f"v{i}", "D0001", 850, quantity=1) for i in range(4)]
    lines.append(line("v3", "D0001", 850, quantity=1))  # a 4th visit billing the drug twice
    assert hits("outpatient-abuse", data(claims, lines, P)) == []


def test_a_run_of_days_across_the_years_end() -> None:
    days = ("2021-12-30", "2021-12-31", "2022-01-01")
    claims = [claim(f"y{i}", date=d) for i, d in enumerate(days)]
    lines = [line(f"y{i}", "D0001", 850, quantity=1) for i in range(3)]
    found = hits("outpatient-abuse", data(claims, lines, P))
    assert [(c, a, f["run_start"]) for c, a, f in found] == [("y2", 850, "2021-12-30")]


def test_a_unit_price_above_the_ceiling_by_less_than_a_fen_reads_above_it() -> None:
    """S0004's ceiling is 2,500 fen a unit: 5,001 fen for 2 units is 2,500.5 a unit, 1 fen
    at stake, and the facts show the unit price rounded up (2,501), never equal to the
    ceiling; 5,000 for 2 is at the ceiling, not flagged."""

    def over(amount: int) -> list[tuple[str, int, dict[str, Any]]]:
        lines = [line("c", "S0004", amount, quantity=2)]
        return hits("over-standard-charge", data([claim("c", date="2021-06-01")], lines, P))

    assert over(5_000) == []
    [(no, at_stake, facts)] = over(5_001)
    assert (no, at_stake, facts["unit_price_fen"], facts["price_ceiling_fen"]) == (
        "c",
        1,
        2501,
        2500,
    )
