"""Every CLI command (with its options, generated from the CLI) and every setting is
documented; the README holds the two commands."""

from __future__ import annotations

import importlib.util
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


def _cli_doc() -> Any:
    spec = importlib.util.spec_from_file_location("cli_doc", ROOT / "scripts" / "cli_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_md_options_are_generated_from_the_cli_and_current() -> None:
    """Each command's options in docs/cli.md are the CLI's own (scripts/cli_doc.py)."""
    doc = _cli_doc()
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert doc.render(text) == text, "docs/cli.md is not current: run scripts/cli_doc.py"
    assert text.count(doc.BEGIN) == len(doc.commands())
    section = text.split("### `safetynet bench settle`", 1)[1].split("\n### ", 1)[0]
    assert "`--repeats <int range>`" in section and "1<=x<=100" in section  # bounded


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
    """Each field of ``Settings`` and each ``SAFETYNET_*`` variable any module reads (not only
    ``config.py``: a variable read elsewhere must be documented too) is in docs/settings.md."""
    from dataclasses import fields

    from safetynet.config import Settings

    fields_ = {f"SAFETYNET_{f.name.upper()}" for f in fields(Settings)}
    read = {
        name
        for path in (ROOT / "safetynet").rglob("*.py")
        for name in re.findall(r"[\"'](SAFETYNET_[A-Z_]+)[\"']", path.read_text(encoding="utf-8"))
    }
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert "SAFETYNET_DATABASE_URL" in fields_ and "SAFETYNET_PDF_FONT" in read
    assert [s for s in sorted(fields_ | read) if f"`{s}`" not in text] == []


def test_readme_has_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## The two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_supervision_rules_doc_is_current() -> None:
    """docs/supervision-rules.md lists every shipped screening rule with its numbers, from the
    rule files themselves (scripts/supervision_doc.py)."""
    spec = importlib.util.spec_from_file_location(
        "supervision_doc", ROOT / "scripts" / "supervision_doc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "supervision-rules.md").read_text(encoding="utf-8")
    assert module.render() == current, "docs/supervision-rules.md: run scripts/supervision_doc.py"
