"""The top navigation links early warning, policy design and supervision for the roles that
may open them, and only for those (each link's page answers 200 for them)."""

from __future__ import annotations

import pytest

LINKS = {"/warnings": "nav-warnings", "/design": "nav-design",
         "/supervision/scorecard": "Supervision"}  # fmt: skip


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("bureau", {"/warnings", "/design", "/supervision/scorecard"}),
        ("township", {"/warnings", "/design", "/supervision/scorecard"}),
        ("analyst", {"/design"}),
        ("auditor", {"/warnings", "/design"}),
        ("clerk", set()),
    ],
)
def test_nav_links_by_role(login, role: str, shown: set[str]) -> None:
    client = login(role, "en")
    page = client.get("/persons")
    assert page.status_code == 200
    nav = page.text.split("<nav>", 1)[1].split("</nav>", 1)[0]
    linked = {href for href in LINKS if f'href="{href}"' in nav}
    assert linked == shown
    for href in shown:
        assert client.get(href).status_code == 200, href
