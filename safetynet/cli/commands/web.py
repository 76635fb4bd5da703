"""`safetynet serve`: the web app; `safetynet demo`: build the demo county (first run) and
serve it; `safetynet user add|list|passwd`: accounts."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from safetynet.cli.bounds import PERSONS, PORT
from safetynet.config import Settings, demo_settings, get_settings

console = Console()
err = Console(stderr=True)
user_app = typer.Typer(help="User accounts: add, list, change a password.", no_args_is_help=True)


def _serve(url: str, host: str, port: int, settings: Settings) -> None:
    import uvicorn

    from safetynet.store.db import engine_for
    from safetynet.web.app import create_app

    app = create_app(engine_for(url), settings=settings)
    # the app believes X-Forwarded-For only from SAFETYNET_TRUSTED_PROXIES, not uvicorn
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, proxy_headers=False)


def serve(
    host: str = typer.Option(None, "--host", help="Address (default: SAFETYNET_HOST)."),
    port: int = typer.Option(None, "--port", **PORT, help="Port (default: SAFETYNET_PORT)."),
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Server processes on the address (2 on a 2-core machine: one settles while the "
        "other reads requests; on SQLite their settlements are written in turn).",
    ),
) -> None:
    """Serve the web app and the API (upgrades the database schema first)."""
    import os

    from safetynet.store.migrate import upgrade_to_head
    from safetynet.web.processes import serve_many

    s = get_settings()
    url = db or s.database_url
    if workers > 1 and url.startswith("sqlite") and url.split("///", 1)[-1] in ("", ":memory:"):
        err.print("[red]--workers above 1 needs a database file or server: the processes "
                  "would each have a database of their own in memory[/red]")  # fmt: skip
        raise typer.Exit(2)
    upgrade_to_head(url)
    console.print(f"SafetyNet on [bold]http://{host or s.host}:{port or s.port}[/bold]")
    if workers == 1:
        _serve(url, host or s.host, port or s.port, s)
        return
    s.secret_key()  # made once here, before the processes would each make one
    os.environ["SAFETYNET_DATABASE_URL"] = url  # the processes read the app's settings
    serve_many(host or s.host, port or s.port, workers, "info")


def demo(
    persons: int = typer.Option(
        20_000, "--persons", "-n", **PERSONS, help="Size of the demo county."
    ),
    host: str = typer.Option(None, "--host", help="Address (default: SAFETYNET_HOST)."),
    port: int = typer.Option(None, "--port", **PORT, help="Port (default: SAFETYNET_PORT)."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Build the demo and stop."),
) -> None:
    """Build a synthetic county into the embedded database if it has none, create the
    demo users, and serve the web app."""
    from safetynet.cli.progress import DemoProgress
    from safetynet.store.db import engine_for
    from safetynet.synth.demo import DEMO_PASSWORD, DEMO_USERS, build_demo

    s = demo_settings()
    engine = engine_for(s.database_url)
    with DemoProgress(console) as progress:
        built = build_demo(s.database_url, engine, persons=persons, say=progress.step)
    console.print(("built" if built else "using") + f" the demo database {s.database_url}")
    table = Table("username", "role", title=f"demo logins (password: {DEMO_PASSWORD})")
    for u in DEMO_USERS:
        table.add_row(u.username, u.role.value)
    console.print(table)
    host, port = host or s.host, port or s.port
    console.print(
        f"SafetyNet on [bold]http://{host}:{port}[/bold] — log in as "
        f"[bold]bureau[/bold] / [bold]{DEMO_PASSWORD}[/bold]"
    )
    if not no_serve:
        _serve(s.database_url, host, port, s)


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option(
        ..., "--role", help="admin, bureau, clerk, reviewer, analyst, auditor, village_doctor."
    ),
    region: str = typer.Option(..., "--region", help="Region code the user sees (and below)."),
    name: str = typer.Option(None, "--name", help="Display name."),
    institution: str = typer.Option(None, "--institution", help="A clerk's institution code."),
    locale: str = typer.Option("zh_Hans", "--locale", help="zh_Hans or en."),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Asked for when not given.",
    ),
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """Create a user account."""
    from safetynet.security.users import UserError, create_user
    from safetynet.store.db import make_engine, session_scope
    from safetynet.store.models.security import Role

    try:
        role_value = Role(role)
    except ValueError:
        err.print(
            f"[red]unknown role {role!r}: use one of {', '.join(r.value for r in Role)}[/red]"
        )
        raise typer.Exit(2) from None
    try:
        with session_scope(make_engine(db or get_settings().database_url)) as session:
            create_user(
                session, username=username, password=password, role=role_value,
                region_code=region, display_name=name, institution_code=institution,
                locale=locale,
            )  # fmt: skip
    except (UserError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"created user {username} ({role_value.value}, region {region})")


@user_app.command("list")
def user_list(
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """List user accounts."""
    from sqlalchemy import select

    from safetynet.store.db import make_engine, session_scope
    from safetynet.store.models import User

    table = Table("username", "name", "role", "region", "institution", "active")
    with session_scope(make_engine(db or get_settings().database_url)) as session:
        for u in session.scalars(select(User).order_by(User.username)):
            table.add_row(u.username, u.display_name, u.role.value, u.region_code,
                          u.institution_code or "", "yes" if u.active else "no")  # fmt: skip
    console.print(table)


@user_app.command("passwd")
def user_passwd(
    username: str = typer.Argument(..., help="Login name."),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Asked for when not given.",
    ),
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """Change a user's password."""
    from safetynet.security.users import UserError, set_password
    from safetynet.store.db import make_engine, session_scope

    try:
        with session_scope(make_engine(db or get_settings().database_url)) as session:
            set_password(session, username, password)
    except (UserError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"password of {username} changed")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.add_typer(user_app, name="user")
