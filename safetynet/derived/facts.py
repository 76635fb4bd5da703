"""Each ledger entry as the figures need it, computed once per snapshot (and per tail).

The ledger's rows carry enums as text and layer payments as separate rows; every figure
needs them as small integer codes and as payments summed per layer type (for the indicators)
or per layer id (for the overview). :func:`facts_of` does that join and pivot once for the
entries of a snapshot — and again only for the entries a tail adds —, so a page joins the
person attributes of its region and computes. The columns are those of
:func:`safetynet.derived.frames.assemble`'s entries (``pay_<type>_fen``), plus
``settlement_id``, ``year``, ``policy_id`` and one ``layer_<id>_fen`` column per layer id
(null: the entry has no payment row of that layer).
"""

from __future__ import annotations

import polars as pl

from safetynet.derived.frames import entry_facts, pay_column
from safetynet.derived.layers import LAYER_TYPES, UnknownPolicy, layer_types

BASE = [
    "settlement_id", "claim_id", "person_id", "year", "policy_id", "month", "kind", "level",
    "in_county", "sign", "total_fen", "compliant_fen", "deducted_fen", "paid_fen", "oop_fen",
]  # fmt: skip


def known_types(policy_ids: list[str]) -> tuple[pl.DataFrame, set[str]]:
    """Layer types of the policies SafetyNet knows, and the ids it does not know."""
    unknown: set[str] = set()
    known = []
    for pid in sorted(set(policy_ids)):
        try:
            layer_types([pid])
        except UnknownPolicy:
            unknown.add(pid)
        else:
            known.append(pid)
    return layer_types(known), unknown


def layer_column(layer_id: str) -> str:
    return f"layer_{layer_id}_fen"


def facts_of(entries: pl.DataFrame, layers: pl.DataFrame) -> tuple[pl.DataFrame, set[str]]:
    """The entries' facts (see the module) and the policy ids whose layers are unknown."""
    types, unknown = known_types(entries["policy_id"].unique().to_list())
    paid = layers.filter(pl.col("paid_fen") != 0)
    typed = (
        paid.join(entries.select("settlement_id", "policy_id"), on="settlement_id")
        .join(types, on=["policy_id", "layer_id"], how="inner")
        .with_columns(pl.col("layer_type").to_physical().alias("t"))
    )
    by_type = typed.group_by("settlement_id").agg(
        pl.col("paid_fen").filter(pl.col("t") == i).sum().alias(pay_column(t))
        for i, t in enumerate(LAYER_TYPES)
    )
    by_id = (
        layers.with_columns(
            pl.concat_str(pl.lit("layer_"), pl.col("layer_id"), pl.lit("_fen")).alias("layer")
        ).pivot(on="layer", index="settlement_id", values="paid_fen", aggregate_function="sum")
        if not layers.is_empty()
        else pl.DataFrame(schema={"settlement_id": pl.Int64})
    )
    facts = (
        entries.join(by_type, on="settlement_id", how="left")
        .join(by_id, on="settlement_id", how="left")
        .select(
            "settlement_id", "claim_id", "person_id", "year", "policy_id",
            *entry_facts(),
            *(pl.col(c).cast(pl.Int64) for c in by_id.columns if c != "settlement_id"),
        )
    )  # fmt: skip
    return facts, unknown


def combined(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """The facts of a snapshot and of its tail as one frame (layer columns of either)."""
    return pl.concat([old, new], how="diagonal_relaxed", rechunk=False)
