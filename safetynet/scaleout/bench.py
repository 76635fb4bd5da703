"""`safetynet bench settle-file`: a claim file settled end to end, part by part.

Each timed run is a fresh process (``python -m safetynet.scaleout.bench``) so its peak
resident memory is the run's own; it reads, checks, prepares, settles and writes the file
as `safetynet settle` does, timing each part (settling and writing overlap, as they do
there: their wall time is one figure, their CPU time two), and also times the kernel alone
on the prepared claims (the figure `safetynet bench settle` gives; its wall time is on
numba's threads, so its CPU time is the one to compare with the settling's) so the gap
stays visible. After the run it times the floor: the file read alone, the results written
alone (as the run writes them, and uncompressed); the file read, the kernel and the plain
write together are the least CPU time any run could take, and that over the machine's cores
the most claims/s it could reach.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import polars as pl
import pyarrow.parquet as pq

from safetynet.claims.fileformat import ClaimFile
from safetynet.claims.prepare import engine_input, to_batch
from safetynet.claims.settle_file import check_for_policy
from safetynet.engine.batch import settle_batch
from safetynet.engine.compile import CompiledPolicy, compile_policy
from safetynet.policy.loader import load_policy
from safetynet.scaleout import stream
from safetynet.scaleout.warm import WarmUp

T = TypeVar("T")


@dataclass(frozen=True)
class FileRun:
    claims: int
    batches: int
    seconds: float  # end to end: first read to results file closed
    parts: dict[str, float]  # wall: read and check, prepare, settle and write (overlapped)
    kernel_seconds: float  # settle_batch alone on the prepared claims
    peak_rss_mb: float
    cpu_seconds: float  # process CPU time (all threads) end to end, kernel alone excluded
    parts_cpu: dict[str, float]  # CPU time (all threads) of read and check, prepare, settle
    # and write (the writer's thread's; settle: the rest while settling and writing)
    load_average: float  # the machine's 1-minute load average at the end of the run
    kernel_cpu_seconds: float = 0.0  # CPU time (all threads) of the kernel alone
    # the floor: CPU time (all threads) of reading the file alone (Polars, the columns the
    # run reads), of writing its results alone as the run writes them and uncompressed
    read_alone_cpu: float = 0.0
    write_alone_cpu: float = 0.0
    write_plain_cpu: float = 0.0

    @property
    def claims_per_second(self) -> float:
        return self.claims / self.seconds if self.seconds else 0.0

    @property
    def floor_cpu(self) -> float:
        """The least CPU time any run could take: the file read, the kernel and the results
        written uncompressed, each alone — no check, no preparing, no compression."""
        return self.read_alone_cpu + self.kernel_cpu_seconds + self.write_plain_cpu

    def floor_claims_per_second(self, cores: int) -> float:
        """The most claims/s ``cores`` could give if the floor's work were spread perfectly."""
        return self.claims * cores / self.floor_cpu if self.floor_cpu else 0.0


def run_once(policy: str, claims: Path, out: Path, batch_claims: int) -> FileRun:
    """One end-to-end run in this process (the child's side)."""
    cp = compile_policy(load_policy(policy))
    with stream.heap_spared():  # as `safetynet settle`
        run = _timed_run(cp, claims, out, batch_claims)
    return dataclasses.replace(run, **_floor(claims, out))


def _cpu(step: Callable[[], object]) -> float:
    start = time.process_time()
    step()
    return time.process_time() - start


def _floor(claims: Path, out: Path) -> dict[str, float]:
    """CPU time of reading the claim file alone (its columns the run reads) and of writing
    the run's results alone, with the run's settings and uncompressed (a Parquet file of
    results; else zero)."""
    if claims.suffix.lower() != ".parquet" or out.suffix != ".parquet" or not out.exists():
        return {}
    names = [n for n in pq.read_schema(claims).names if n not in stream.UNREAD]
    read = _cpu(lambda: pl.read_parquet(claims, columns=names))  # as the run reads: Polars
    results = pq.read_table(out)
    with tempfile.TemporaryDirectory(prefix="safetynet-floor-") as tmp:
        writer = stream.ResultsWriter(Path(tmp) / "alone.parquet")
        written = _cpu(lambda: (writer.write(results), writer.commit()))
        plain = _cpu(
            lambda: pq.write_table(
                results, Path(tmp) / "plain.parquet", compression="none", write_statistics=False
            )
        )
    return {"read_alone_cpu": read, "write_alone_cpu": written, "write_plain_cpu": plain}


def _timed_run(cp: CompiledPolicy, claims: Path, out: Path, batch_claims: int) -> FileRun:
    """Read, check, prepare, settle and write the file as `safetynet settle` does, each part
    timed."""
    parts = dict.fromkeys(("read and check", "prepare", "settle and write"), 0.0)
    parts_cpu = dict.fromkeys(("read and check", "prepare", "settle", "write"), 0.0)
    kernel = 0.0
    n = batches = 0
    writer = stream.ResultsWriter(out)
    t0, c0 = time.perf_counter(), time.process_time()
    kernel_cpu = 0.0
    it = stream.batches(claims, batch_claims)
    warm: WarmUp | None = WarmUp(cp)  # as `safetynet settle`: kernels load while it reads

    def timed(part: str, step: Callable[[], T]) -> T:
        t, c = time.perf_counter(), time.process_time()
        value = step()
        parts[part] += time.perf_counter() - t
        parts_cpu[part if part in parts_cpu else "settle"] += time.process_time() - c
        return value

    def checked() -> ClaimFile | None:
        cf = next(it, None)
        if cf is not None:
            check_for_policy(cp, cf, claims)
        return cf

    def settle_and_write(prepared: pl.DataFrame) -> int:
        """As `safetynet settle`: each range written in the writer's thread while the next
        settles; the writer's thread's CPU is the writing's, the rest the settling's."""
        rows = stream.settle_and_write(cp, prepared, writer, stream.Totals())
        writer.flush()
        return rows

    while True:
        cf = timed("read and check", checked)
        if cf is None:
            break
        if warm is not None:
            timed("read and check", warm.join)
            warm = None
        prepared = timed("prepare", lambda: engine_input(cf, cp))  # noqa: B023
        n += timed("settle and write", lambda: settle_and_write(prepared))  # noqa: B023
        batches += 1
        t, c = time.perf_counter(), time.process_time()
        settle_batch(cp, to_batch(prepared), check=False)
        kernel += time.perf_counter() - t
        kernel_cpu += time.process_time() - c
    timed("settle and write", writer.commit)
    parts_cpu["write"] = writer.cpu_seconds
    parts_cpu["settle"] -= writer.cpu_seconds
    seconds = time.perf_counter() - t0 - kernel
    cpu = time.process_time() - c0 - kernel_cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0]
    return FileRun(n, batches, seconds, parts, kernel, rss, cpu, parts_cpu, load, kernel_cpu)


def run(
    policy: str, claims: Path, out: Path, batch_claims: int, repeats: int
) -> tuple[FileRun, list[FileRun]]:
    """``repeats`` runs, each in a fresh process; (the median run, all runs)."""
    runs = []
    for _ in range(repeats):
        cmd = [sys.executable, "-m", "safetynet.scaleout.bench"]
        cmd += [policy, str(claims), str(out), str(batch_claims)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
        runs.append(FileRun(**json.loads(done.stdout.strip().splitlines()[-1])))
    median = statistics.median_low([r.seconds for r in runs])
    return next(r for r in runs if r.seconds == median), runs


if __name__ == "__main__":
    policy_arg, claims_arg, out_arg, batch_arg = sys.argv[1:5]
    r = run_once(policy_arg, Path(claims_arg), Path(out_arg), int(batch_arg))
    print(json.dumps(r.__dict__))
