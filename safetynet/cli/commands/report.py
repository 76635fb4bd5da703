"""`safetynet report ...`: the county's reports written to files (Excel, PDF, CSV).

Other command modules (``report_*.py``) add their commands to ``report_app``.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

report_app = typer.Typer(
    help="Reports computed from the ledger and the registry: indicators, the annual summary, "
    "the monthly public notice.",
    no_args_is_help=True,
)


LANGS = ("zh_Hans", "en")
DOCUMENTS = (".pdf", ".xlsx")
_err = Console(stderr=True)


def fail(message: str) -> NoReturn:
    """Print what is wrong with the input and exit with status 2 (nothing is written). The
    message is printed as it is — a value quoted from the user's file or command line is
    never read as markup — on one line whatever the terminal's width (a ``file:line``
    stays whole for the tools that read it)."""
    _err.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def check_document(out: Path, lang: str) -> str:
    """The file suffix (.pdf or .xlsx) and a known language, or :func:`fail`."""
    suffix = out.suffix.lower()
    if suffix not in DOCUMENTS:
        fail(f"--out {out}: write a .pdf or an .xlsx file")
    if lang not in LANGS:
        fail(f"--lang {lang!r}: use zh_Hans or en")
    return suffix


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
