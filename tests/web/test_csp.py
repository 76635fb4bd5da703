"""The Content-Security-Policy header, over HTTP: on pages, errors, static files and the API;
on the API documentation (Swagger UI's inline start-up script) exactly that script is
allowed, by its hash. (That no page breaks the policy is checked in Chromium:
tests/browser/test_csp_in_browser.py.)"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from safetynet.store.db import make_engine
from safetynet.store.models import Base
from safetynet.web.app import create_app
from safetynet.web.csp import policy, script_hashes


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('csp') / 'csp.db'}")
    Base.metadata.create_all(engine)
    return TestClient(create_app(engine, secret_key="csp-test"), follow_redirects=False)


@pytest.mark.parametrize(
    "path", ["/login", "/nowhere", "/static/app.css", "/api/openapi.json", "/persons"]
)
def test_every_response_has_the_policy(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["content-security-policy"] == policy()
    assert "script-src 'self';" in policy() and "'unsafe-inline'" not in policy()


def test_the_api_docs_allow_their_own_inline_script_only(client: TestClient) -> None:
    r = client.get("/api/docs")
    assert r.status_code == 200
    scripts = re.findall(r"<script(?![^>]*src=)[^>]*>(.*?)</script>", r.text, re.S)
    assert scripts, "Swagger UI starts itself with an inline script"
    header = r.headers["content-security-policy"]
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in header
    assert "'unsafe-inline'" not in header
    assert int(r.headers["content-length"]) == len(r.content)


def test_script_hashes_skip_scripts_with_a_source() -> None:
    html = b'<script src="/static/app.js"></script><script>go()</script>'
    assert script_hashes(html) == [
        "'sha256-" + base64.b64encode(hashlib.sha256(b"go()").digest()).decode() + "'"
    ]
