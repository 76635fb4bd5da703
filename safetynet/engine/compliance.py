"""The compliant (policy-range) amount of claim lines, and per-claim sums.

Per line, with ``net = amount - deducted`` (deducted by review, borne by the institution):
  class A: compliant = net
  class B: compliant = net - self_pay, self_pay = net × self-pay share (rounded half up)
  class C or out of catalog: compliant = 0
``essential`` lines (national essential drugs) also count their compliant part as essential.
One definition, :func:`compliant_amounts`, on NumPy arrays: a single claim at the window
calls it on its few lines, a year of claims on millions (through :func:`line_amounts`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from safetynet.money import RATIO_SCALE

# A claim's amounts, as :func:`claim_amounts` sums them from its lines.
AMOUNTS = ("total_fen", "compliant_fen", "essential_fen", "deducted_fen")

LINE_COLUMNS = ("claim_key", "amount_fen", "deducted_fen", "item_class", "self_pay_bp", "essential")


def compliant_amounts(
    amount_fen: np.ndarray,
    deducted_fen: np.ndarray,
    class_a: np.ndarray,
    class_b: np.ndarray,
    self_pay_bp: np.ndarray,
    essential: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Compliant and essential fen of each line (int64 arrays; booleans for the classes)."""
    net = amount_fen.astype(np.int64) - deducted_fen
    self_pay = (net * self_pay_bp + RATIO_SCALE // 2) // RATIO_SCALE
    compliant = np.where(class_a, net, np.where(class_b, net - self_pay, 0)).astype(np.int64)
    return compliant, np.where(essential, compliant, 0).astype(np.int64)


def line_amounts(lines: pl.DataFrame) -> pl.DataFrame:
    """Add ``compliant_fen`` and ``essential_fen`` to item lines."""
    item_class = lines.get_column("item_class")
    compliant, essential = compliant_amounts(
        lines.get_column("amount_fen").to_numpy(),
        lines.get_column("deducted_fen").to_numpy(),
        (item_class == "A").fill_null(False).to_numpy(),
        (item_class == "B").fill_null(False).to_numpy(),
        lines.get_column("self_pay_bp").fill_null(0).to_numpy(),
        lines.get_column("essential").fill_null(False).to_numpy(),
    )
    return lines.with_columns(
        pl.Series("compliant_fen", compliant, pl.Int64),
        pl.Series("essential_fen", essential, pl.Int64),
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
