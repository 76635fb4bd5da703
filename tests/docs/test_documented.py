"""Every CLI command and every setting is documented; the README holds the two commands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer.main

from safetynet.cli.main import app

ROOT = Path(__file__).parents[2]


def _commands(group: Any, prefix: str = "safetynet") -> list[str]:
    found = []
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(cmd, "commands"):
            found += _commands(cmd, path)
        else:
            found.append(path)
    return found


def test_every_cli_command_is_documented() -> None:
    root = typer.main.get_command(app)
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^#+ `([^`]+)`", text, flags=re.M))
    missing = [c for c in _commands(root) if c not in headings]
    assert not missing, f"undocumented in docs/cli.md: {missing}"


def test_every_command_has_help() -> None:
    root = typer.main.get_command(app)

    def walk(group: Any) -> list[tuple[str, str | None]]:
        out = []
        for name, cmd in group.commands.items():
            out.append((name, cmd.help))
            if hasattr(cmd, "commands"):
                out += walk(cmd)
        return out

    assert [n for n, h in walk(root) if not h] == []


def test_every_setting_is_documented() -> None:
    source = (ROOT / "safetynet" / "config.py").read_text(encoding="utf-8")
    settings = set(re.findall(r"SAFETYNET_[A-Z_]+", source))
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert settings, "no settings found"
    assert [s for s in sorted(settings) if f"`{s}`" not in text] == []


def test_readme_has_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## The two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
