"""Logging in and out, and choosing the language.

Failed logins are audited and throttled per username and per client address (429 with
``Retry-After``, :mod:`safetynet.web.throttle`); logging out ends every session of the user
(:func:`safetynet.web.security.revoke_sessions`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from safetynet.security import audit
from safetynet.security.users import authenticate
from safetynet.web.auditing import client_of
from safetynet.web.bounds import NEXT_LENGTH, text_form, text_query
from safetynet.web.csrf import check_csrf, check_form_csrf
from safetynet.web.db import get_db
from safetynet.web.i18n import LOCALES, N_
from safetynet.web.security import (
    login_failed,
    login_refused,
    revoke_sessions,
    start_session,
)
from safetynet.web.templating import render
from safetynet.web.throttle import THROTTLED

router = APIRouter()
WRONG = N_("Wrong username or password.")


def safe_next(target: str | None) -> str:
    """Only paths on this site (``/persons``), never ``//evil.example`` or a full URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = text_query("/", length=NEXT_LENGTH)) -> Response:
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login", include_in_schema=False, dependencies=[Depends(check_form_csrf)])
def login(
    request: Request,
    username: str = text_form(...),
    password: str = text_form(...),
    csrf_token: str = text_form(""),
    next: str = text_form("/", length=NEXT_LENGTH, plain=False),  # safe_next cleans it
    db: Session = Depends(get_db),
) -> Response:
    check_csrf(request, csrf_token)
    wait = login_refused(request, db, username, "form")
    if wait is not None:
        minutes = -(-wait // 60)
        page = render(
            request, "login.html",
            {"next": safe_next(next), "error": THROTTLED, "error_args": {"minutes": minutes}},
            status=429,
        )  # fmt: skip
        page.headers["Retry-After"] = str(wait)
        return page
    user = authenticate(db, username.strip(), password)
    if user is None:
        login_failed(request, db, username, "form")
        return render(request, "login.html", {"next": safe_next(next), "error": WRONG}, status=401)
    audit.record_read(
        db, username=user.username, action="login", target="user", client=client_of(request)
    )
    start_session(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


# the token is checked before the form's fields are validated: a forged one of any length
# is a 403, not a 422 about its length (as for the login form and every other page's form)
@router.post("/logout", include_in_schema=False, dependencies=[Depends(check_form_csrf)])
def logout(
    request: Request, csrf_token: str = text_form(""), db: Session = Depends(get_db)
) -> Response:
    """End this session and every other of the user (cookies captured before now included)."""
    check_csrf(request, csrf_token)
    uid, epoch = request.session.get("uid"), request.session.get("epoch")
    if uid is not None and epoch is not None:
        revoke_sessions(db, uid, epoch)
        db.commit()
    request.session.clear()
    # the pages kept for offline use and any browser copy go with the session (the login
    # page's script clears the worklist's offline caches too, where this header is not obeyed)
    return RedirectResponse("/login", status_code=303, headers={"clear-site-data": '"cache"'})


@router.get("/locale/{locale}", include_in_schema=False)
def choose_locale(
    request: Request, locale: str, next: str = text_query("/", length=NEXT_LENGTH)
) -> Response:
    if locale in LOCALES:
        request.session["locale"] = locale
    return RedirectResponse(safe_next(next), status_code=303)
