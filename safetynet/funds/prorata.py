"""Pro-rata scaling of claims on a capped pot, in fen: the one definition in SafetyNet.

When what is owed (``Σ owed``) exceeds the pot, each claimant gets the same share
``pot ÷ Σ owed`` of what it is owed (openIMIS's relative index, capped at 1): floored to the
fen, and the fen left over go one each to the largest remainders (ties by the key, lowest
first), so the amounts add up to the pot exactly. When the pot covers everything each gets
what it is owed and the index is 1 (10,000 basis points). The re-assistance round of early
warning, budget-limited layers, the split of contributions between funds and the sharing of a global
budget between institutions (:func:`apportion_exact`, the same rule in exact fractions) all
call this.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import polars as pl

FULL_BP = 10_000
_INT64_MAX = 2**63 - 1


def index_bp(pot_fen: int, owed_fen: int) -> int:
    """The relative index in basis points, floored and capped at 10,000."""
    if owed_fen <= 0 or pot_fen >= owed_fen:
        return FULL_BP
    return (pot_fen * FULL_BP) // owed_fen


def distribute(frame: pl.DataFrame, pot_fen: int, *, by: str, key: str) -> pl.DataFrame:
    """``frame`` with ``amount_fen``: exactly ``pot_fen`` split in proportion to ``by``.

    Each row gets ``by × pot ÷ Σ by`` floored to the fen; the fen left over go one each to
    the largest remainders (ties by ``key``, lowest first). Rows keep their order.
    """
    weights = frame.get_column(by)
    total = int(weights.sum() or 0)
    if pot_fen < 0:
        raise ValueError(f"the pot is negative: {pot_fen} fen")
    if weights.len() and int(weights.min() or 0) < 0:  # type: ignore[arg-type]
        raise ValueError(f"a negative amount in column {by!r}")
    if total <= 0:
        raise ValueError(f"nothing to share the pot by: column {by!r} sums to zero")
    if int(weights.max() or 0) * pot_fen > _INT64_MAX:  # type: ignore[operator]
        raise ValueError("amounts too large to share in 64-bit fen")
    shared = frame.with_columns(
        (pl.col(by).cast(pl.Int64) * pot_fen // total).alias("_floor"),
        (pl.col(by).cast(pl.Int64) * pot_fen % total).alias("_rem"),
    )
    left = pot_fen - int(shared.get_column("_floor").sum())
    ranked = shared.with_columns(
        pl.struct(pl.col("_rem").neg(), pl.col(key)).rank("ordinal").alias("_order")
    )
    return ranked.with_columns(
        (pl.col("_floor") + (pl.col("_order") <= left).cast(pl.Int64)).alias("amount_fen")
    ).drop("_floor", "_rem", "_order")


def scale(frame: pl.DataFrame, pot_fen: int, *, owed: str, key: str) -> pl.DataFrame:
    """``frame`` with ``amount_fen`` (each row's pay from a capped pot) and ``scale_bp``.

    ``owed`` names the column of what each row is owed (fen, ≥ 0), ``key`` the column that
    orders ties. When the pot covers the total each row gets what it is owed; otherwise the
    pot is distributed in proportion to what is owed (:func:`distribute`). Rows keep their
    order. Raises ``ValueError`` on a negative pot or amount.
    """
    if pot_fen < 0:
        raise ValueError(f"the pot is negative: {pot_fen} fen")
    amounts = frame.get_column(owed)
    if amounts.len() and int(amounts.min() or 0) < 0:  # type: ignore[arg-type]
        raise ValueError(f"a negative amount owed in column {owed!r}")
    total = int(amounts.sum() or 0)
    bp = pl.lit(index_bp(pot_fen, total), pl.Int64).alias("scale_bp")
    if total <= pot_fen:
        return frame.with_columns(pl.col(owed).cast(pl.Int64).alias("amount_fen"), bp)
    return distribute(frame, pot_fen, by=owed, key=key).with_columns(bp)


def apportion(total_fen: int, weights: dict[str, int]) -> dict[str, int]:
    """``total_fen`` split by ``weights`` exactly (largest remainder, ties by name)."""
    names = sorted(weights)
    frame = pl.DataFrame(
        {"name": names, "weight": [weights[n] for n in names]},
        schema={"name": pl.String, "weight": pl.Int64},
    )
    out = distribute(frame, total_fen, by="weight", key="name")
    return dict(zip(out["name"].to_list(), out["amount_fen"].to_list(), strict=True))


def apportion_exact(total_fen: int, weights: Mapping[str, Fraction | int]) -> dict[str, int]:
    """``total_fen`` split by rational ``weights`` exactly: the same rule as :func:`distribute`
    (each floored to the fen, the fen left over one each to the largest remainders, ties by
    name, lowest first) in exact fractions, for weights that are not integers (a weighted sum
    of factor shares) and whose common denominator would overflow 64-bit integers."""
    if total_fen < 0:
        raise ValueError(f"the pot is negative: {total_fen} fen")
    if any(w < 0 for w in weights.values()):
        raise ValueError("a negative weight")
    total = sum((Fraction(w) for w in weights.values()), Fraction(0))
    if total <= 0:
        raise ValueError("nothing to share the pot by: the weights sum to zero")
    exact = {n: Fraction(w) * total_fen / total for n, w in weights.items()}
    floors = {n: q.numerator // q.denominator for n, q in exact.items()}
    left = total_fen - sum(floors.values())
    ranked = sorted(exact, key=lambda n: (-(exact[n] - floors[n]), n))
    for name in ranked[:left]:
        floors[name] += 1
    return floors
