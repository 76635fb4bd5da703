"""`safetynet bench ...`: benchmark commands that print their figures.

Other command modules add their benchmarks to ``bench_app`` in their own ``register``.
"""

from __future__ import annotations

import typer

bench_app = typer.Typer(
    help="Benchmarks: measure speed on this machine and print the figures.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
