"""Entry point of the `safetynet` command.

Extension point: every module in ``safetynet.cli.commands`` exposes
``register(app: typer.Typer) -> None`` and adds its commands or sub-apps there;
the built-in commands use exactly this hook.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

import safetynet.cli.commands as commands_pkg

app = typer.Typer(
    name="safetynet",
    help="SafetyNet: one-stop medical security settlement, registry, reports and simulation.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


def _register_all() -> None:
    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands_pkg.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()


def main() -> None:
    app()
