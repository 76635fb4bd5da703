"""Bands of annual out-of-pocket: the one definition of which band a person's year falls in
and how each band is labelled, for the dashboard's distribution
(:mod:`safetynet.reports.dashboard_data`) and the simulator's comparison
(:mod:`safetynet.simulation.compare`).

A band holds its lower bound and not its upper one, ``[a, b)``: a year of exactly 1,000.00
yuan is in ``1,000–2,000``, not in ``500–1,000``; the last band, ``≥ 50,000``, holds its
bound and everything above. The labels say so (``a–b``: at least a, less than b), and
``safetynet/indicators/definitions.yaml`` (``oop_bands``) writes the convention down.
"""

from __future__ import annotations

import itertools

import polars as pl

from safetynet.i18n import N_

# the lower bound of each band, in yuan; a band ends where the next begins
OOP_BANDS_YUAN = (0, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000)
# what a column of band labels is headed (the convention said where the bands are shown)
BAND_HEADING = N_("Annual out-of-pocket (yuan; a–b: at least a, less than b)")


def band_of(oop_fen: pl.Expr) -> pl.Expr:
    """The index of the band (into :data:`OOP_BANDS_YUAN`) an out-of-pocket in fen falls in:
    the last band whose lower bound it reaches (``[a, b)``); below 0 (never: out-of-pocket
    is not negative) the first."""
    band = pl.lit(0, pl.Int64)
    for i, lower in enumerate(OOP_BANDS_YUAN[1:], start=1):
        band = pl.when(oop_fen >= lower * 100).then(pl.lit(i, pl.Int64)).otherwise(band)
    return band


def band_labels() -> list[str]:
    """Each band's label, in order: ``0–500``, …, ``20,000–50,000``, ``≥ 50,000``."""
    pairs = itertools.pairwise(OOP_BANDS_YUAN)
    return [*(f"{a:,}–{b:,}" for a, b in pairs), f"≥ {OOP_BANDS_YUAN[-1]:,}"]


def band_counts(oop_fen: pl.Series) -> list[int]:
    """How many of ``oop_fen`` fall in each band, in order (every band, empty ones 0)."""
    bands = pl.DataFrame({"oop": oop_fen}).select(band_of(pl.col("oop")).alias("band"))
    counts = bands.get_column("band").value_counts()
    found = dict(zip(counts.get_column("band"), counts.get_column("count"), strict=True))
    return [int(found.get(i, 0)) for i in range(len(OOP_BANDS_YUAN))]
