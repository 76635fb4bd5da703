"""`safetynet bench settle`: the settlement engine's speed, batch and online."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from safetynet.cli.bounds import CLAIMS, REPEATS
from safetynet.cli.commands.bench import bench_app

console = Console()


@bench_app.command("settle")
def bench_settle(
    claims: int = typer.Option(
        10_000_000, "--claims", **CLAIMS, help="Synthetic claims for the batch."
    ),
    policy: str = typer.Option("anhui-poor-2017", "--policy", help="Policy file or shipped name."),
    online: int = typer.Option(20_000, "--online", **CLAIMS, help="Claims settled one by one."),
    repeats: int = typer.Option(
        3, "--repeats", **REPEATS, help="Timed batch runs (best is reported)."
    ),
) -> None:
    """Batch claims/second (sorted and shuffled input) and online µs per claim (p50, p99)."""
    from safetynet.engine.benchmark import run
    from safetynet.engine.compile import compile_policy
    from safetynet.policy.loader import load_policy

    cp = compile_policy(load_policy(policy))
    with console.status(f"generating {claims:,} claims and settling them…"):
        batch, on, generated = run(cp, claims, online=online, repeats=repeats)
    table = Table("measure", "value", title=f"settlement benchmark — policy {policy}")
    table.add_row("claims (batch)", f"{batch.claims:,}")
    table.add_row("generation (not timed below)", f"{generated:.2f} s")
    table.add_row(
        "batch, settlement order: runs", ", ".join(f"{s:.2f} s" for s in batch.sorted_seconds)
    )
    table.add_row("batch, settlement order: claims/s (best)", f"{batch.claims_per_second:,.0f}")
    if batch.shuffled_seconds is not None:
        table.add_row(
            "batch, shuffled input (sort included)",
            f"{batch.shuffled_seconds:.2f} s = "
            f"{batch.claims / batch.shuffled_seconds:,.0f} claims/s",
        )
    table.add_row("online claims", f"{on.claims:,}")
    table.add_row("online µs/claim p50", f"{on.p50_us:.1f}")
    table.add_row("online µs/claim p99", f"{on.p99_us:.1f}")
    table.add_row("online µs/claim mean", f"{on.mean_us:.1f}")
    console.print(table)


def register(app: typer.Typer) -> None:
    """The command hangs on ``bench_app``; importing this module is enough."""
