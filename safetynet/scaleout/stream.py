"""Settle (or simulate) a claim file batch by batch, each batch a set of whole households.

One pass over the data: each batch is read, checked and prepared once, settled under every
policy asked for (base and reform for a simulation), and its results are appended to the
results file and folded into the run's totals. A batch holds at most ``batch_claims``
claims (bar hash skew), so memory is bounded by the batch, not the file. Results are the
same as settling the file in one piece; with more than one batch they come batch by batch
(in file order within a batch).
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from safetynet.claims.fileformat import (
    ClaimFile,
    ClaimFileRejected,
    check_opens,
    parquet_claims,
    read_claim_file,
)
from safetynet.claims.prepare import HouseholdConflict, engine_input
from safetynet.claims.settle_file import (
    ArrowResults,
    arrow_ranges_unbuilt,
    check_for_policy,
    results_in_ranges,
    results_table,
    write_results,
)
from safetynet.engine.batch import KIND_ENUM
from safetynet.engine.compile import CompiledPolicy
from safetynet.policy.diseases import group_prefixes
from safetynet.scaleout.fold import fold
from safetynet.scaleout.households import PersonsSeen
from safetynet.scaleout.partition import file_rows, household_batches
from safetynet.scaleout.warm import WarmUp
from safetynet.simulation.compare import POOR_MASK

DEFAULT_BATCH_CLAIMS = 5_000_000
RANGE_ROWS = 262_144  # claims settled, then written, at a time (a row group of the results)
# passes of the kernel in parallel: one, while the writer's thread writes (two busy cores;
# two passes and the writer cost more CPU in all and take no less time)
RANGE_PASSES = 1
READ_AHEAD = True  # the next batch made while this one settles (``read_ahead``)
T = TypeVar("T")


# fields that settling does not use and no check reads: not read (their types are checked)
UNREAD = ("doctor",)


@contextlib.contextmanager
def heap_spared() -> Iterator[None]:
    """For the length of a run over a file, the objects alive before it (the libraries, the
    compiled policies) are left out of the garbage collector's passes (``gc.freeze``): a
    run allocates few Python objects, but each full pass of the collector would walk all of
    those (about 0.1 CPU-s of a run over the 1,000,000-person county). Nothing is done in a
    process that froze its heap itself (the web app: its frozen objects stay frozen)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def parquet_rows(raw: pl.DataFrame | pl.LazyFrame, path: Path) -> ClaimFile:
    """Check Parquet rows (with their ``_line``) as ``read_claim_file`` checks a file; the
    fields settling does not use (``UNREAD``) are left unread, not in the claims."""
    return parquet_claims(raw, path, unread=UNREAD)


def batches(path: Path, batch_claims: int) -> Iterator[ClaimFile]:
    """The file's claims, checked, one ``ClaimFile`` per household partition."""
    check_opens(path)
    if path.suffix.lower() != ".parquet":  # JSON lines: read whole (a format for small files)
        yield read_claim_file(path)
        return
    with household_batches(path, batch_claims) as frames:
        for raw in frames:
            yield parquet_rows(raw, path)


def _prep_key(cp: CompiledPolicy) -> tuple[object, ...]:
    """Policies with the same key prepare claims the same way (prepared once for both)."""
    return (cp.policy.claims.pre_admission_days, tuple(group_prefixes(cp.policy).items()))


def settle_batches(
    policies: list[CompiledPolicy], path: Path, batch_claims: int = DEFAULT_BATCH_CLAIMS
) -> Iterator[list[pl.DataFrame]]:
    """Per batch, the results under each policy (in the order given)."""
    for keyed in _settle_keyed(policies, path, batch_claims):
        yield [results for results, _person in keyed]


def prepared_batches(
    policies: list[CompiledPolicy], path: Path, batch_claims: int
) -> Iterator[dict[tuple[object, ...], pl.DataFrame]]:
    """Per batch, the claims checked (dates under every policy) and prepared, once for
    policies that prepare them the same way (keyed by ``_prep_key``). The kernels are
    loaded in a thread while the first batch is read (``scaleout.warm``)."""
    check_opens(path)
    warm: WarmUp | None = WarmUp(policies[0]) if policies else None
    several = path.suffix.lower() == ".parquet" and file_rows(path) > batch_claims
    seen = PersonsSeen() if several else None  # a person in households of two batches
    for cf in batches(path, batch_claims):
        for cp in policies:
            check_for_policy(cp, cf, path)
        if seen is not None:
            seen.add(cf.claims, path)
        if warm is not None:
            warm.join()
            warm = None
        prepared: dict[tuple[object, ...], pl.DataFrame] = {}
        for cp in policies:
            key = _prep_key(cp)
            if key not in prepared:
                try:
                    prepared[key] = engine_input(cf, cp)
                except HouseholdConflict as exc:
                    raise ClaimFileRejected(path, exc.errors) from None
        yield prepared


_END = object()


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """The items, the next one made in a thread while the caller uses this one: the next
    household batch is read, checked and prepared while this one is settled and written
    (Polars, pyarrow and the kernels release the GIL). At most two batches are held at
    once; an error making the next one is raised when the caller asks for it, after this
    one is done (so a batch's problems still show only once the earlier ones are clean)."""
    if not READ_AHEAD:
        yield from items
        return
    with ThreadPoolExecutor(1, thread_name_prefix="next-batch") as pool:
        pending = pool.submit(next, items, _END)
        while True:
            item = pending.result()
            if item is _END:
                return
            pending = pool.submit(next, items, _END)
            yield item  # type: ignore[misc]


def _settle_keyed(
    policies: list[CompiledPolicy], path: Path, batch_claims: int
) -> Iterator[list[tuple[pl.DataFrame, pl.Series]]]:
    """Per batch, under each policy: the results and each row's dense person key."""
    for prepared in read_ahead(prepared_batches(policies, path, batch_claims)):
        yield [
            (results_table(cp, p), p.get_column("person_key"))
            for cp in policies
            for p in (prepared[_prep_key(cp)],)
        ]


@dataclass
class Totals:
    """What the run paid, per layer and in all (fen)."""

    claims: int = 0
    layers: dict[str, int] = field(default_factory=dict)
    deducted: int = 0
    out_of_pocket: int = 0
    total: int = 0

    def add(self, results: pl.DataFrame | pa.Table) -> None:
        if isinstance(results, pa.Table):
            sums = {
                name: pc.sum(results.column(name)).as_py() or 0
                for name in results.column_names
                if name.startswith("pay_")
                or name in ("deducted_fen", "out_of_pocket_fen", "total_fen")
            }
            self.claims += results.num_rows
        else:
            sums = results.select(
                pl.col("^pay_.*$", "deducted_fen", "out_of_pocket_fen", "total_fen").sum()
            ).row(0, named=True)
            self.claims += results.height
        for name, value in sums.items():
            if name.startswith("pay_"):
                lid = name.removeprefix("pay_")
                self.layers[lid] = self.layers.get(lid, 0) + int(value)
        self.deducted += int(sums["deducted_fen"])
        self.out_of_pocket += int(sums["out_of_pocket_fen"])
        self.total += int(sums["total_fen"])


class ResultsWriter:
    """Appends results batch by batch to a temporary file, renamed into place on success
    (nothing is left behind when a later batch is rejected).

    Parquet batches are written by a background thread (pyarrow releases the GIL), so a
    batch is written while the next one is read and settled. Dictionary encoding is asked
    only where values repeat (not of claim numbers and person and household ids) and no
    column statistics are kept: the documented columns and types are the same, and the
    file is written in well under half the time.
    """

    IDS = ("claim_no", "person_id", "household_id")
    COMPRESSION = "zstd"
    COMPRESSION_LEVEL = 1

    def __init__(self, out: Path) -> None:
        self.out = out
        self.tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
        self._parquet: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._started = False
        self._thread: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None
        self.cpu_seconds = 0.0  # CPU time of the writer's thread (Parquet)

    @property
    def arrow(self) -> bool:
        """Whether the results are best given as Arrow tables (a Parquet file)."""
        return self.out.suffix == ".parquet"

    def write(
        self,
        results: pl.DataFrame | pa.Table | Callable[[], pa.Table],
        then: Callable[[pa.Table], None] | None = None,
    ) -> None:
        """Append results: a frame, an Arrow table, or (Parquet only) a function that makes
        the table in the writer's thread — or in this one, while the writer is still busy
        with the previous results (the two threads share the work of making tables, whichever
        would otherwise wait); ``then`` is given the table in the writer's thread once
        written (e.g. to add it to the totals)."""
        if self.out.suffix == ".parquet":
            if callable(results) and self._pending is not None and not self._pending.done():
                results = results()
            self._wait()
            if self._thread is None:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="results-writer")
            self._pending = self._thread.submit(self._write_parquet, results, then)
            return
        assert not callable(results) and then is None
        part = self.tmp.with_name(self.tmp.name + ".part")
        if isinstance(results, pa.Table):
            results = pl.DataFrame(pl.from_arrow(results))
        write_results(results, part)
        with self.tmp.open("ab" if self._started else "wb") as fh:
            fh.write(part.read_bytes())
        part.unlink()
        self._started = True

    def ahead(self, make: Callable[[], T]) -> Future[T]:
        """``make`` run in the writer's thread (Parquet) before the results given after it,
        e.g. what the writing will need, made while this thread starts settling; its CPU
        time is the writer's."""
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="results-writer")

        def timed() -> T:
            start = time.thread_time()
            try:
                return make()
            finally:
                self.cpu_seconds += time.thread_time() - start

        return self._thread.submit(timed)

    def _write_parquet(
        self,
        results: pl.DataFrame | pa.Table | Callable[[], pa.Table],
        then: Callable[[pa.Table], None] | None,
    ) -> None:
        """In the writer's thread: the results as Arrow (made here if given as a function),
        appended to the file (the first batch's types are the file's), then given to
        ``then``; the thread's CPU time is added to ``cpu_seconds``."""
        start = time.thread_time()
        if callable(results):
            results = results()
        table = results if isinstance(results, pa.Table) else results.to_arrow()
        if self._parquet is None:
            self._schema = table.schema
            self._parquet = pq.ParquetWriter(
                self.tmp,
                table.schema,
                compression=self.COMPRESSION,
                compression_level=self.COMPRESSION_LEVEL,
                use_dictionary=[c for c in table.column_names if c not in self.IDS],
                write_statistics=False,
            )
        elif not table.schema.equals(self._schema):
            assert self._schema is not None
            table = table.cast(self._schema)
        self._parquet.write_table(table)
        if then is not None:
            then(table)
        self.cpu_seconds += time.thread_time() - start

    def flush(self) -> None:
        """Wait until every batch given so far is written (e.g. to time the writing)."""
        self._wait()

    def _wait(self) -> None:
        """Wait for the batch being written (raising what it raised)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _close(self) -> None:
        try:
            self._wait()
        finally:
            if self._thread is not None:
                self._thread.shutdown()
            if self._parquet is not None:
                self._parquet.close()

    def commit(self) -> None:
        self._close()
        if self.tmp.exists():
            self.tmp.replace(self.out)

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # the error that made us abort is the one to see
            self._close()
        self.tmp.unlink(missing_ok=True)


def settle_file(
    cp: CompiledPolicy,
    path: Path,
    out: Path,
    batch_claims: int = DEFAULT_BATCH_CLAIMS,
    on_batch: Callable[[int], None] | None = None,
) -> Totals:
    """`safetynet settle` in process: stream the file's households, write the results."""
    totals = Totals()
    writer = ResultsWriter(out)
    try:
        with heap_spared():
            for prepared in read_ahead(prepared_batches([cp], path, batch_claims)):
                settle_and_write(cp, prepared[_prep_key(cp)], writer, totals, on_batch)
    except BaseException:
        writer.abort()
        raise
    writer.commit()
    return totals


def settle_and_write(
    cp: CompiledPolicy,
    prepared: pl.DataFrame,
    writer: ResultsWriter,
    totals: Totals,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Settle a batch's prepared claims range by range, each range's results written (in
    the writer's thread) while the next settles — for a Parquet file as Arrow tables built
    from the kernel's arrays in the writer's thread too (and added to the totals there),
    so this thread only settles; the number of claims."""
    rows = 0
    if writer.arrow:
        # the tables' maker (its first making costs ~0.15 CPU-s) in the writer's thread while
        # this one checks the claims and starts the kernel's run
        arrow = writer.ahead(lambda: ArrowResults(cp, prepared)).result
        ranges = arrow_ranges_unbuilt(cp, prepared, RANGE_ROWS, n_parts=RANGE_PASSES, arrow=arrow)
        for n, table in ranges:
            writer.write(table, then=totals.add)
            rows += n
            if on_batch:
                on_batch(n)
        return rows
    for results in results_in_ranges(cp, prepared, RANGE_ROWS, n_parts=RANGE_PASSES):
        writer.write(results)
        totals.add(results)
        n = results.num_rows if isinstance(results, pa.Table) else results.height
        rows += n
        if on_batch:
            on_batch(n)
    return rows


def for_compare(results: pl.DataFrame, person_key: pl.Series | None = None) -> pl.DataFrame:
    """Results folded to one row per person, year, poor/not-poor and kind of claim:
    everything ``simulation.compare`` reads (spending per layer, ratios, annual
    out-of-pocket), at a fraction of the rows — what a batch keeps for the comparison.

    ``person_key`` (the batch's dense person keys, one per row) groups on integers instead
    of the id strings, in linear time (``scaleout.fold``): the same groups, several times
    faster."""
    sums = [c for c in results.columns if c.startswith("pay_")]
    sums += ["out_of_pocket_fen", "total_fen", "compliant_fen"]
    folded = fold(results, person_key, POOR_MASK, sums) if person_key is not None else None
    if folded is not None:
        return folded
    poor = (pl.col("status_mask") & POOR_MASK) != 0
    person: str | pl.Expr = "person_id"
    if person_key is not None:
        results = results.with_columns(person_key.alias("_person"))
        person = "_person"
    return (
        results.group_by(
            person,
            pl.col("date").dt.year().alias("_year"),
            poor.alias("_poor"),
            pl.col("kind").cast(KIND_ENUM).alias("_kind"),
        )
        .agg(
            *([pl.col("person_id").first()] if person_key is not None else []),
            pl.col("^pay_.*$", "out_of_pocket_fen", "total_fen", "compliant_fen").sum(),
        )
        .select(
            "person_id",
            pl.date(pl.col("_year"), 1, 1).alias("date"),
            pl.when(pl.col("_poor"))
            .then(POOR_MASK)
            .otherwise(0)
            .cast(pl.Int64)
            .alias("status_mask"),
            pl.col("_kind").cast(pl.String).alias("kind"),
            pl.col("^pay_.*$"),
            "out_of_pocket_fen",
            "total_fen",
            "compliant_fen",
        )
    )


def simulate_file(
    base: CompiledPolicy,
    reform: CompiledPolicy,
    path: Path,
    batch_claims: int = DEFAULT_BATCH_CLAIMS,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Base and reform settled in one pass over the file; both folded for ``compare``."""
    folded_base, folded_reform = [], []
    with heap_spared():
        for (rb, kb), (rr, kr) in _settle_keyed([base, reform], path, batch_claims):
            folded_base.append(for_compare(rb, kb))
            folded_reform.append(for_compare(rr, kr))
    return pl.concat(folded_base, how="diagonal"), pl.concat(folded_reform, how="diagonal")
