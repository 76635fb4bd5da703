"""Compare two settlements of the same claims: spending per layer, the compensation ratios,
out-of-pocket distribution, catastrophic cases.

The ratios are the county's indicators of the same name, with the one definition
``safetynet/indicators/definitions.yaml`` gives them (their ids are the ratios' measures):
``compensation_ratio`` (all layers ÷ total cost), ``compensation_ratio_poor`` and
``inpatient_compensation_ratio_poor`` (persons whose category is not ordinary), and
``policy_range_ratio`` (basic insurance ÷ compliant cost). Their changes are differences of
ratios: percentage points.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from safetynet.codes import PovertyStatus
from safetynet.i18n import N_
from safetynet.indicators.oop_bands import band_counts, band_labels
from safetynet.registry.status import STATUS_BITS

# "The poor" as the indicators count them: a person whose category is not ordinary.
POOR_MASK = sum(b for s, b in STATUS_BITS.items() if s != PovertyStatus.ORDINARY)
# The ratios' measures: indicator ids (names and formulas from the indicators' definitions).
MEASURES = (
    "compensation_ratio",
    "compensation_ratio_poor",
    "inpatient_compensation_ratio_poor",
    "policy_range_ratio",
)
# The catastrophic groups and the percentiles: English message ids, translated where shown.
GROUPS = (N_("everyone"), N_("the poor"))
PERCENTILES = {0.5: N_("median"), 0.9: N_("90th percentile"), 0.99: N_("99th percentile"),
               1.0: N_("highest")}  # fmt: skip
OUT_OF_POCKET = "out_of_pocket"  # the spending table's last row: what patients pay


@dataclass(frozen=True)
class Comparison:
    layers: pl.DataFrame  # layer, base_fen, reform_fen, change_fen
    ratios: pl.DataFrame  # measure, base, reform, change (fractions; null: no denominator)
    oop_bands: pl.DataFrame  # band, base_persons, reform_persons
    oop_percentiles: pl.DataFrame  # percentile, base_fen, reform_fen
    catastrophic: pl.DataFrame  # group, base_persons, reform_persons
    threshold_fen: int


def _paid(results: pl.DataFrame) -> pl.Expr:
    return pl.sum_horizontal([pl.col(c) for c in results.columns if c.startswith("pay_")])


def _ratio(num: int, den: int) -> float | None:
    """``num / den``; None (undefined, shown as a dash) when there is nothing to divide by, as
    the indicators leave such a row out: no poor patient is not a 0 % ratio of the poor."""
    return num / den if den else None


def _ratios(results: pl.DataFrame, basic_layers: tuple[str, ...]) -> dict[str, float | None]:
    basic = [pl.col(f"pay_{lid}") for lid in basic_layers if f"pay_{lid}" in results.columns]
    df = results.with_columns(
        _paid(results).alias("paid"),
        (pl.sum_horizontal(basic) if basic else pl.lit(0)).alias("basic"),
        _poor().alias("poor"),
    )
    poor = df.filter(pl.col("poor"))
    admissions = poor.filter(pl.col("kind") == "inpatient")

    def s(frame: pl.DataFrame, col: str) -> int:
        return int(frame.get_column(col).sum())

    return {
        "compensation_ratio": _ratio(s(df, "paid"), s(df, "total_fen")),
        "compensation_ratio_poor": _ratio(s(poor, "paid"), s(poor, "total_fen")),
        "inpatient_compensation_ratio_poor": _ratio(
            s(admissions, "paid"), s(admissions, "total_fen")
        ),
        "policy_range_ratio": _ratio(s(df, "basic"), s(df, "compliant_fen")),
    }


def _poor() -> pl.Expr:
    return (pl.col("status_mask") & POOR_MASK) != 0


def _annual_oop(results: pl.DataFrame) -> pl.DataFrame:
    return results.group_by("person_id", pl.col("date").dt.year().alias("year")).agg(
        pl.col("out_of_pocket_fen").sum().alias("oop"), _poor().any().alias("poor")
    )


def compare(
    base: pl.DataFrame,
    reform: pl.DataFrame,
    catastrophic_fen: int,
    basic_layers: tuple[str, ...] = ("basic",),
) -> Comparison:
    """``base`` and ``reform``: settlement results of the same claims (``settle_claims``);
    ``basic_layers``: the ids of the basic-insurance layers (the policy-range ratio's
    numerator)."""
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
            OUT_OF_POCKET,
            int(base["out_of_pocket_fen"].sum()),
            int(reform["out_of_pocket_fen"].sum()),
        )
    )
    layers = pl.DataFrame(rows, schema=["layer", "base_fen", "reform_fen"], orient="row")
    layers = layers.with_columns((pl.col("reform_fen") - pl.col("base_fen")).alias("change_fen"))

    rb, rr = _ratios(base, basic_layers), _ratios(reform, basic_layers)
    ratios = pl.DataFrame(
        {"measure": list(rb), "base": list(rb.values()), "reform": [rr[k] for k in rb]},
        schema={"measure": pl.String, "base": pl.Float64, "reform": pl.Float64},
    ).with_columns((pl.col("reform") - pl.col("base")).alias("change"))

    ob, orf = _annual_oop(base), _annual_oop(reform)
    oop_bands = pl.DataFrame(
        {
            "band_yuan": band_labels(),  # the dashboard's bands: [a, b), safetynet.indicators
            "base_persons": band_counts(ob.get_column("oop")),
            "reform_persons": band_counts(orf.get_column("oop")),
        }
    )
    qs = tuple(PERCENTILES)
    oop_percentiles = pl.DataFrame(
        {
            "percentile": [PERCENTILES[q] for q in qs],
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
