"""The session's CSRF token: made once per session, carried by every form that changes
something, compared in constant time (used by the templates and the routes alike); a wrong
one, whatever its length, is a 403 ``csrf`` naming the field ``csrf_token``.
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
    check_csrf(request, await form_csrf_token(request))


async def form_csrf_token(request: Request) -> str | None:
    """The form's ``csrf_token`` as sent, else the ``X-CSRF-Token`` header: a dependency for
    a route that checks the token itself after something else (the phone's queue: the login
    first), so that a forged token of any length is a 403 there, not a 422 about a field's
    length (a token is compared, never stored)."""
    token = (await request.form()).get("csrf_token")
    return token if isinstance(token, str) else request.headers.get("x-csrf-token")


def check_csrf(request: Request, token: str | None) -> None:
    """403 ``csrf`` naming the field ``csrf_token`` unless ``token`` is the session's: a
    token of any length or characters (compared as UTF-8 bytes, so a forged one of 5,000
    characters or of Chinese ones is refused like any other, never a 422 or a 500)."""
    expected = request.session.get("csrf")
    if not (
        isinstance(expected, str)
        and token
        and hmac.compare_digest(expected.encode(), token.encode("utf-8", "surrogatepass"))
    ):
        raise WebError(
            403, "csrf", "the form has expired or did not come from SafetyNet; reload it",
            field="csrf_token",
        )  # fmt: skip
