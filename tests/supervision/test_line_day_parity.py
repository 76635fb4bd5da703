"""An item line keeps the day it gives — none when undated — whether the screening reads
the claims from the database (supervision.load: the year's tables and the window's rows) or
from a claim file (supervision.frames.from_claim_file); its catalog entry is the one in force
on its day, else its claim's date (catalogs.in_force.line_day_of). The same claims give the
same days and the same hits of the day-based rules, which read an undated line by their own
rule (duplicate charge: the daily limit times the stay's days)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl

from safetynet.claims.fileformat import read_claim_file
from safetynet.supervision.frames import PERSONS_SCHEMA, ScreenInput, from_claim_file
from safetynet.supervision.load import frames_from_rows, frames_from_tables
from safetynet.supervision.rules import load_rules
from safetynet.supervision.screen import screen
from safetynet.supervision.service import CLAIM_SCHEMA, LINE_SCHEMA

RULES = load_rules()
ADMITTED, DISCHARGED = dt.date(2022, 3, 1), dt.date(2022, 3, 4)  # the rules are of 2021
# (code, quantity, amount in fen, day): a bed-day fee of three units without a day (as the
# window writes it), a nursing fee of one unit on each of two days, one of them undated
LINES = [
    ("S0001", 3, 9_000, None),
    ("S0004", 1, 2_000, dt.date(2022, 3, 2)),
    ("S0004", 1, 2_000, None),
]


def _file(tmp_path: Path) -> Path:
    items = [
        {"code": code, "class": "A", "amount": f"{fen / 100:.2f}", "quantity": str(qty)}
        | ({"day": day.isoformat()} if day else {})
        for code, qty, fen, day in LINES
    ]
    claim = {
        "claim_no": "C1", "person_id": "1", "date": ADMITTED.isoformat(),
        "kind": "inpatient", "level": "county", "age": 50, "institution": "H1",
        "admitted": ADMITTED.isoformat(), "discharged": DISCHARGED.isoformat(), "items": items,
    }  # fmt: skip
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps(claim) + "\n", encoding="utf-8")
    return path


def _recorded() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    total = sum(fen for _, _, fen, _ in LINES)
    claims = pl.DataFrame(
        [(1, "C1", "inpatient", "county", "H1", ADMITTED, DISCHARGED, None, total, None, 1)],
        schema=CLAIM_SCHEMA, orient="row",
    ).with_columns(pl.lit(50).alias("age"))  # fmt: skip
    lines = pl.DataFrame(
        [(1, code, qty, fen, day) for code, qty, fen, day in LINES],
        schema=LINE_SCHEMA, orient="row",
    )  # fmt: skip
    persons = pl.DataFrame(
        {"id": [1], "sex": ["M"], "deceased_on": [None], "region_code": ["341821"]},
        schema={"id": pl.Int64, "sex": pl.String, "deceased_on": pl.Date,
                "region_code": pl.String},
    )  # fmt: skip
    return claims, lines, persons


def _window() -> ScreenInput:
    """The window's rows of the same claim (``frames_from_rows``)."""
    claims, lines, _ = _recorded()
    rows = [tuple(r) for r in claims.drop("age").iter_rows()]
    births = {1: dt.date(ADMITTED.year - 50, 1, 1)}
    return frames_from_rows(rows, list(lines.iter_rows()), births, [(1, "M", None, "341821")])


def test_an_undated_line_keeps_no_day_from_a_file_the_database_and_the_window(
    tmp_path: Path,
) -> None:
    from_file = from_claim_file(read_claim_file(_file(tmp_path)))
    recorded = frames_from_tables(*_recorded())
    order = ["code", "day"]
    file_days = from_file.lines.sort(order, nulls_last=True).select(order)
    for other in (recorded, _window()):
        assert file_days.equals(other.lines.sort(order, nulls_last=True).select(order))
    assert file_days.get_column("day").to_list() == [None, dt.date(2022, 3, 2), None]
    # each line priced by the entry in force on its day, else its claim's: the catalog's
    # class of every line, dated or not
    assert from_file.lines.get_column("price_ceiling_fen").null_count() == 0


def test_the_day_based_rules_find_the_same_from_a_file_and_the_database(
    tmp_path: Path,
) -> None:
    only = ["duplicate-charge", "over-standard-charge", "concurrent-bed-charge"]
    persons = pl.DataFrame({"person_id": ["1"], "sex": ["M"], "deceased_on": [None],
                            "village": ["341821"], "phone": [None]},
                           schema=PERSONS_SCHEMA)  # fmt: skip
    from_file = from_claim_file(read_claim_file(_file(tmp_path)), persons)
    recorded = frames_from_tables(*_recorded())
    keep = ["rule_id", "claim_no", "amount_fen", "facts"]
    a = screen(RULES, from_file, only, check=False).select(keep).sort(keep)
    b = screen(RULES, recorded, only, check=False).select(keep).sort(keep)
    c = screen(RULES, _window(), only, check=False).select(keep).sort(keep)
    assert a.equals(b) and a.equals(c)
    # three undated units of a fee limited to one a day, over a stay of three days: within
    # the limit times the stay's days (not three on the admission day); its price is above
    # the catalog's ceiling, whatever its day
    assert a.get_column("rule_id").to_list() == ["over-standard-charge"]
    assert "price_ceiling_fen" in a.get_column("facts")[0]


def test_undated_units_above_the_limit_times_the_stay_are_a_duplicate_charge(
    tmp_path: Path,
) -> None:
    """One unit more than the limit times the stay's days: flagged on every path."""
    extra = [("S0001", 4, 4_000, None)]
    claims, _, persons = _recorded()
    lines = pl.DataFrame([(1, c, q, f, d) for c, q, f, d in extra], schema=LINE_SCHEMA,
                         orient="row")  # fmt: skip
    recorded = frames_from_tables(claims, lines, persons)
    found = screen(RULES, recorded, ["duplicate-charge"], check=False)
    assert found.height == 1 and found.get_column("amount_fen").to_list() == [1_000]
