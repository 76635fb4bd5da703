"""Drug, service and material items of the reimbursement catalog.

The shipped ``data/items.csv`` is a demonstration catalog in the national layout: class A
(甲类, compliant in full), B (乙类, compliant after a self-pay share) or C (丙类, not
compliant); the essential-drug flag; a price ceiling in yuan; sex and age restrictions.
``typical_price`` and ``setting`` (inpatient / outpatient / both) feed the synthetic county.
Money becomes integer fen here, shares basis points (money.py's rule).
"""

from __future__ import annotations

from functools import cache

import polars as pl

from safetynet.catalogs.diseases import DATA
from safetynet.catalogs.in_force import CATALOG_START


def _fen(column: str) -> pl.Expr:
    return (pl.col(column).cast(pl.Decimal(12, 2)) * 100).cast(pl.Int64)


@cache
def load_items() -> pl.DataFrame:
    """The shipped items, typed: money in fen, self-pay share in basis points."""
    raw = pl.read_csv(DATA.joinpath("items.csv").read_bytes(), infer_schema=False)
    return raw.select(
        "code",
        "name",
        "kind",
        "item_class",
        (pl.col("self_pay_pct").cast(pl.Int64) * 100).alias("self_pay_bp"),
        (pl.col("essential") == "true").alias("essential"),
        _fen("price_ceiling").alias("price_ceiling_fen"),
        pl.col("sex_restriction"),
        pl.col("min_age").cast(pl.Int64),
        pl.col("max_age").cast(pl.Int64),
        _fen("typical_price").alias("typical_price_fen"),
        "setting",
    )


def catalog_rows() -> pl.DataFrame:
    """The items as rows of the ``catalog_item`` table: entries in force from
    :data:`~safetynet.catalogs.in_force.CATALOG_START` on, open-ended (the shipped catalog is
    not dated)."""
    return (
        load_items()
        .drop("typical_price_fen", "setting")
        .with_columns(
            pl.lit(CATALOG_START, pl.Date).alias("valid_from"),
            pl.lit(None, pl.Date).alias("valid_to"),
        )
    )
