"""The real server (uvicorn, in a thread) on a small synthetic county, and Debian's Chromium
driven by Playwright (no browser download: ``executable_path`` is the system's)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine

from safetynet.store.db import make_engine
from safetynet.store.models import Base
from safetynet.web.app import create_app
from tests.web.conftest import _build
from tests.web.server import running_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


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
    with running_server(create_app(county_engine, secret_key="browser-test")) as url:
        yield url


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


ROLES = ("anonymous", "bureau", "clerk", "analyst", "auditor", "township", "office", "doctor")


@pytest.fixture(scope="session")
def walk(browser, server, county_engine, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Every page of every role, in both languages, at 1024 and 1366 px (the bureau's at
    1920 px too, the township staff's pages at 390 px): one context per role and language,
    screenshots in the pytest tmp dir (``walk/``)."""
    from tests.browser.walk import (
        CSP_LISTENER,
        DESKTOP,
        PHONE,
        PHONE_PAGES,
        WIDE,
        log_in,
        pages,
        post_funds,
        reassist_round,
        record_reviews,
        record_warnings,
        sample,
        visit,
    )

    shots = tmp_path_factory.mktemp("walk")
    x = sample(county_engine)
    record_warnings(county_engine)  # the warnings pages show cards, not an empty list
    x = replace(x, **record_reviews(county_engine))  # review cases, a spot check, sanctions
    x = replace(x, **post_funds(county_engine))  # the funds posted, a payment round made
    x = replace(x, **reassist_round(county_engine))  # a re-assistance round approved
    visits = []
    import os

    for role in os.environ.get("WALK_ROLES", ",".join(ROLES)).split(","):
        for locale in ("zh_Hans", "en"):
            context = browser.new_context(base_url=server, locale="zh-CN")
            context.add_init_script(CSP_LISTENER)
            page = context.new_page()
            if role == "anonymous":
                page.goto(f"/locale/{locale}?next=/login")
            else:
                log_in(page, role, locale)
            for width in (*DESKTOP, WIDE) if role == "bureau" else DESKTOP:
                for url in pages(role, x):
                    visits.append(visit(page, role, locale, width, url, shots))
            if role == "township":
                for url in (*PHONE_PAGES, f"/persons?q={x.name}", f"/persons/{x.resident_id}",
                            f"/warnings/rounds/{x.reassist_round}"):  # fmt: skip
                    visits.append(visit(page, role, locale, PHONE, url, shots))
            if role == "doctor":  # a village doctor works on a phone
                for url in pages(role, x):
                    visits.append(visit(page, role, locale, PHONE, url, shots))
            context.close()
    return visits
