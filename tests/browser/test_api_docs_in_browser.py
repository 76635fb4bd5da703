"""Swagger UI at ``/api/docs`` renders the API's operations in Chromium with every request
to another host refused (a county network without internet)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_render_offline(page, server) -> None:  # type: ignore[no-untyped-def]
    ours = urlparse(server).netloc
    outside: list[str] = []

    def only_ours(route) -> None:  # type: ignore[no-untyped-def]
        if urlparse(route.request.url).netloc == ours:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_ours)
    page.goto("/api/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() >= 3  # the API's operations, listed
    assert "SafetyNet" in page.locator(".info .title").inner_text()
    assert not outside, f"the page asked other hosts for {outside}"
