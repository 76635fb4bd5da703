"""`safetynet bench settle-file`: a claim file end to end (claims/s, peak memory), in
process and on Spark local[2], beside the kernel's own speed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from safetynet.cli.bounds import CLAIMS, PARALLEL, REPEATS
from safetynet.cli.commands.bench import bench_app

console = Console()


@bench_app.command("settle-file")
def bench_settle_file(
    claims: Path = typer.Option(..., "--claims", "-c", help="A Parquet claim file."),
    policy: str = typer.Option("anhui-poor-2017", "--policy", help="Policy file or shipped name."),
    repeats: int = typer.Option(
        3, "--repeats", **REPEATS, help="Timed runs (the median is reported)."
    ),
    batch_claims: int = typer.Option(
        5_000_000, "--batch-claims", **CLAIMS, help="Claims per household batch."
    ),
    spark_master: str = typer.Option(
        "local[2]", "--spark-master", help="Spark master for the Spark run ('' skips it)."
    ),
    spark_partitions: int = typer.Option(
        4, "--spark-partitions", **PARALLEL, help="Spark partitions."
    ),
) -> None:
    """Settle a file as `safetynet settle` does; print claims/s, each part and peak RSS."""
    from safetynet.engine.compile import compile_policy
    from safetynet.policy.loader import load_policy
    from safetynet.scaleout import bench

    with tempfile.TemporaryDirectory(prefix="safetynet-bench-") as tmp:
        out = Path(tmp) / "results.parquet"
        with console.status(f"settling {claims} {repeats} times…"):
            med, runs = bench.run(policy, claims, out, batch_claims, repeats)
        t = Table("measure", "value", title=f"settle-file benchmark — {claims.name}, {policy}")
        t.add_row("claims", f"{med.claims:,} in {med.batches} household batch(es)")
        t.add_row("end to end: runs", ", ".join(f"{r.seconds:.2f} s" for r in runs))
        t.add_row("end to end: claims/s (median)", f"{med.claims_per_second:,.0f}")
        for part, s in med.parts.items():
            if part in med.parts_cpu:
                t.add_row(f"  {part}", f"{s:.2f} s, CPU {med.parts_cpu[part]:.2f} s")
            else:  # parts that overlap: one wall time, the CPU time of each
                cpu = ", ".join(f"{p} {med.parts_cpu[p]:.2f} s" for p in part.split(" and "))
                t.add_row(f"  {part} (overlapped)", f"{s:.2f} s, CPU {cpu}")
        t.add_row(
            "  CPU time, all threads (median run)",
            f"{med.cpu_seconds:.2f} s = {med.claims / med.cpu_seconds:,.0f} claims per CPU-second",
        )
        t.add_row("peak RSS (median run)", f"{med.peak_rss_mb:,.0f} MB")
        t.add_row("load average (1 min, end of median run)", f"{med.load_average:.2f}")
        t.add_row(
            "kernel alone (settle_batch on prepared claims)",
            f"{med.kernel_seconds:.2f} s = {med.claims / med.kernel_seconds:,.0f} claims/s, "
            f"CPU {med.kernel_cpu_seconds:.2f} s (numba's threads: compare with settle's CPU)",
        )
        if med.floor_cpu:
            cores = os.cpu_count() or 1
            t.add_row(
                "floor: each part alone, CPU",
                f"read the file {med.read_alone_cpu:.2f} s, kernel {med.kernel_cpu_seconds:.2f} s,"
                f" write the results {med.write_alone_cpu:.2f} s "
                f"(uncompressed {med.write_plain_cpu:.2f} s)",
            )
            t.add_row(
                f"  at best on {cores} cores",
                f"{med.floor_cpu:.2f} CPU-s (read, kernel, uncompressed write) = "
                f"{med.floor_claims_per_second(cores):,.0f} claims/s",
            )
        if spark_master:
            from safetynet.scaleout import spark

            cp = compile_policy(load_policy(policy))
            with console.status(f"settling on Spark {spark_master}…"):
                sr = spark.settle(
                    cp, claims, Path(tmp) / "spark", master=spark_master,
                    partitions=spark_partitions,
                )  # fmt: skip
            t.add_row(
                f"Spark {spark_master}, {sr.partitions} partitions",
                f"{sr.seconds:.2f} s = {sr.claims / sr.seconds:,.0f} claims/s",
            )
            per = sorted(sr.partition_claims_per_second)
            if per:
                t.add_row(
                    "  per partition (settle function), claims/s",
                    f"min {per[0]:,.0f}, median {per[len(per) // 2]:,.0f}, max {per[-1]:,.0f}",
                )
        console.print(t)
        console.print(
            "The machine may be shared: figures are wall-clock on whatever cores were free."
        )


def register(app: typer.Typer) -> None:
    """The command hangs on ``bench_app``; importing this module is enough."""
