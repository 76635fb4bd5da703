"""`safetynet bench api`: settlements per second and latency through the HTTP API, against
SQLite and (with ``--pg``) PostgreSQL."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from safetynet.cli.bounds import PARALLEL, PERSONS, PORT, SECONDS, WORKERS
from safetynet.cli.commands.bench import bench_app

console = Console(width=max(Console().width, 150))  # the table's eleven columns in full


@bench_app.command("api")
def bench_api(
    seconds: float = typer.Option(
        15.0, "--seconds", **SECONDS, help="How long to send claims, per backend (600: a soak run)."
    ),
    concurrency: int = typer.Option(
        16, "--concurrency", "-c", **PARALLEL, help="Requests in flight."
    ),
    workers: int = typer.Option(
        2,
        "--workers",
        **WORKERS,
        help="Server processes (as `safetynet serve --workers`; SQLite: writers take turns).",
    ),
    persons: int = typer.Option(
        5_000, "--persons", **PERSONS, help="Size of the county to settle for."
    ),
    pg: str = typer.Option(None, "--pg", help="An empty PostgreSQL database URL to also measure."),
    port: int = typer.Option(8765, "--port", **PORT, help="Port of the server under test."),
) -> None:
    """Settlements per second and p50/p95/p99 latency of POST /api/claims over HTTP
    (target: at most 2.5 ms of CPU per settlement in all, p99 under 50 ms at 16 clients), on
    SQLite and PostgreSQL; the server's memory at the start and the end (a soak run: 600 s)."""
    from safetynet.benchmarks.api_load import prepare, run_load

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if pg:
            backends.append(("PostgreSQL", pg))
        for name, url in backends:
            with console.status(f"{name}: preparing a county of {persons:,} persons"):
                ids, hospital = prepare(url, persons)
            with console.status(f"{name}: {concurrency} clients for {seconds:g} s"):
                results.append(
                    run_load(
                        name,
                        url,
                        ids,
                        hospital,
                        seconds=seconds,
                        concurrency=concurrency,
                        workers=workers,
                        port=port,
                        data_dir=Path(tmp),
                    )
                )
    table = Table(
        "backend",
        "workers",
        "settlements",
        "errors",
        "per second",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "server CPU ms",
        "database CPU ms",
        "load CPU ms",
        "server RSS MB start → end",
        title=f"POST /api/claims — {concurrency} clients",
    )
    for r in results:
        table.add_row(
            r.backend,
            str(workers),
            f"{r.requests:,}",
            str(r.errors),
            f"{r.per_second:,.0f}",
            f"{r.percentile(50):.1f}",
            f"{r.percentile(95):.1f}",
            f"{r.percentile(99):.1f}",
            *(
                f"{r.cpu_ms[part]:.2f}" if part in r.cpu_ms else "-"
                for part in ("server", "database", "load generator")
            ),
            f"{r.rss_mb[0]:.0f} → {r.rss_mb[1]:.0f}",
        )
    console.print(table)
    console.print(
        "CPU ms: per settlement, what the server processes, the local PostgreSQL server and "
        "this load generator (load) spent; their sum over the machine's cores bounds the rate. "
        "RSS: the server processes' resident memory two seconds into the run and at its end."
    )
    parts = Table(
        "backend", "part", "p50 ms", "p95 ms", "p99 ms",
        title="Latency by part (the answers' Server-Timing)",
    )  # fmt: skip
    for r in results:
        for part in r.parts_ms:
            parts.add_row(
                r.backend, part, *(f"{r.part_percentile(part, q):.1f}" for q in (50, 95, 99))
            )
    console.print(parts)
    console.print(
        "writer queue: waiting for the settlement writer to take the claim; writer batch: the "
        "batch it was settled, written and committed in ("
        + ", ".join(f"{r.backend} {r.batch_claims:.1f} claims on average" for r in results)
        + "); outside the writer: HTTP, the event loop, the log-in and the load generator."
    )
    for r in results:
        if r.statuses:
            answers = ", ".join(f"{n:,} × {why}" for why, n in sorted(r.statuses.items()))
            console.print(f"{r.backend}: errors: {answers}")


def register(app: typer.Typer) -> None:
    """The command hangs on ``bench_app``; importing this module is enough."""
