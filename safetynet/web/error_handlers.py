"""The app's error handlers: each error becomes JSON under ``/api``, an OperationOutcome
under ``/fhir`` and the error page (in the user's language) elsewhere; the errors
themselves and their JSON answers live in :mod:`safetynet.web.errors`."""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from safetynet.plain_text import LINES_PATTERN, ONE_LINE_PATTERN, hidden_character
from safetynet.settlement.errors import SettlementError
from safetynet.web.api_text import api_locale, api_text
from safetynet.web.errors import (
    LOG_EVERY,
    RETRY_AFTER,
    TITLES,
    UNAVAILABLE,
    LoginRequired,
    WebError,
    database_unreachable,
    http_error_code,
    is_api,
    is_phone_json,
    json_answer,
    outcome_answer,
)
from safetynet.web.i18n import translations
from safetynet.web.messages import error_text
from safetynet.web.templating import gettext_for, locale_of, render

log = logging.getLogger("safetynet.web")
TEXT_PATTERNS = (ONE_LINE_PATTERN, LINES_PATTERN)


def _unavailable(request: Request) -> Response:
    if is_api(request):
        answer = _answer(request, 503, "database_unavailable", UNAVAILABLE, None)
    else:
        message = translations(locale_of(request)).gettext(UNAVAILABLE)
        answer = _page(request, 503, "database_unavailable", message)
    answer.headers["retry-after"] = str(RETRY_AFTER)
    return answer


def _page(
    request: Request, status: int, code: str, message: str, field: str | None = None
) -> Response:
    """The error page, its message in the user's language (:mod:`safetynet.web.messages`)."""
    user = getattr(request.state, "user", None)
    role = user.role.value if user is not None else None
    text = error_text(code, message, field, gettext_for(request), role=role)
    return render(
        request,
        "error.html",
        {"status": status, "code": code, "message": text, "title": TITLES.get(status, "")},
        status=status,
    )


def _answer(
    request: Request,
    status: int,
    code: str,
    message: str,
    field: str | None,
    exc: Exception | None = None,
) -> Response:
    if is_api(request):  # the message in the request's language (:mod:`.api_text`)
        locale, role = api_locale(request.scope), _role(request)
        if request.url.path.startswith("/fhir"):
            return outcome_answer(status, code, message, field, exc, locale=locale, role=role)
        text = api_text(status, code, message, field, locale, role=role, exc=exc)
        return json_answer(status, code, text, field)
    if is_phone_json(request):
        return _phone(request, status, code, message, field)
    return _page(request, status, code, message, field)


def _role(request: Request) -> str | None:
    """The role of the request's user, once the access checks have found them."""
    user = getattr(request.state, "user", None)
    return user.role.value if user is not None else None


def _phone(request: Request, status: int, code: str, message: str, field: str | None
           ) -> Response:  # fmt: skip
    """JSON for the phone's queue, its sentence in the user's language (as the page's)."""
    user = getattr(request.state, "user", None)
    role = user.role.value if user is not None else None
    text = error_text(code, message, field, gettext_for(request), role=role)
    return json_answer(status, code, text, field)


def _login_again(request: Request, message: str, field: str | None, body: object) -> Response:
    """A login form refused as it stands (a field too long): the login page again with the
    sentence naming the field, as for a wrong password; ``next`` kept only when it is a
    bounded path on this site."""
    from safetynet.web.bounds import NEXT_LENGTH
    from safetynet.web.routes.auth import safe_next

    target = body.get("next") if hasattr(body, "get") else None
    target = target if isinstance(target, str) and len(target) <= NEXT_LENGTH else None
    text = error_text("invalid", message, field, gettext_for(request))
    return render(
        request, "login.html",
        {"next": safe_next(target), "error": "%(text)s", "error_args": {"text": text}},
        status=422,
    )  # fmt: skip


def _plain(error: dict) -> dict:  # type: ignore[type-arg]
    """A form field refused by the one rule for text (:func:`safetynet.web.bounds.text_form`'s
    pattern) said as that rule says it, naming the character, not as the pattern."""
    pattern = (error.get("ctx") or {}).get("pattern")
    if error.get("type") == "string_pattern_mismatch" and pattern in TEXT_PATTERNS:
        text = error.get("input")
        kept = "\n\r" if pattern == LINES_PATTERN else ""
        where = hidden_character("".join(c for c in str(text) if c not in kept))
        msg = f"holds a control or invisible character ({where}): retype it"
        return {**error, "msg": msg, "ctx": {}}
    return error


def install(app: FastAPI) -> None:
    @app.exception_handler(WebError)
    async def _web(request: Request, exc: WebError) -> Response:
        response = _answer(request, exc.status, exc.code, exc.message, exc.field)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(SettlementError)
    async def _settlement(request: Request, exc: SettlementError) -> Response:
        return _answer(request, exc.status, exc.code, exc.message, exc.field, exc)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if is_api(request) or is_phone_json(request):
            return _answer(
                request, 401, "login_required", "log in or send HTTP Basic credentials", None
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = http_error_code(exc.status_code, str(exc.detail))
        message = str(exc.detail)
        if request.url.path.startswith("/fhir") and exc.status_code in (404, 405):
            code = "unknown_type" if exc.status_code == 404 else code
            message = f"{request.method} {request.url.path} is not an interaction of this server"
            message += " (see /fhir/metadata)"
        return _answer(request, exc.status_code, code, message, None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [_plain(e) for e in exc.errors()]
        first = errors[0] if errors else {}
        loc = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
        message = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('body', 'query'))}: "
            f"{e.get('msg', 'invalid')}"
            for e in errors[:10]
        )
        if request.url.path.startswith("/fhir"):
            from safetynet.api.fhir.outcome import FhirError, Issue

            issues = [
                Issue("param_invalid", f"parameter {e['loc'][-1]}: {e.get('msg', 'invalid')}",
                      issue_type="required" if e.get("type") == "missing" else "value")
                for e in errors[:10]
            ] or [Issue("param_invalid", "the request is not valid")]  # fmt: skip
            return outcome_answer(
                400,
                "param_invalid",
                message,
                None,
                FhirError(issues, 400),
                locale=api_locale(request.scope),
                role=_role(request),
            )
        if is_api(request) or is_phone_json(request):
            return _answer(request, 422, "invalid", message, loc or None)
        if request.url.path == "/login" and request.method == "POST":
            return _login_again(request, message, loc or None, getattr(exc, "body", None))
        return _page(request, 422, "invalid", message, loc or None)

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
