"""What the screening rules share: the hits' columns, and the Polars expressions and frames
several rules build on (facts as JSON, runs of rows, item lines with their day, stays)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from safetynet.supervision.frames import ScreenInput

HIT_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "kind": pl.String(),
    "severity": pl.String(),
    "article": pl.Int32(),
    "claim_no": pl.String(),
    "person_id": pl.String(),
    "institution": pl.String(),
    "doctor": pl.String(),
    "date": pl.Date(),
    "amount_fen": pl.Int64(),
    "facts": pl.String(),
}


def facts_json(**exprs: pl.Expr) -> pl.Expr:
    """The facts of a hit as a JSON object (dates as ISO text)."""
    fields = []
    for name, expr in exprs.items():
        fields.append(expr.alias(name))
    return pl.struct(fields).struct.json_encode().alias("facts")


def starts_with_any(col: pl.Expr, prefixes: Iterable[str]) -> pl.Expr:
    """Whether the text starts with one of ``prefixes``: one set lookup per prefix length."""
    by_length: dict[int, list[str]] = {}
    for p in prefixes:
        by_length.setdefault(len(p), []).append(p)
    if not by_length:
        return pl.lit(False)
    return pl.any_horizontal(
        [col.str.slice(0, n).is_in(sorted(ps)) for n, ps in sorted(by_length.items())]
    ).fill_null(False)


def days_between(a: str, b: str) -> pl.Expr:
    return (pl.col(b) - pl.col(a)).dt.total_days()


def same_as_above(keys: list[str], k: int = 1) -> pl.Expr:
    """On a frame sorted by ``keys``: whether the row ``k`` above has the same keys."""
    return pl.all_horizontal([pl.col(c).shift(k) == pl.col(c) for c in keys]).fill_null(False)


def run_position(same: pl.Expr) -> pl.Expr:
    """1-based position of each row in its run of rows where ``same`` (vs the row above)."""
    idx = pl.int_range(pl.len(), dtype=pl.Int64)
    return idx - pl.when(~same).then(idx).forward_fill() + 1


def lines_with_day(
    data: ScreenInput, keep: pl.Expr | None = None, claims: pl.Expr | None = None
) -> pl.DataFrame:
    """Item lines (those ``keep`` selects) with their claim's person, kind and dates (of the
    claims ``claims`` selects); a line without a day takes its claim's date. Filtering before
    the join keeps it small: most rules read a few codes of millions of lines."""
    lines = data.lines if keep is None else data.lines.filter(keep)
    lines = lines.drop(CATALOG_FACTS, strict=False)  # no rule joining them to claims reads these
    info = data.claims.select("claim_no", "person_id", "kind", "date", "admitted", "discharged")
    if claims is not None:
        info = info.filter(claims)
    return lines.join(info, on="claim_no", how="inner").with_columns(
        pl.col("day").is_not_null().alias("dated"),
        pl.coalesce("day", "date").alias("day"),
        pl.col("quantity").fill_null(1).alias("qty"),
    )


CATALOG_FACTS = ("price_ceiling_fen", "sex_restriction", "min_age", "max_age")


def no_hits() -> pl.DataFrame:
    return pl.DataFrame(schema={"claim_no": pl.String, "amount_fen": pl.Int64, "facts": pl.String})


def stays_of(data: ScreenInput) -> pl.DataFrame:
    return data.claims.filter(
        (pl.col("kind") == "inpatient")
        & pl.col("admitted").is_not_null()
        & pl.col("discharged").is_not_null()
    )
