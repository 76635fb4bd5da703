"""Compare two settlements of the same claims: spending per layer, actual compensation
ratios (overall and for the poor), out-of-pocket distribution, catastrophic cases."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import polars as pl

from safetynet.codes import PovertyStatus, code
from safetynet.i18n import N_

POOR = (
    PovertyStatus.REGISTERED_POOR,
    PovertyStatus.RETURNED,
    PovertyStatus.LOW_INCOME,
    PovertyStatus.EXTREMELY_POOR,
)
POOR_MASK = sum(1 << code(s) for s in POOR)
OOP_BANDS_YUAN = (0, 1_000, 5_000, 10_000, 20_000, 50_000)
# The ratios' measures and the catastrophic groups: English message ids, translated where shown.
MEASURES = (
    N_("actual compensation ratio, overall"), N_("policy-range ratio, overall"),
    N_("actual compensation ratio, poor"), N_("policy-range ratio, poor"),
)  # fmt: skip
GROUPS = (N_("everyone"), N_("the poor"))


@dataclass(frozen=True)
class Comparison:
    layers: pl.DataFrame  # layer, base_fen, reform_fen, change_fen
    ratios: pl.DataFrame  # measure, base, reform, change (fractions)
    oop_bands: pl.DataFrame  # band, base_persons, reform_persons
    oop_percentiles: pl.DataFrame  # percentile, base_fen, reform_fen
    catastrophic: pl.DataFrame  # group, base_persons, reform_persons
    threshold_fen: int


def _paid(results: pl.DataFrame) -> pl.Expr:
    return pl.sum_horizontal([pl.col(c) for c in results.columns if c.startswith("pay_")])


def _ratios(results: pl.DataFrame) -> dict[str, float]:
    df = results.with_columns(_paid(results).alias("paid"), _poor().alias("poor"))
    out = {}
    measures = iter(MEASURES)
    for frame in (df, df.filter(pl.col("poor"))):
        total = frame.get_column("total_fen").sum()
        paid = frame.get_column("paid").sum()
        compliant = frame.get_column("compliant_fen").sum()
        out[next(measures)] = paid / total if total else 0.0
        out[next(measures)] = compliant / total if total else 0.0
    return out


def _poor() -> pl.Expr:
    return (pl.col("status_mask") & POOR_MASK) != 0


def _annual_oop(results: pl.DataFrame) -> pl.DataFrame:
    return results.group_by("person_id", pl.col("date").dt.year().alias("year")).agg(
        pl.col("out_of_pocket_fen").sum().alias("oop"), _poor().any().alias("poor")
    )


def compare(base: pl.DataFrame, reform: pl.DataFrame, catastrophic_fen: int) -> Comparison:
    layer_ids = list(
        dict.fromkeys(
            [c[4:] for c in base.columns if c.startswith("pay_")]
            + [c[4:] for c in reform.columns if c.startswith("pay_")]
        )
    )

    def spent(df: pl.DataFrame, lid: str) -> int:
        return int(df.get_column(f"pay_{lid}").sum()) if f"pay_{lid}" in df.columns else 0

    rows = [(lid, spent(base, lid), spent(reform, lid)) for lid in layer_ids]
    rows.append(
        (
            "out_of_pocket",
            int(base["out_of_pocket_fen"].sum()),
            int(reform["out_of_pocket_fen"].sum()),
        )
    )
    layers = pl.DataFrame(rows, schema=["layer", "base_fen", "reform_fen"], orient="row")
    layers = layers.with_columns((pl.col("reform_fen") - pl.col("base_fen")).alias("change_fen"))

    rb, rr = _ratios(base), _ratios(reform)
    ratios = pl.DataFrame(
        {"measure": list(rb), "base": list(rb.values()), "reform": [rr[k] for k in rb]}
    ).with_columns((pl.col("reform") - pl.col("base")).alias("change"))

    ob, orf = _annual_oop(base), _annual_oop(reform)
    edges = [b * 100 for b in OOP_BANDS_YUAN]

    def band_counts(df: pl.DataFrame) -> list[int]:
        oop = df.get_column("oop")
        counts = [int((oop == 0).sum())]
        for lo, hi in itertools.pairwise(edges):
            counts.append(int(((oop > lo) & (oop <= hi)).sum()))
        counts.append(int((oop > edges[-1]).sum()))
        return counts

    bands = [
        "0",
        *[f"{a:,}–{b:,}" for a, b in itertools.pairwise(OOP_BANDS_YUAN)],
        f"> {OOP_BANDS_YUAN[-1]:,}",
    ]
    oop_bands = pl.DataFrame(
        {"band_yuan": bands, "base_persons": band_counts(ob), "reform_persons": band_counts(orf)}
    )
    qs = (0.5, 0.9, 0.99, 1.0)
    oop_percentiles = pl.DataFrame(
        {
            "percentile": [f"p{int(q * 100)}" if q < 1 else "max" for q in qs],
            "base_fen": [int(ob["oop"].quantile(q, "nearest") or 0) for q in qs],
            "reform_fen": [int(orf["oop"].quantile(q, "nearest") or 0) for q in qs],
        }
    )

    def above(df: pl.DataFrame, poor_only: bool) -> int:
        f = df.filter(pl.col("poor")) if poor_only else df
        return int((f.get_column("oop") > catastrophic_fen).sum())

    catastrophic = pl.DataFrame(
        {
            "group": list(GROUPS),
            "base_persons": [above(ob, False), above(ob, True)],
            "reform_persons": [above(orf, False), above(orf, True)],
        }
    )
    return Comparison(layers, ratios, oop_bands, oop_percentiles, catastrophic, catastrophic_fen)
