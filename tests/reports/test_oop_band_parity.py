"""The dashboard and the simulator band a year's out-of-pocket by one definition
(safetynet.indicators.oop_bands): a band holds its lower bound, not its upper one, [a, b),
and both label the bands alike. A year of exactly 1,000.00 yuan is in "1,000–2,000" on both;
999.99 in "500–1,000"; 0.00 in the first band; 50,000.00 in "≥ 50,000"."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl

from safetynet.indicators.oop_bands import OOP_BANDS_YUAN, band_labels
from safetynet.reports.dashboard_data import oop_distribution
from safetynet.simulation.compare import compare
from tests.indicators.helpers import frames

YEARS_FEN = [0, 99_999, 100_000, 199_999, 5_000_000]  # one person's year each
EXPECTED = {"0–500": 1, "500–1,000": 1, "1,000–2,000": 2, "≥ 50,000": 1}


def test_the_labels_say_the_lower_bound_is_in_the_band() -> None:
    labels = band_labels()
    assert labels[0] == "0–500" and labels[2] == "1,000–2,000"
    assert labels[-1] == f"≥ {OOP_BANDS_YUAN[-1]:,}" == "≥ 50,000"


def test_the_simulator_bands_as_the_dashboard_does() -> None:
    results = pl.DataFrame(
        {
            "person_id": [f"P{i}" for i in range(len(YEARS_FEN))],
            "date": [dt.date(2017, 5, 1)] * len(YEARS_FEN),
            "status_mask": [0] * len(YEARS_FEN),
            "total_fen": [y + 1_000 for y in YEARS_FEN],
            "compliant_fen": [y + 1_000 for y in YEARS_FEN],
            "kind": ["inpatient"] * len(YEARS_FEN),
            "pay_basic": [1_000] * len(YEARS_FEN),
            "out_of_pocket_fen": YEARS_FEN,
        }
    )
    bands = compare(results, results, 1_000_000).oop_bands
    assert bands.get_column("band_yuan").to_list() == band_labels()
    got = {b: n for b, n in bands.select("band_yuan", "base_persons").iter_rows() if n}
    assert got == EXPECTED

    base = frames()
    entries = base.entries.head(len(YEARS_FEN)).with_columns(
        pl.Series("person_id", list(range(len(YEARS_FEN))), dtype=base.entries["person_id"].dtype),
        pl.Series("oop_fen", YEARS_FEN, dtype=base.entries["oop_fen"].dtype),
        pl.lit(1, base.entries["sign"].dtype).alias("sign"),
    )
    dist = oop_distribution(dataclasses.replace(base, entries=entries))
    labels = band_labels()
    shown = {labels[b]: p + o for b, p, o in dist.select("band", "poor", "others").iter_rows()}
    assert {b: n for b, n in shown.items() if n} == EXPECTED
