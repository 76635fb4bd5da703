"""The real server (uvicorn, in a thread) on a small synthetic county, and Debian's Chromium
driven by Playwright (no browser download: ``executable_path`` is the system's)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine

from safetynet.store.db import make_engine
from safetynet.store.models import Base
from safetynet.web.app import create_app
from tests.web.conftest import _build

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def county_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("browser") / "browser.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    _build(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def server(county_engine: Engine) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(county_engine, secret_key="browser-test"), host="127.0.0.1", port=port,
        log_level="warning",
    )  # fmt: skip
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        import os

        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed under CI")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()
