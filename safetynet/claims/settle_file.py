"""Settle a claim file under a policy (the service behind `safetynet settle`) and write results.

Results, one row per claim in file order: the claim's identity, each layer's payment and
the rule that paid it, what review deducted (borne by the institution) and what the patient
pays. JSON lines carry yuan as strings with two decimals; Parquet carries integer fen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from safetynet.claims.fileformat import (
    ClaimFile,
    ClaimFileError,
    ClaimFileRejected,
    read_claim_file,
)
from safetynet.claims.prepare import HouseholdConflict, engine_input, to_batch
from safetynet.engine.batch import settle_batch, settle_in_ranges
from safetynet.engine.compile import CompiledPolicy
from safetynet.i18n import N_

RESULT_COLUMNS = (
    "claim_no",
    "person_id",
    "household_id",
    "date",
    "kind",
    "level",
    "status_mask",
    "total_fen",
    "compliant_fen",
    "deducted_fen",
    "merged_into",
)


def check_dates(cp: CompiledPolicy, cf: ClaimFile, path: Path) -> None:
    """Refuse claims dated outside the policy's validity (every such line, in order)."""
    p = cp.policy
    outside = cf.claims.filter((pl.col("date") < p.valid_from) | (pl.col("date") > p.valid_to))
    if outside.height:
        raise ClaimFileRejected(
            path,
            [
                ClaimFileError(
                    int(n),
                    "date",
                    N_("outside policy %(policy)s (%(start)s to %(end)s)"),
                    {"policy": p.id, "start": p.valid_from, "end": p.valid_to},
                )
                for n in outside.get_column("_line").sort().to_list()
            ],
        )


def results_table(cp: CompiledPolicy, prepared: pl.DataFrame) -> pl.DataFrame:
    """The results of prepared claims: the columns `safetynet settle` writes."""
    settled = settle_batch(cp, to_batch(prepared))
    pay_cols = [c for c in settled.columns if c.startswith(("pay_", "rule_"))]
    return pl.concat(
        [prepared.select(RESULT_COLUMNS), settled.select(*pay_cols, "out_of_pocket_fen")],
        how="horizontal",
    )


def results_in_ranges(
    cp: CompiledPolicy, prepared: pl.DataFrame, rows: int, *, n_parts: int | None = None
) -> Iterator[pl.DataFrame]:
    """``results_table`` in consecutive ranges of at most ``rows`` claims, in order: a
    range's results can be written while the next one settles. Concatenated, the same
    table as ``results_table``."""
    lo = 0
    for settled in settle_in_ranges(cp, to_batch(prepared), rows, n_parts=n_parts):
        ids = prepared.slice(lo, settled.height).select(RESULT_COLUMNS)
        lo += settled.height
        yield pl.concat([ids, settled], how="horizontal")


def settle_claims(cp: CompiledPolicy, claims_path: str | Path) -> pl.DataFrame:
    """Read, check and settle a claim file; raise ``ClaimFileRejected`` on any bad claim."""
    path = Path(claims_path)
    cf = read_claim_file(path)
    check_dates(cp, cf, path)
    try:
        prepared = engine_input(cf, cp)
    except HouseholdConflict as exc:
        raise ClaimFileRejected(path, exc.errors) from None
    return results_table(cp, prepared)


def layer_ids(results: pl.DataFrame) -> list[str]:
    return [c.removeprefix("pay_") for c in results.columns if c.startswith("pay_")]


def write_results(results: pl.DataFrame, out: str | Path) -> None:
    out = Path(out)
    if out.suffix == ".parquet":
        results.write_parquet(out, compression="zstd")
        return
    layers = layer_ids(results)
    with out.open("w", encoding="utf-8") as fh:
        for row in results.iter_rows(named=True):
            record = {
                "claim_no": row["claim_no"],
                "person_id": row["person_id"],
                "date": row["date"].isoformat(),
                "total": _yuan(row["total_fen"]),
                "compliant": _yuan(row["compliant_fen"]),
                "layers": {
                    lid: {"paid": _yuan(row[f"pay_{lid}"]), "rule": row[f"rule_{lid}"]}
                    for lid in layers
                },
                "institution_borne": _yuan(row["deducted_fen"]),
                "out_of_pocket": _yuan(row["out_of_pocket_fen"]),
            }
            if row["merged_into"]:
                record["merged_into"] = row["merged_into"]
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"
