"""The same compiled kernel on Apache Spark: settle and simulate a claim file on a cluster.

The plan: read the Parquet claims (each row keeps its 1-based row number in its file as
``_line``, Spark's ``_metadata.row_index``), ``repartition`` by ``household_id`` so a
household — and every person's claims — is in one partition, ``sortWithinPartitions`` by
household, date and row, and ``mapInArrow`` a function that runs, per partition, exactly
the in-process steps (check, prepare, settle under each policy; see ``stream``). The
compiled policies travel once to every executor as a broadcast variable. Nothing runs per
person in Python: a partition is one Polars frame and one call of the numba kernel.

``settle`` writes the results as a Parquet folder (one file per partition) on the
storage the cluster shares; ``simulate`` folds each partition to person-year rows (as
``stream.for_compare``) and brings only those back for the comparison.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from safetynet.claims.fileformat import ClaimFileError, ClaimFileRejected
from safetynet.claims.prepare import conflicts
from safetynet.engine.compile import CompiledPolicy
from safetynet.scaleout.partition import NEEDS_HOUSEHOLD


class SparkUnavailable(RuntimeError):
    """PySpark is not installed, or the master cannot be reached."""


@dataclass(frozen=True)
class SparkRun:
    claims: int
    partitions: int
    seconds: float
    partition_seconds: list[float]  # the settle function's own time in each partition
    partition_claims: list[int]

    @property
    def partition_claims_per_second(self) -> list[float]:
        return [
            c / s for c, s in zip(self.partition_claims, self.partition_seconds, strict=True) if s
        ]


def session(master: str, app: str = "safetynet", timeout_s: int = 60) -> Any:
    """A SparkSession on ``master``; a clear ``SparkUnavailable`` when it cannot start."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable(
            "PySpark is not installed: pip install 'safetynet[spark]' (and Java 17+)"
        ) from exc
    _reachable(master)
    # local workers run this interpreter (with SafetyNet); on a cluster PYSPARK_PYTHON names
    # the executors' environment (docs/spark.md)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "1000000")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.network.timeout", f"{timeout_s}s")
        .config("spark.executor.heartbeatInterval", f"{max(timeout_s // 4, 1)}s")
    )
    try:
        spark = builder.getOrCreate()
        # a standalone master that cannot be reached only shows when work is asked for
        spark.sparkContext.setJobDescription("safetynet: connect")
        _probe(spark, timeout_s)
    except SparkUnavailable:
        raise
    except Exception as exc:  # Py4J / Java errors carry the reason in their text
        raise SparkUnavailable(
            f"cannot start Spark on master {master}: {_first_line(exc)}"
        ) from None
    return spark


def _reachable(master: str, timeout_s: float = 5.0) -> None:
    """A standalone master (``spark://host:port[,host:port]``) must accept a connection; Spark
    itself would retry for a minute before giving up."""
    if not master.startswith("spark://"):
        return
    problems = []
    for hostport in master.removeprefix("spark://").split(","):
        host, _, port = hostport.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=timeout_s):
                return
        except (OSError, ValueError) as exc:
            problems.append(
                f"{hostport}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}"
            )
    raise SparkUnavailable(f"cannot reach Spark master {master} ({'; '.join(problems)})")


def _probe(spark: Any, timeout_s: int) -> None:
    """Run a tiny job; give up after ``timeout_s`` when no executor ever takes it."""
    import threading

    done: list[object] = []

    def job() -> None:
        try:
            done.append(spark.sparkContext.parallelize([1], 1).count())
        except Exception as exc:
            done.append(exc)

    t = threading.Thread(target=job, daemon=True)
    t.start()
    t.join(timeout_s)
    if not done:
        master = spark.sparkContext.master
        spark.sparkContext.cancelAllJobs()
        spark.stop()
        raise SparkUnavailable(
            f"Spark master {master} did not run a job within {timeout_s} s "
            "(unreachable, or no executors)"
        )
    if isinstance(done[0], Exception):
        master = spark.sparkContext.master
        spark.stop()
        raise SparkUnavailable(f"Spark master {master} failed a job: {_first_line(done[0])}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _read(spark: Any, path: str) -> Any:
    from pyspark.sql import functions as F

    df = spark.read.parquet(str(path))
    missing = [c for c in ("person_id", "household_id") if c not in df.columns]
    if missing:
        raise ClaimFileRejected(
            Path(path),
            [
                ClaimFileError(
                    1,
                    c,
                    NEEDS_HOUSEHOLD,
                )
                for c in missing
            ],
        )
    return df.withColumn("_line", F.col("_metadata.row_index") + F.lit(1))


SHOWN_CONFLICTS = 20  # persons in two households named in the refusal


def _one_household_each(df: Any, path: str) -> None:
    """Refuse the file when a person's claims name two households: partitioned by household,
    that person would be settled in two partitions, each with part of the year (ceilings and
    deductibles counted anew), and no executor could see it. One distinct (person, household)
    job over the file; the refusal names the first persons' lines and households."""
    from pyspark.sql import functions as F

    pairs = df.select("person_id", "household_id").distinct()
    twice = (
        pairs.groupBy("person_id").count().filter(F.col("count") > 1)
        .select("person_id").limit(SHOWN_CONFLICTS)
    )  # fmt: skip
    found = [r["person_id"] for r in twice.collect()]
    if not found:
        return
    rows = (
        df.where(F.col("person_id").isin(found))
        .select("_line", F.col("person_id").cast("string"), F.col("household_id").cast("string"))
        .collect()
    )
    frame = pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"_line": pl.Int64, "person_id": pl.String, "household_id": pl.String},
        orient="row",
    )
    raise ClaimFileRejected(Path(path), conflicts(frame))


def _partitioned(df: Any, partitions: int) -> Any:
    order = ["household_id", "date", "_line"]
    return df.repartition(partitions, "household_id").sortWithinPartitions(*order)


_REJECTED = ("<<safetynet-rejected>>", "<</safetynet-rejected>>")


def _carried(exc: ClaimFileRejected) -> RuntimeError:
    """An executor's refusal as an error Spark carries to the driver (in its message)."""
    errors = [[e.line, e.field, e.message, e.params] for e in exc.errors]
    return RuntimeError(_REJECTED[0] + json.dumps(errors, default=str) + _REJECTED[1])


def rejected_from(exc: BaseException, path: str | Path) -> ClaimFileRejected | None:
    """The claim file's refusal an executor raised, from the job's failure (``None`` when the
    job failed for another reason): bad claims on Spark are the same clear error as in
    process, not a failed job."""
    text = str(exc)
    start, end = text.find(_REJECTED[0]), text.find(_REJECTED[1])
    if start < 0 or end < start:
        return None
    raw = json.loads(text[start + len(_REJECTED[0]) : end])
    errors = [ClaimFileError(line, field, message, params) for line, field, message, params in raw]
    return ClaimFileRejected(Path(str(path)), sorted(errors, key=lambda e: e.line or 0))


def _settle_partition(
    batches: Iterator[pa.RecordBatch],
    policies: list[CompiledPolicy],
    path: str,
    fold: bool,
    columns: list[tuple[str, str]],
) -> Iterator[pa.RecordBatch]:
    """Executor side: one partition's claims → results (or folded results) per policy; a
    refusal of its claims is carried to the driver (:func:`rejected_from`)."""
    try:
        yield from _settle_claims(batches, policies, path, fold, columns)
    except ClaimFileRejected as exc:
        raise _carried(exc) from None


def _settle_claims(
    batches: Iterator[pa.RecordBatch],
    policies: list[CompiledPolicy],
    path: str,
    fold: bool,
    columns: list[tuple[str, str]],
) -> Iterator[pa.RecordBatch]:
    """One partition's claims → results (or folded results) per policy."""
    from safetynet.claims.prepare import HouseholdConflict, engine_input
    from safetynet.claims.settle_file import check_for_policy, results_table
    from safetynet.scaleout.stream import _prep_key, for_compare, parquet_rows

    t0 = time.perf_counter()
    received = list(batches)
    if not received:  # an empty partition (fewer households than partitions)
        return
    table = pa.Table.from_batches(received)
    if table.num_rows == 0:
        return
    raw = pl.from_arrow(table)
    assert isinstance(raw, pl.DataFrame)
    cf = parquet_rows(raw, Path(path))
    prepared: dict[tuple[object, ...], pl.DataFrame] = {}
    for i, cp in enumerate(policies):
        check_for_policy(cp, cf, Path(path))
        key = _prep_key(cp)
        if key not in prepared:
            try:
                prepared[key] = engine_input(cf, cp)
            except HouseholdConflict as exc:
                raise ClaimFileRejected(Path(path), exc.errors) from None
        results = results_table(cp, prepared[key])
        if fold:
            results = for_compare(results)
        results = results.with_columns(
            pl.lit(i, pl.Int32).alias("_policy"),
            pl.lit(time.perf_counter() - t0).alias("_seconds"),
        )
        yield from _conform(results, columns).to_arrow().to_batches()


_TYPES = {
    "string": pl.String,
    "date": pl.Date,
    "bigint": pl.Int64,
    "int": pl.Int32,
    "double": pl.Float64,
}


def _conform(df: pl.DataFrame, columns: list[tuple[str, str]]) -> pl.DataFrame:
    """The frame with exactly the output schema's columns (a layer the policy lacks: null);
    enums as plain strings (Spark has no dictionary type)."""
    return df.select(
        (pl.col(name) if name in df.columns else pl.lit(None)).cast(_TYPES[kind]).alias(name)
        for name, kind in columns
    )


def _output_columns(policies: list[CompiledPolicy], fold: bool) -> list[tuple[str, str]]:
    layers: list[str] = []
    for cp in policies:
        layers += [lid for lid in cp.layer_ids if lid not in layers]
    if fold:
        cols = [("person_id", "string"), ("date", "date"), ("status_mask", "bigint")]
        cols.append(("kind", "string"))
        cols += [(f"pay_{lid}", "bigint") for lid in layers]
        cols += [
            ("out_of_pocket_fen", "bigint"),
            ("total_fen", "bigint"),
            ("compliant_fen", "bigint"),
        ]
    else:
        cols = [
            ("claim_no", "string"), ("person_id", "string"), ("household_id", "string"),
            ("date", "date"), ("kind", "string"), ("level", "string"),
            ("status_mask", "bigint"), ("total_fen", "bigint"), ("compliant_fen", "bigint"),
            ("deducted_fen", "bigint"), ("merged_into", "string"),
        ]  # fmt: skip
        for lid in layers:
            cols += [(f"pay_{lid}", "bigint"), (f"rule_{lid}", "string")]
        cols.append(("out_of_pocket_fen", "bigint"))
    return [*cols, ("_policy", "int"), ("_seconds", "double")]


def _run(spark: Any, policies: list[CompiledPolicy], path: str, partitions: int, fold: bool) -> Any:
    blob = spark.sparkContext.broadcast(pickle.dumps(policies))
    where = str(path)
    columns = _output_columns(policies, fold)

    def settle(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _settle_partition(batches, pickle.loads(blob.value), where, fold, columns)

    read = _read(spark, path)
    _one_household_each(read, where)
    df = _partitioned(read, partitions)
    schema = ", ".join(f"{name} {kind}" for name, kind in columns)
    return df.mapInArrow(settle, schema)


def _partition_times(results: Any) -> list[tuple[int, float]]:
    """(claims, seconds) of each partition's settle function."""
    from pyspark.sql import functions as F

    rows = (
        results.groupBy(F.spark_partition_id().alias("p"))
        .agg(F.count("*").alias("n"), F.max("_seconds").alias("s"))
        .collect()
    )
    return [(int(r["n"]), float(r["s"])) for r in rows]


def _policies_only(df: pl.DataFrame, cp: CompiledPolicy) -> pl.DataFrame:
    """The rows and layer columns of one policy."""
    keep = [
        c
        for c in df.columns
        if not c.startswith(("pay_", "rule_")) or c.split("_", 1)[1] in cp.layer_ids
    ]
    return df.select(keep)


def settle(
    cp: CompiledPolicy,
    path: str | Path,
    out: str | Path,
    *,
    master: str = "local[*]",
    partitions: int = 0,
) -> SparkRun:
    """Settle ``path`` on Spark; write the results as a Parquet folder ``out``."""
    spark = session(master)
    n = partitions or spark.sparkContext.defaultParallelism
    t0 = time.perf_counter()
    results = _run(spark, [cp], str(path), n, fold=False).cache()
    try:
        _write_whole(_policies_only_spark(results, cp), out)
    except Exception as exc:
        rejected = rejected_from(exc, path)
        if rejected is None:
            raise
        raise rejected from None
    seconds = time.perf_counter() - t0
    times = _partition_times(results)
    results.unpersist()
    return SparkRun(
        sum(c for c, _ in times), n, seconds, [s for _, s in times], [c for c, _ in times]
    )


def _write_whole(results: Any, out: str | Path) -> None:
    """Write ``results`` as the Parquet folder ``out``, all or nothing: a local folder is
    written beside it and put in its place only when every partition has settled, so a job
    that fails (a claim refused on an executor) leaves an earlier results folder as it was.
    A URL (``hdfs://``, ``s3a://``: a cluster's shared storage) is written by Spark in place
    (``overwrite``: an earlier folder there goes even when the job then fails; give each run a
    path of its own there)."""
    target = str(out)
    if "://" in target:
        results.write.mode("overwrite").parquet(target)
        return
    final = Path(target).absolute()
    staging = final.with_name(f".{final.name}.writing-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        results.write.parquet(str(staging))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if final.is_dir():
        old = final.with_name(f".{final.name}.replaced-{os.getpid()}")
        final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        if final.exists():
            final.unlink()
        staging.rename(final)


def _policies_only_spark(results: Any, cp: CompiledPolicy) -> Any:
    cols = [
        c
        for c in results.columns
        if not c.startswith(("_", "pay_", "rule_")) or c.split("_", 1)[1] in cp.layer_ids
    ]
    return results.select(*cols)


def simulate(
    base: CompiledPolicy,
    reform: CompiledPolicy,
    path: str | Path,
    *,
    master: str = "local[*]",
    partitions: int = 0,
) -> tuple[pl.DataFrame, pl.DataFrame, SparkRun]:
    """Base and reform in one Spark pass; the folded frames for ``compare``."""
    spark = session(master)
    n = partitions or spark.sparkContext.defaultParallelism
    t0 = time.perf_counter()
    try:
        folded = pl.from_arrow(_run(spark, [base, reform], str(path), n, fold=True).toArrow())
    except Exception as exc:
        rejected = rejected_from(exc, path)
        if rejected is None:
            raise
        raise rejected from None
    assert isinstance(folded, pl.DataFrame)
    seconds = time.perf_counter() - t0
    frames = [
        _policies_only(folded.filter(pl.col("_policy") == i), cp).drop("_policy", "_seconds")
        for i, cp in enumerate((base, reform))
    ]
    run = SparkRun(folded.height, n, seconds, [], [])
    return frames[0], frames[1], run
