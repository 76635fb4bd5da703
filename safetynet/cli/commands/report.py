"""`safetynet report ...`: the county's reports written to files (Excel, PDF, CSV).

Other command modules (``report_*.py``) add their commands to ``report_app``.
"""

from __future__ import annotations

import typer

report_app = typer.Typer(
    help="Reports computed from the ledger and the registry: indicators, the annual summary, "
    "the monthly public notice.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
