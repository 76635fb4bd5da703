"""Assembles the web app: middleware, error handlers, static files and every router.

``create_app(engine)`` is used by ``safetynet serve``/``demo`` and, in-process, by the tests.
Routers are discovered the way CLI commands are: every module in ``safetynet.web.routes``
exposes ``router``; the built-in pages use exactly this hook.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

import safetynet
import safetynet.web.routes as routes_pkg
from safetynet.config import get_settings
from safetynet.settlement.policies import warm_up
from safetynet.store.db import engine_for
from safetynet.web import errors
from safetynet.web.hygiene import RejectNul
from safetynet.web.i18n import LOCALES, negotiate

STATIC = Path(__file__).parent / "static"
SESSION_MAX_AGE = 8 * 3600  # a working day


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """At start-up, compile the policies and the settlement kernel (a few seconds once), so
    the first claim at the window is as fast as the others. A policy that does not load
    stops the server here, not at the first patient."""
    await run_in_threadpool(warm_up)
    yield


def create_app(engine: Engine | None = None, *, secret_key: str | None = None) -> FastAPI:
    settings = get_settings()
    engine = engine or engine_for(settings.database_url)
    app = FastAPI(
        lifespan=_lifespan,
        title="SafetyNet",
        version=safetynet.__version__,
        description="One-stop settlement of medical bills through every layer of protection.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.engine = engine
    app.state.sessions = sessionmaker(bind=engine, expire_on_commit=False)
    app.state.write_sessions = sessionmaker(
        bind=engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
    )

    @app.middleware("http")
    async def _locale(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        chosen = request.session.get("locale") if "session" in request.scope else None
        request.state.locale = (
            chosen if chosen in LOCALES else negotiate(request.headers.get("accept-language"))
        )
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    # added last = outermost: the session exists before the locale middleware runs
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or settings.secret_key(),
        session_cookie="safetynet_session",
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=False,
    )
    app.add_middleware(RejectNul)  # outermost: refused input never reaches a route
    errors.install(app)
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
