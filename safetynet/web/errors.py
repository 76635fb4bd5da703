"""Errors the web app answers with: JSON for the API (never an HTML page), a page for people.

Routes raise :class:`WebError` (or let a ``SettlementError`` through); the handlers
(:mod:`safetynet.web.error_handlers`) turn it into ``{"error": {"code", "message",
"field"}}`` under ``/api`` and ``/fhir``, and into the error page elsewhere. This module
holds the errors and the JSON answers, nothing that renders a page.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from safetynet.web.i18n import N_
from safetynet.web.messages import TITLES as TITLES  # the error page's headings, by status

log = logging.getLogger("safetynet.web")
UNAVAILABLE = N_(
    "The database cannot be reached at the moment; nothing was recorded. Try again in a few "
    "seconds."
)
RETRY_AFTER = 5  # seconds a client is asked to wait when the database cannot be reached
LOG_EVERY = 10.0  # seconds between two log lines of one outage


# what the web framework says of a form it cannot read (a 400 of its own, in English) -> the
# app's code, so the person reads the app's sentence in their language (the page, or JSON
# under /api): too many fields, too many files, a part too large, a body not a form
FORM_ERRORS = (
    ("Too many fields", "form_too_many_fields"),
    ("Too many files", "form_too_many_files"),
    ("exceeded maximum size", "form_part_too_large"),
)
FORM_UNREADABLE = "form_unreadable"


def http_error_code(status: int, detail: str) -> str:
    """The app's code of an HTTP error the framework raised (``detail`` its English text):
    ``not_found``, ``method_not_allowed``, a form's problem (:data:`FORM_ERRORS`; any other
    400 is a body that could not be read, ``form_unreadable``), else ``http_error``."""
    if status in (404, 405):
        return "not_found" if status == 404 else "method_not_allowed"
    if status == 400:
        return next((code for words, code in FORM_ERRORS if words in detail), FORM_UNREADABLE)
    return "http_error"


class WebError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}


class LoginRequired(Exception):
    """A page needs a logged-in user: redirect to the login page."""


def json_error(path: str, status: int, code: str, message: str, locale: str = "en") -> JSONResponse:
    """The error answer for a path, before there is a request object (ASGI middleware), its
    message in ``locale`` (:func:`safetynet.web.api_text.api_locale` of the scope)."""
    from safetynet.web.api_text import api_text

    if path.startswith("/fhir"):
        return outcome_answer(status, code, message, None, locale=locale)
    return json_answer(status, code, api_text(status, code, message, None, locale))


def is_api(request: Request) -> bool:
    path: str = request.scope["path"]  # not request.url: building it costs more than the test
    return path.startswith("/api") or path.startswith("/fhir")


# routes of pages that their scripts call and read as JSON, showing the sentence: the village
# doctor's phone queue (static/worklist.js), a design search's progress (static/design.js),
# the window's item lookup (static/window.js) — a refusal made before the route runs (no
# login any more, a bad id, an overlong field) too, never an HTML page or a login redirect
_PHONE_JSON = re.compile(
    r"/worklist/(?:token|[^/]+/send)|/design/[^/]+/progress|/window/items/[^/]+"
)


def is_phone_json(request: Request) -> bool:
    """Whether the path is one a page's script calls (JSON answers, in the user's
    language, never an HTML page)."""
    return _PHONE_JSON.fullmatch(request.scope["path"]) is not None


def outcome_answer(
    status: int,
    code: str,
    message: str,
    field: str | None,
    exc: Exception | None = None,
    *,
    locale: str = "en",
    role: str | None = None,
) -> JSONResponse:
    """An OperationOutcome (``safetynet.api.fhir.outcome``): every issue of a ``FhirError``,
    else one; a field is its expression when it is a FHIRPath (``Claim.item[0]``). Each
    issue's text in ``locale`` (:func:`safetynet.web.api_text.api_text`; its code and
    expression as they are)."""
    from safetynet.api.fhir.outcome import FhirError, Issue, operation_outcome
    from safetynet.web.api_text import api_text

    if isinstance(exc, FhirError):
        issues = exc.issues
    else:
        path = field if field and field[:1].isupper() else None
        issues = [Issue(code, message, path)]
    issues = [
        replace(i, message=api_text(status, i.code, i.message, i.expression, locale, role=role,
                                    fhir=True, exc=exc))
        for i in issues
    ]  # fmt: skip
    return JSONResponse(
        operation_outcome(issues, status),
        status_code=status,
        media_type="application/fhir+json",
        headers=_challenge(status),
    )


def _challenge(status: int) -> dict[str, str] | None:
    """A 401 names the scheme to log in with (RFC 9110): HTTP Basic."""
    return (
        {"WWW-Authenticate": 'Basic realm="SafetyNet", charset="UTF-8"'} if status == 401 else None
    )


def json_answer(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field}},
        status_code=status,
        headers=_challenge(status),
    )


def database_unreachable(exc: BaseException) -> bool:
    """The database is down, restarting, unreachable or out of connections: an answer of
    503 (try again), not 500 (a fault of ours)."""
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
