"""The compliant (policy-range) amount of claim lines, and per-claim sums.

Per line, with ``net = amount - deducted`` (deducted by review, borne by the institution):
  class A: compliant = net
  class B: compliant = net - self_pay, self_pay = net × self-pay share (rounded half up)
  class C or out of catalog: compliant = 0
``essential`` lines (national essential drugs) also count their compliant part as essential.
Pure Polars expressions: one definition for a single claim and for a year of claims.
"""

from __future__ import annotations

import polars as pl

LINE_COLUMNS = ("claim_key", "amount_fen", "deducted_fen", "item_class", "self_pay_bp", "essential")


def line_amounts(lines: pl.DataFrame) -> pl.DataFrame:
    """Add ``compliant_fen`` and ``essential_fen`` to item lines."""
    net = pl.col("amount_fen") - pl.col("deducted_fen")
    self_pay = (net * pl.col("self_pay_bp") + 5000) // 10000
    compliant = (
        pl.when(pl.col("item_class") == "A")
        .then(net)
        .when(pl.col("item_class") == "B")
        .then(net - self_pay)
        .otherwise(0)
        .cast(pl.Int64)
    )
    return lines.with_columns(compliant.alias("compliant_fen")).with_columns(
        pl.when(pl.col("essential"))
        .then(pl.col("compliant_fen"))
        .otherwise(0)
        .alias("essential_fen")
    )


def claim_amounts(lines: pl.DataFrame) -> pl.DataFrame:
    """Sum priced lines per ``claim_key``: total, compliant, essential and deducted fen."""
    return (
        line_amounts(lines)
        .group_by("claim_key")
        .agg(
            pl.col("amount_fen").sum().alias("total_fen"),
            pl.col("compliant_fen").sum(),
            pl.col("essential_fen").sum(),
            pl.col("deducted_fen").sum(),
        )
    )
