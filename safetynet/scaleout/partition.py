"""Household partitions of a Parquet claim file, with bounded memory.

A file that fits one batch is read whole. A bigger one is cut into ``k`` buckets by a hash
of ``household_id``, so a household — and so every person's claims — lands in exactly one
bucket: each bucket read by a pass over the file that keeps its rows as it reads (up to
``MAX_PASSES`` buckets: no more than a bucket is held), or, for more, the file spilled once
into bucket files (each batch of rows read, cut and appended, so memory holds one read
batch). Each row keeps its 1-based row number in the file as ``_line``, so problems
name the file's rows and the default submission sequence is the file's order.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from safetynet.claims.fileformat import ClaimFileError, ClaimFileRejected, scan_parquet
from safetynet.i18n import N_

READ_ROWS = 1_000_000  # rows per read batch while spilling
# up to this many batches, each is read by a pass over the file filtering on the household's
# bucket (about 0.1 CPU-s per pass per million claims, no temporary files); beyond, the file
# is spilled into bucket files once (about 1.2 CPU-s per million claims, and its size on disk)
MAX_PASSES = 16
NEEDS_HOUSEHOLD = N_(
    "column missing: claims are partitioned by household, so the file needs person_id and "
    "household_id"
)


def _missing(path: Path, names: list[str], needed: tuple[str, ...]) -> None:
    absent = [c for c in needed if c not in names]
    if absent:
        raise ClaimFileRejected(
            path,
            [
                ClaimFileError(
                    1,
                    c,
                    NEEDS_HOUSEHOLD,
                )
                for c in absent
            ],
        )


def file_rows(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def bucket_expr(k: int) -> pl.Expr:
    """The bucket of a row: a hash of its household id modulo ``k`` (same in every engine)."""
    return (pl.col("household_id").cast(pl.String).hash(seed=11) % k).cast(pl.Int32)


@contextmanager
def household_batches(path: Path, batch_claims: int) -> Iterator[Iterator[pl.LazyFrame]]:
    """Raw claim rows (with ``_line``), one frame per household partition, each to be read
    when it is collected (so it can be read and checked in one streaming pass).

    Yields an iterator of frames; bucket files (if spilled) live in a temporary folder for
    the duration.
    """
    rows = file_rows(path)
    if rows <= batch_claims:
        yield iter([scan_parquet(path)])
        return
    names = pq.ParquetFile(path).schema_arrow.names
    _missing(path, names, ("person_id", "household_id"))
    k = math.ceil(rows / batch_claims)
    if k <= MAX_PASSES:
        yield (_bucket(path, k, b) for b in range(k))
        return
    with tempfile.TemporaryDirectory(prefix="safetynet-buckets-") as tmp:
        files = _spill(path, Path(tmp), k)
        yield (pl.scan_parquet(f) for f in files)


def _bucket(path: Path, k: int, b: int) -> pl.LazyFrame:
    """The rows of bucket ``b`` of ``k``, in file order, by one pass over the file that
    filters as it reads: Polars decodes ``household_id`` first and the other columns only
    for the rows kept."""
    return scan_parquet(path).filter(bucket_expr(k) == b)


def _spill(path: Path, folder: Path, k: int) -> list[Path]:
    source = pq.ParquetFile(path)
    schema = source.schema_arrow.insert(0, pa.field("_line", pa.int64()))
    files = [folder / f"bucket-{i:05d}.parquet" for i in range(k)]
    writers = [pq.ParquetWriter(f, schema, compression="lz4") for f in files]
    try:
        offset = 1
        for batch in source.iter_batches(batch_size=READ_ROWS):
            frame = pl.from_arrow(pa.Table.from_batches([batch]))
            assert isinstance(frame, pl.DataFrame)
            frame = frame.with_columns(
                pl.int_range(offset, offset + frame.height, dtype=pl.Int64).alias("_line"),
                bucket_expr(k).alias("_bucket"),
            )
            offset += frame.height
            for (b,), part in frame.partition_by("_bucket", as_dict=True).items():
                table = part.drop("_bucket").select(schema.names).to_arrow()
                writers[int(b)].write_table(table.cast(schema))
    finally:
        for w in writers:
            w.close()
    return files
