"""Year-end re-settlement: replay a year of claims and emit what differs from what was paid.

During the year each claim is settled with what was known that day; at year end the
county replays every person's year in date order — with corrected poverty lists, late
claims and the year's full accumulators — and pays the differences (a top-up where the
replay pays more, a recovery where it pays less). This module compares a replay with the
results recorded earlier (the output of ``safetynet settle``, JSON lines or Parquet).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from safetynet.claims.settle_file import layer_ids, settle_claims
from safetynet.engine.compile import CompiledPolicy
from safetynet.json_text import loads
from safetynet.money import to_fen


class ResultsFileError(ValueError):
    """A previously written results file that cannot be read back."""


@dataclass(frozen=True)
class Resettlement:
    differences: pl.DataFrame  # claim_no, person_id, date, layer, paid_before, paid_now, difference
    persons: pl.DataFrame  # person_id, claims, paid_before, paid_now, difference (fen)
    replayed: pl.DataFrame  # the replay's full results
    missing_before: list[str]  # claims of the replay the earlier results do not have


def read_results(path: str | Path) -> pl.DataFrame:
    """Earlier results as claim_no + ``pay_<layer>`` in fen, from .parquet or .jsonl."""
    path = Path(path)
    if not path.is_file():
        raise ResultsFileError(f"{path}: no such file")
    if path.suffix == ".parquet":
        df = pl.read_parquet(path)
        return df.select("claim_no", *[c for c in df.columns if c.startswith("pay_")])
    rows: list[dict[str, object]] = []
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:  # a line not UTF-8, nested too deeply or with a key twice: named, no traceback
                try:
                    text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
                except UnicodeDecodeError:
                    raise ValueError("not UTF-8 text") from None
                if not text.strip():
                    continue
                obj = loads(text)  # the one rule for JSON (safetynet.json_text)
                row: dict[str, object] = {"claim_no": str(obj["claim_no"])}
                for lid, layer in obj["layers"].items():
                    row[f"pay_{lid}"] = to_fen(layer["paid"])
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ResultsFileError(
                    f"{path}: line {n}: not a settlement result ({exc})"
                ) from None
            rows.append(row)
    return pl.from_dicts(rows, infer_schema_length=None)


def compare_results(replayed: pl.DataFrame, before: pl.DataFrame) -> Resettlement:
    """Per claim and layer, what the replay pays against what was paid before."""
    layers = layer_ids(replayed)
    now = replayed.select(
        "claim_no", "person_id", "date", *[pl.col(f"pay_{lid}") for lid in layers]
    )
    before = before.select(
        "claim_no",
        *[
            pl.col(f"pay_{lid}").alias(f"before_{lid}")
            for lid in layers
            if f"pay_{lid}" in before.columns
        ],
    )
    joined = now.join(before, on="claim_no", how="left")
    missing = now.join(before, on="claim_no", how="anti").get_column("claim_no").to_list()
    long = pl.concat(
        [
            joined.select(
                "claim_no",
                "person_id",
                "date",
                pl.lit(lid).alias("layer"),
                (pl.col(f"before_{lid}") if f"before_{lid}" in joined.columns else pl.lit(0))
                .fill_null(0)
                .cast(pl.Int64)
                .alias("paid_before"),
                pl.col(f"pay_{lid}").cast(pl.Int64).alias("paid_now"),
            )
            for lid in layers
        ]
    ).with_columns((pl.col("paid_now") - pl.col("paid_before")).alias("difference"))
    differences = long.filter(pl.col("difference") != 0).sort("person_id", "date", "claim_no")
    persons = (
        long.group_by("person_id")
        .agg(
            pl.col("claim_no").n_unique().alias("claims"),
            pl.col("paid_before").sum(),
            pl.col("paid_now").sum(),
            pl.col("difference").sum(),
        )
        .filter(pl.col("paid_before") != pl.col("paid_now"))
        .sort("difference", descending=True)
    )
    return Resettlement(differences, persons, replayed, missing)


def resettle(
    cp: CompiledPolicy,
    claims_path: str | Path,
    results_path: str | Path,
    *,
    person_id: str | None = None,
) -> Resettlement:
    """Replay the claim file (optionally one person's claims) and compare with earlier results."""
    replayed = settle_claims(cp, claims_path)
    if person_id is not None:
        replayed = replayed.filter(pl.col("person_id") == person_id)
    return compare_results(replayed, read_results(results_path))
