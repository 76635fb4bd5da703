"""`safetynet catalog`: load the shipped catalogs, show disease lists, look up diagnoses."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from safetynet.config import get_settings

console = Console()
err = Console(stderr=True)
catalog_app = typer.Typer(
    help="Catalogs: ICD-10 diagnoses, disease lists, drug and service items.",
    no_args_is_help=True,
)


@catalog_app.command("load")
def load(
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """Write the shipped catalogs (WHO ICD-10 with Chinese titles, disease lists, items)."""
    from safetynet.catalogs.load import load_catalogs
    from safetynet.store.db import make_engine, session_scope

    engine = make_engine(db or get_settings().database_url)
    with console.status("loading catalogs"), session_scope(engine) as s:
        counts = load_catalogs(s)
    table = Table("catalog", "inserted", "updated", "unchanged", title="Catalogs loaded")
    for name, c in counts.tables.items():
        table.add_row(name, f"{c.inserted:,}", f"{c.updated:,}", f"{c.unchanged:,}")
    console.print(table)


@catalog_app.command("show-list")
def show_list(
    code: str = typer.Argument(
        None, help="A disease list (chronic_special, serious, nine_major); omit to list them."
    ),
) -> None:
    """Show the disease lists policies refer to, or the ICD-10 prefixes of one list."""
    from safetynet.catalogs.diseases import list_entries, load_lists

    if code is None:
        table = Table("code", "name", "名称", title="Disease lists")
        for row in load_lists().iter_rows(named=True):
            table.add_row(row["code"], row["name_en"], row["name_zh"])
        console.print(table)
        return
    try:
        entries = list_entries(code)
    except KeyError as exc:
        err.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(2) from None
    table = Table("ICD-10 prefix", "名称", "name", title=f"Disease list {code}")
    for row in entries.iter_rows(named=True):
        table.add_row(row["icd_prefix"], row["name_zh"], row["name_en"])
    console.print(table)


@catalog_app.command("lookup")
def lookup(
    code: str = typer.Argument(..., help="An ICD-10 code or prefix, e.g. N18 or N18.5."),
) -> None:
    """Look up ICD-10 codes starting with CODE in the WHO list, with Chinese titles."""
    import polars as pl

    from safetynet.catalogs.icd10 import who_codes

    prefix = code.strip().upper()
    found = who_codes().filter(pl.col("code").str.starts_with(prefix)).head(50)
    if found.is_empty():
        err.print(f"[red]no ICD-10 code starts with {prefix}[/red]")
        raise typer.Exit(2)
    table = Table("code", "title", "中文名称", "chapter", title=f"ICD-10 {prefix}")
    for row in found.iter_rows(named=True):
        table.add_row(row["code"], row["title_en"], row["title_zh"] or "", row["chapter"] or "")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")
