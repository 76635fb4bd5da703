"""Batch settlement: a year (or several) of claims as a columnar table, in one pass.

Claims are ordered by household, year, date and submission sequence; each household-year
is settled claim by claim through the same kernel as online settlement, households in
parallel. Input columns (``BATCH_COLUMNS``): ids, ``year``, ``date``, ``seq``, the claim's
``kind`` and ``level`` (enum values), flags, ``status_mask``, ``disease_mask``, ``age`` and the
amounts in fen. Output: the input order, with ``pay_<layer>``, ``rule_<layer>`` and
``out_of_pocket_fen``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from safetynet.codes import ClaimKind, InstitutionLevel
from safetynet.engine import layout as L
from safetynet.engine.kernel import settle_blocks
from safetynet.policy.compile import CompiledPolicy

BATCH_COLUMNS: dict[str, type[pl.DataType]] = {
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "year": pl.Int32,
    "date": pl.Date,
    "seq": pl.Int64,
    "kind": pl.String,
    "level": pl.String,
    "in_county": pl.Boolean,
    "referral": pl.Boolean,
    "status_mask": pl.Int64,
    "disease_mask": pl.Int64,
    "age": pl.Int32,
    "total_fen": pl.Int64,
    "compliant_fen": pl.Int64,
    "essential_fen": pl.Int64,
    "deducted_fen": pl.Int64,
}

_KIND_CODES = {k.value: i for i, k in enumerate(ClaimKind)}
_LEVEL_CODES = {k.value: i for i, k in enumerate(InstitutionLevel)}


def _code_column(col: str, mapping: dict[str, int]) -> pl.Expr:
    return pl.col(col).cast(pl.String).replace_strict(mapping, return_dtype=pl.Int64)


def _claim_matrix(df: pl.DataFrame) -> tuple[np.ndarray, int, int]:
    """Build the int64 claim matrix for sorted claims; return it and the state sizes."""
    keys = df.select(
        (pl.struct("person_id", "year").rank("dense").cast(pl.Int64) - 1).alias("p"),
    )
    hh_year_change = (
        (df["household_id"].diff().fill_null(1) != 0) | (df["year"].diff().fill_null(1) != 0)
    ).cast(pl.Int64)
    hidx = hh_year_change.cum_sum() - 1
    cols = [
        keys["p"],
        hidx,
        df.select(_code_column("kind", _KIND_CODES)).to_series(),
        df.select(_code_column("level", _LEVEL_CODES)).to_series(),
        df["in_county"].cast(pl.Int64),
        df["referral"].cast(pl.Int64),
        df["status_mask"].cast(pl.Int64),
        df["disease_mask"].cast(pl.Int64),
        df["age"].cast(pl.Int64),
        df["total_fen"].cast(pl.Int64),
        df["compliant_fen"].cast(pl.Int64),
        df["essential_fen"].cast(pl.Int64),
        df["deducted_fen"].cast(pl.Int64),
    ]
    matrix = np.empty((df.height, L.N_CLAIM_COLS), np.int64)
    for i, s in enumerate(cols):
        matrix[:, i] = s.to_numpy()
    n_p = int(keys["p"].max() or 0) + 1 if df.height else 0
    n_h = int(hidx.max() or 0) + 1 if df.height else 0
    return matrix, n_p, n_h


def check_batch_input(df: pl.DataFrame) -> None:
    missing = [c for c in BATCH_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"claims table lacks column(s): {', '.join(missing)}")
    bad = df.filter(
        (pl.col("total_fen") < 0)
        | (pl.col("deducted_fen") < 0)
        | (pl.col("compliant_fen") < 0)
        | (pl.col("essential_fen") < 0)
        | (pl.col("deducted_fen") > pl.col("total_fen"))
        | (pl.col("compliant_fen") > pl.col("total_fen") - pl.col("deducted_fen"))
        | (pl.col("essential_fen") > pl.col("compliant_fen"))
    )
    if bad.height:
        raise ValueError(
            f"{bad.height} claim(s) have inconsistent amounts (negative, or compliant / "
            "deducted / essential above what the total allows)"
        )
    for col, mapping in (("kind", _KIND_CODES), ("level", _LEVEL_CODES)):
        unknown = set(df[col].cast(pl.String).unique().to_list()) - set(mapping)
        if unknown:
            raise ValueError(f"unknown {col} value(s): {', '.join(sorted(map(str, unknown)))}")


def settle_batch(cp: CompiledPolicy, claims: pl.DataFrame, *, check: bool = True) -> pl.DataFrame:
    """Settle every claim; return, in input order, each layer's payment and rule."""
    if check:
        check_batch_input(claims)
    order_cols = ["household_id", "year", "date", "seq"]
    df = claims.with_row_index("_row").sort(order_cols)
    matrix, n_p, n_h = _claim_matrix(df)
    hidx = matrix[:, L.C_HIDX]
    starts = np.flatnonzero(np.diff(hidx, prepend=-1)) if len(hidx) else np.zeros(0, np.int64)
    block_starts = np.append(starts, len(hidx)).astype(np.int64)
    pstate = np.zeros((n_p, cp.n_slots), np.int64)
    hstate = np.zeros((n_h, cp.n_slots), np.int64)
    n = df.height
    pay = np.zeros((n, cp.n_layers), np.int64)
    rule = np.full((n, cp.n_layers), -1, np.int64)
    oop = np.zeros(n, np.int64)
    settle_blocks(
        matrix,
        block_starts,
        cp.layers,
        cp.cond,
        cp.params,
        cp.deductible,
        cp.tier_from,
        cp.tier_bp,
        cp.ceiling,
        cp.bonus_cond,
        cp.bonus_points,
        cp.pool_household,
        pstate,
        hstate,
        pay,
        rule,
        oop,
    )
    rule_names = pl.Series([r.rule_id for r in cp.rules] + [None], dtype=pl.String)
    none = len(cp.rules)
    out = {"_row": df["_row"]}
    for li, layer_id in enumerate(cp.layer_ids):
        out[f"pay_{layer_id}"] = pl.Series(pay[:, li])
        idx = np.where(rule[:, li] < 0, none, rule[:, li])
        out[f"rule_{layer_id}"] = rule_names.gather(idx)
    out["out_of_pocket_fen"] = pl.Series(oop)
    result = pl.DataFrame(out).sort("_row").drop("_row")
    return pl.concat([claims, result], how="horizontal")
