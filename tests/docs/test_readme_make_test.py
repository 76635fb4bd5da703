"""The README says what `make test` runs, and scripts/test.sh runs exactly that."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]


def _commands(script: str) -> list[str]:
    return [line.strip() for line in script.splitlines() if line.startswith(".venv/bin/")]


def test_make_test_runs_the_ruff_checks_the_readme_promises() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    commands = _commands(script)
    promised = re.findall(r"`(ruff [a-z]+(?: --check)?)`", readme)
    assert "ruff check" in promised and "ruff format --check" in promised
    for ruff in promised:
        assert any(c.startswith(f".venv/bin/{ruff} safetynet tests") for c in commands), ruff
    assert any(c.startswith(".venv/bin/pytest") for c in commands)
