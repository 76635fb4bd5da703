"""Errors the web app answers with: JSON for the API (never an HTML page), a page for people.

Routes raise :class:`WebError` (or let a ``SettlementError`` through); the handlers turn
it into ``{"error": {"code", "message", "field"}}`` under ``/api`` and ``/fhir``, and into
the error page elsewhere.
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from safetynet.settlement.errors import SettlementError
from safetynet.web.i18n import N_, translations

log = logging.getLogger("safetynet.web")

TITLES = {
    400: N_("The request is not valid"),
    401: N_("Please log in"),
    403: N_("You may not do this"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    422: N_("The request cannot be carried out"),
    500: N_("Something went wrong on our side"),
    503: N_("The service is briefly unavailable"),
}
UNAVAILABLE = N_(
    "The database cannot be reached at the moment; nothing was recorded. Try again in a few "
    "seconds."
)
RETRY_AFTER = 5  # seconds a client is asked to wait when the database cannot be reached
LOG_EVERY = 10.0  # seconds between two log lines of one outage


class WebError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


class LoginRequired(Exception):
    """A page needs a logged-in user: redirect to the login page."""


def json_error(path: str, status: int, code: str, message: str) -> JSONResponse:
    """The error answer for a path, before there is a request object (ASGI middleware)."""
    if path.startswith("/fhir"):
        return _operation_outcome(status, code, message, None)
    return _json(status, code, message)


def is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api") or path.startswith("/fhir")


FHIR_ISSUE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 409: "conflict",
              422: "processing", 500: "exception", 503: "transient"}  # fmt: skip


def _operation_outcome(status: int, code: str, message: str, field: str | None) -> JSONResponse:
    issue = {
        "severity": "error",
        "code": FHIR_ISSUE.get(status, "processing"),
        "details": {"text": code},
        "diagnostics": message,
    }
    if field:
        issue["expression"] = [field]
    return JSONResponse(
        {"resourceType": "OperationOutcome", "issue": [issue]},
        status_code=status,
        media_type="application/fhir+json",
    )


def _json(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field}}, status_code=status
    )


def database_unreachable(exc: BaseException) -> bool:
    """The database is down, restarting, unreachable or out of connections: an answer of
    503 (try again), not 500 (a fault of ours)."""
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _unavailable(request: Request) -> Response:
    from safetynet.web.templating import locale_of

    if is_api(request):
        answer = _answer(request, 503, "database_unavailable", UNAVAILABLE, None)
    else:
        message = translations(locale_of(request)).gettext(UNAVAILABLE)
        answer = _page(request, 503, "database_unavailable", message)
    answer.headers["retry-after"] = str(RETRY_AFTER)
    return answer


def _page(request: Request, status: int, code: str, message: str) -> Response:
    from safetynet.web.templating import render

    return render(
        request,
        "error.html",
        {"status": status, "code": code, "message": message, "title": TITLES.get(status, "")},
        status=status,
    )


def _answer(request: Request, status: int, code: str, message: str, field: str | None) -> Response:
    if request.url.path.startswith("/fhir"):
        return _operation_outcome(status, code, message, field)
    if is_api(request):
        return _json(status, code, message, field)
    return _page(request, status, code, message)


def install(app: FastAPI) -> None:
    @app.exception_handler(WebError)
    async def _web(request: Request, exc: WebError) -> Response:
        return _answer(request, exc.status, exc.code, exc.message, exc.field)

    @app.exception_handler(SettlementError)
    async def _settlement(request: Request, exc: SettlementError) -> Response:
        return _answer(request, exc.status, exc.code, exc.message, exc.field)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if is_api(request):
            return _answer(
                request, 401, "login_required", "log in or send HTTP Basic credentials", None
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _answer(request, exc.status_code, code, str(exc.detail), None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
        message = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('body', 'query'))}: "
            f"{e.get('msg', 'invalid')}"
            for e in errors[:10]
        )
        if is_api(request):
            return _answer(request, 422, "invalid", message, loc or None)
        return _page(request, 422, "invalid", message)

    last_logged = [0.0]

    async def _database(request: Request, exc: Exception) -> Response:
        if time.monotonic() - last_logged[0] > LOG_EVERY:  # an outage is not 1,000 lines
            last_logged[0] = time.monotonic()
            log.warning("database unreachable on %s %s: %s", request.method, request.url.path,
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)  # fmt: skip
        return _unavailable(request)

    # registered per class (not under ``Exception``): the answer goes out as any other and
    # the connection stays open for the client's next request
    for cls in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(cls, _database)

    @app.exception_handler(DBAPIError)
    async def _dbapi(request: Request, exc: DBAPIError) -> Response:
        if database_unreachable(exc):
            return await _database(request, exc)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _answer(request, 500, "internal", "an unexpected error; it has been logged", None)
