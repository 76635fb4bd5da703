"""`safetynet db ...`: create or upgrade the database schema."""

from __future__ import annotations

import typer
from rich.console import Console

from safetynet.config import get_settings

db_app = typer.Typer(help="Database schema: create or upgrade it.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """Create or upgrade the database schema to the newest migration."""
    from safetynet.store.migrate import upgrade_to_head

    url = db or get_settings().database_url
    upgrade_to_head(url)
    Console().print(f"[green]database is at the newest schema:[/green] {url}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
