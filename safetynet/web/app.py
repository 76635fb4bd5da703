"""Assembles the web app: middleware, error handlers, static files and every router.

``create_app(engine)`` is used by ``safetynet serve``/``demo`` and, in-process, by the tests.
Routers are discovered the way CLI commands are: every module in ``safetynet.web.routes``
exposes ``router``; the built-in pages use exactly this hook.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import safetynet
import safetynet.web.routes as routes_pkg
from safetynet.config import Settings, get_settings
from safetynet.indicators.warm import warm
from safetynet.settlement.compiled import warm_up
from safetynet.store.db import engine_for
from safetynet.web import error_handlers
from safetynet.web.csp import ContentSecurityPolicy
from safetynet.web.heap import freeze_start_up_heap, thaw_heap
from safetynet.web.hygiene import RejectNul
from safetynet.web.i18n import LOCALES, negotiate
from safetynet.web.settling import stop_writer
from safetynet.web.throttle import LoginThrottle

STATIC = Path(__file__).parent / "static"
SESSION_MAX_AGE = 8 * 3600  # a working day


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At start-up, compile the policies and the settlement kernel (a few seconds once), so
    the first claim at the window is as fast as the others. A policy that does not load
    stops the server here, not at the first patient. Then the start-up heap is frozen
    (:mod:`safetynet.web.heap`: no long collector pause under load). At shutdown, the
    settlement writer finishes its batch."""
    await run_in_threadpool(warm_up)
    await run_in_threadpool(warm, app.state.engine)  # the bureau pages' snapshot, if any
    freeze_start_up_heap()
    try:
        yield
        await run_in_threadpool(stop_writer, app)
    finally:
        thaw_heap()


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
NO_STORE = (b"cache-control", b"no-store")  # every answer but static files: personal data


class LocaleAndHeaders:
    """Pure ASGI middleware (no per-request task, unlike ``@app.middleware``): the request's
    language (the session's choice, else Accept-Language) in ``request.state.locale``, and
    the security headers on every response; ``Cache-Control: no-store`` on every answer
    but the static files (pages, API answers and exports hold personal data: no browser or
    proxy cache may keep them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        chosen = scope["session"].get("locale") if "session" in scope else None
        request.state.locale = (
            chosen if chosen in LOCALES else negotiate(request.headers.get("accept-language"))
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                if NO_STORE[0] not in present and not scope["path"].startswith("/static/"):
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    engine: Engine | None = None, *, secret_key: str | None = None, settings: Settings | None = None
) -> FastAPI:
    """The app on ``engine`` (default: the settings' database) with ``settings`` (default:
    from the environment)."""
    settings = settings or get_settings()
    engine = engine or engine_for(settings.database_url)
    from safetynet.rules_check import check_rules_dir
    from safetynet.supervision.window import check_setting

    check_rules_dir()  # a malformed file of SAFETYNET_RULES_DIR stops here, with file:line
    check_setting()  # a bad SAFETYNET_SCREENING_RULES stops here, naming its problems
    app = FastAPI(
        lifespan=_lifespan,
        title="SafetyNet",
        version=safetynet.__version__,
        description="One-stop settlement of medical bills through every layer of protection.",
        docs_url=None,  # served by routes/api_docs.py from the packaged Swagger UI
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.engine = engine
    app.state.sessions = sessionmaker(bind=engine, expire_on_commit=False)
    app.state.login_throttle = LoginThrottle(
        settings.login_limit_user, settings.login_limit_client, app.state.sessions
    )
    app.state.write_sessions = sessionmaker(
        bind=engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
    )

    app.add_middleware(ContentSecurityPolicy, hashed_paths=("/api/docs",))
    app.add_middleware(LocaleAndHeaders)
    # added last = outermost: the session exists before the locale middleware runs
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or settings.secret_key(),
        session_cookie="safetynet_session",
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.secure_cookie,
    )
    app.add_middleware(RejectNul)  # refused input never reaches a route
    if settings.trusted_proxies:  # outermost: the client's address and scheme for all else
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    error_handlers.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in routers():
        app.include_router(router)
    return app


def routers() -> list[APIRouter]:
    """The ``router`` of every module in ``safetynet.web.routes``, by module name."""
    found = []
    for info in sorted(pkgutil.iter_modules(routes_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes_pkg.__name__}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found


def route_table() -> list[tuple[str, str]]:
    """(method, path) of every route the routers serve, for the documentation test."""
    table = set()
    for router in routers():
        for route in router.routes:
            if isinstance(route, APIRoute):
                table.update((m, route.path) for m in route.methods - {"HEAD"})
    return sorted(table, key=lambda mp: (mp[1], mp[0]))
