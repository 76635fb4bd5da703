"""Every web route is documented in docs/routes.md, and nothing documented is missing."""

from __future__ import annotations

import re
from pathlib import Path

from safetynet.web.app import route_table

ROOT = Path(__file__).parents[2]


def _documented() -> set[tuple[str, str]]:
    text = (ROOT / "docs" / "routes.md").read_text(encoding="utf-8")
    return {(m, p) for m, p in re.findall(r"^### `([A-Z]+) (/[^`]*)`", text, flags=re.M)}


def test_every_route_is_documented() -> None:
    missing = [f"{m} {p}" for m, p in route_table() if (m, p) not in _documented()]
    assert not missing, f"undocumented in docs/routes.md: {missing}"


def test_every_documented_route_exists() -> None:
    stale = [f"{m} {p}" for m, p in sorted(_documented() - set(route_table()))]
    assert not stale, f"docs/routes.md documents routes that do not exist: {stale}"
