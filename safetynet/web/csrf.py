"""The session's CSRF token: made once per session, carried by every form that changes
something, compared in constant time (used by the templates and the routes alike).
:func:`check_form_csrf` checks a page's form before its fields are validated (every route
that requires a permission calls it: :func:`safetynet.web.security.require`)."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from safetynet.web.errors import WebError


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def check_form_csrf(request: Request) -> None:
    """For a request of a page (not ``/api`` or ``/fhir``, whose cookie sessions send the
    ``X-CSRF-Token`` header, checked with the login) that may change something: the form's
    ``csrf_token`` (or the ``X-CSRF-Token`` header) must be the session's. The form is
    parsed once (Starlette keeps it for the route's own fields)."""
    if request.method in SAFE_METHODS or request.scope["path"].startswith(("/api", "/fhir")):
        return
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else request.headers.get("x-csrf-token"))


def check_csrf(request: Request, token: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not token or not hmac.compare_digest(expected, token):
        raise WebError(
            403, "csrf", "the form has expired or did not come from SafetyNet; reload it"
        )
