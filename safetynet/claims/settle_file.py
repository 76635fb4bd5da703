"""Settle a claim file under a policy (the service behind `safetynet settle`) and write results.

Results, one row per claim in file order: the claim's identity, each layer's payment and
the rule that paid it, what review deducted (borne by the institution) and what the patient
pays. JSON lines carry yuan as strings with two decimals; Parquet carries integer fen.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from safetynet.claims.fileformat import (
    ClaimFile,
    ClaimFileError,
    ClaimFileRejected,
    read_claim_file,
)
from safetynet.claims.prepare import HouseholdConflict, engine_input, to_batch
from safetynet.engine import layout as L
from safetynet.engine.batch import RangeResults, settle_batch, settle_ranges
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


# Columns no settled claim leaves empty (the file's checks require or fill the identity and
# amounts; the kernel writes every payment): written as required Parquet columns, with no
# definition levels to encode (~0.15 CPU-s of the county's 4.1 M claims); read back, the
# same frame.
NEVER_NULL = frozenset(
    {"claim_no", "person_id", "household_id", "date", "kind", "level", "status_mask"}
    | {"total_fen", "compliant_fen", "deducted_fen", "out_of_pocket_fen"}
)


def never_null(column: str) -> bool:
    """Whether a results column is one of ``NEVER_NULL`` or a layer's payment."""
    return column in NEVER_NULL or column.startswith("pay_")


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


HOUSEHOLD_REQUIRED = N_(
    "required: policy %(policy)s keeps annual pools per household, so every claim names its "
    "household"
)


def check_households(cp: CompiledPolicy, cf: ClaimFile, path: Path) -> None:
    """Under a policy that keeps a pool per household (``cap_scope: household``), refuse the
    claims that name no household: settled as a household of one, their caps would be the
    person's, silently (a policy with person pools alone takes the person as the
    household, as docs/formats.md says)."""
    if cf.households_missing and cp.keeps_state(household=True):
        problems = [
            ClaimFileError(n, "household_id", HOUSEHOLD_REQUIRED, {"policy": cp.policy.id})
            for n in cf.households_missing_lines
        ]
        raise ClaimFileRejected(path, problems, total=cf.households_missing)


def check_for_policy(cp: CompiledPolicy, cf: ClaimFile, path: Path) -> None:
    """What a policy asks of a claim file before it is settled: dates within the policy
    (``check_dates``), and a household on every claim where it keeps household pools
    (``check_households``)."""
    check_dates(cp, cf, path)
    check_households(cp, cf, path)


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
    for part in settle_ranges(cp, to_batch(prepared), rows, n_parts=n_parts):
        ids = prepared.slice(lo, part.rows).select(RESULT_COLUMNS)
        lo += part.rows
        yield pl.concat([ids, part.frame(cp)], how="horizontal")


class ArrowResults:
    """The results of a batch's claims as Arrow tables, built straight from the kernel's
    arrays (no Polars frame of results, no cast, no concatenation): the claim's identity
    columns are the prepared frame's own buffers (strings as Arrow string views, their
    bytes not copied), each layer's payment the kernel's array and its rule a dictionary array over
    the layer's rule ids (null where no rule applied). ``schema`` is the same columns and
    types as ``results_table(...).to_arrow()`` (rules as Polars Enums), bar the string
    columns' Arrow type and the columns no claim leaves empty (``never_null``) marked not
    nullable: read back, the same frame."""

    def __init__(self, cp: CompiledPolicy, prepared: pl.DataFrame) -> None:
        self.cp = cp
        self.ids = prepared.select(RESULT_COLUMNS)
        empty = RangeResults(
            np.empty((cp.n_layers, 0), np.int64),
            np.empty((cp.n_layers, 0), np.uint32),
            np.empty((cp.n_layers, 0), np.bool_),
            np.empty(0, np.int64),
        )
        layers = empty.frame(cp).to_arrow().schema
        ids = self._ids(0, 0).schema
        self.schema = pa.schema([f.with_nullable(not never_null(f.name)) for f in (*ids, *layers)])
        self._dictionaries: list[pa.Array | None] = []
        for li in range(cp.n_layers):
            first, last = int(cp.layers[li, L.L_RULE_START]), int(cp.layers[li, L.L_RULE_END])
            kind = layers.field(2 * li + 1).type
            self._dictionaries.append(
                pa.array([r.rule_id for r in cp.rules[first:last]], kind.value_type)
                if pa.types.is_dictionary(kind)
                else None
            )

    def _ids(self, lo: int, rows: int) -> pa.Table:
        """The identity columns of rows ``lo`` to ``lo + rows`` (a range at a time: Arrow's
        views of the strings take memory, a quarter of a gigabyte for 4 M claims at once)."""
        return self.ids.slice(lo, rows).to_arrow(compat_level=pl.CompatLevel.newest())

    def table(self, lo: int, part: RangeResults) -> pa.Table:
        """The results of rows ``lo`` to ``lo + part.rows`` (the kernel's ``part``)."""
        columns = list(self._ids(lo, part.rows).columns)
        for name, column in zip(RESULT_COLUMNS, columns, strict=True):
            if column.null_count and never_null(name):  # the checks and the engine's input
                raise ValueError(f"results: {name} is missing on a settled claim")
        for li, dictionary in enumerate(self._dictionaries):
            columns.append(pa.array(part.pay[li]))
            if dictionary is None:  # a layer without rules: its rule column is all null
                columns.append(pa.nulls(part.rows, self.schema.field(len(columns)).type))
                continue
            kind = self.schema.field(len(columns)).type
            indices = pa.array(
                part.rule[li].astype(kind.index_type.to_pandas_dtype()), mask=~part.applied[li]
            )
            columns.append(pa.DictionaryArray.from_arrays(indices, dictionary, ordered=True))
        columns.append(pa.array(part.oop))
        return pa.Table.from_arrays(columns, schema=self.schema)


def arrow_in_ranges(
    cp: CompiledPolicy, prepared: pl.DataFrame, rows: int, *, n_parts: int | None = None
) -> Iterator[pa.Table]:
    """``results_in_ranges`` as Arrow tables (``ArrowResults``): what a Parquet file of
    results is written from. Read back, concatenated, the same frame as ``results_table``."""
    for _rows, table in arrow_ranges_unbuilt(cp, prepared, rows, n_parts=n_parts):
        yield table()


def arrow_ranges_unbuilt(
    cp: CompiledPolicy,
    prepared: pl.DataFrame,
    rows: int,
    *,
    n_parts: int | None = None,
    arrow: Callable[[], ArrowResults] | None = None,
) -> Iterator[tuple[int, Callable[[], pa.Table]]]:
    """``arrow_in_ranges`` with each range's table left for its writer to build: per range,
    its number of claims and a function that makes its Arrow table from the kernel's arrays
    — in the results writer's thread, beside the kernel's next range, so the kernel's thread
    only settles. ``arrow`` gives the batch's ``ArrowResults`` (e.g. one made in the
    writer's thread while the kernel's run starts); by default the first call makes it."""
    made: list[ArrowResults] = []

    def table(lo: int, part: RangeResults) -> pa.Table:
        if arrow is not None:
            return arrow().table(lo, part)
        if not made:
            made.append(ArrowResults(cp, prepared))
        return made[0].table(lo, part)

    lo = 0
    for part in settle_ranges(cp, to_batch(prepared), rows, n_parts=n_parts):
        yield part.rows, functools.partial(table, lo, part)
        lo += part.rows


def settle_claims(cp: CompiledPolicy, claims_path: str | Path) -> pl.DataFrame:
    """Read, check and settle a claim file; raise ``ClaimFileRejected`` on any bad claim."""
    path = Path(claims_path)
    cf = read_claim_file(path)
    check_for_policy(cp, cf, path)
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
