"""The session's CSRF token: made once per session, carried by every form that changes
something, compared in constant time (used by the templates and the routes alike)."""

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


def check_csrf(request: Request, token: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not token or not hmac.compare_digest(expected, token):
        raise WebError(
            403, "csrf", "the form has expired or did not come from SafetyNet; reload it"
        )
