"""``/api/docs`` works without internet: Swagger UI's script and style come from the package
(``/static/vendor/swagger-ui``), the page names no other host, and every asset answers."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from safetynet.store.db import make_engine
from safetynet.store.models import Base
from safetynet.web.app import create_app


def test_the_api_docs_page_uses_only_packaged_assets(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'docs.db'}")
    Base.metadata.create_all(engine)
    client = TestClient(create_app(engine, secret_key="docs-test"))
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "SwaggerUIBundle" in page.text
    hosts = re.findall(r"https?://([^/\"' ]+)", page.text)
    assert not hosts, f"the page loads from other hosts: {hosts}"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets
    assert "/static/vendor/swagger-ui/swagger-ui.css" in assets
    for url in assets:
        assert url.startswith("/"), url
        r = client.get(url)
        assert r.status_code == 200, url
        assert len(r.content) > 100, url
    assert "'validatorUrl': null" in page.text or '"validatorUrl": null' in page.text
    assert client.get("/api/openapi.json").json()["openapi"].startswith("3.")
    licence = client.get("/static/vendor/swagger-ui/LICENSE")
    assert licence.status_code == 200 and "Apache License" in licence.text
