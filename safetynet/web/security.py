"""The logged-in user of a request, permissions and HTTP Basic for systems.

People log in with a form and get a signed session cookie (Starlette's ``SessionMiddleware``,
itsdangerous); a form that changes something carries the session's CSRF token
(:mod:`safetynet.web.csrf`). Hospital
systems calling ``/api`` or ``/fhir`` send HTTP Basic credentials instead (no cookie, so no
CSRF); a verified credential is remembered for a few minutes so the Argon2 check is not
paid on every call.

Sessions can be revoked: the session and a remembered credential carry the user's
``session_epoch``, which logout and a password change raise, and every request compares it
with the user's row, so an earlier cookie or a remembered old password stops working at
once, on every server of a deployment. Failed logins over Basic are audited and throttled
like the form's (:mod:`safetynet.web.throttle`).
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from safetynet.security import audit
from safetynet.security.login_failures import fold_username
from safetynet.security.roles import Permission, allows, user_allows
from safetynet.security.users import audit_name, authenticate
from safetynet.store.models.security import Role, User
from safetynet.web.auditing import client_of
from safetynet.web.csrf import check_csrf, check_form_csrf
from safetynet.web.db import get_db
from safetynet.web.errors import LoginRequired, WebError, is_api
from safetynet.web.throttle import LoginThrottle, LoginThrottled


@dataclass(frozen=True)
class UserView:
    """What pages show of the logged-in user (outlives the request's database session)."""

    id: int
    username: str
    display_name: str
    role: Role
    region_code: str
    institution_code: str | None


CREDENTIAL_TTL = 300.0  # seconds a verified Basic credential is remembered
# sha256(user:password) -> (user id, the user's session epoch then, expiry, role then)
_verified: dict[str, tuple[int, int, float, Role]] = {}


def _credential_key(request: Request) -> tuple[str, str, str] | None:
    """(cache key, username, password) of the request's Basic credentials, None without."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        username, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise WebError(401, "credentials_malformed", "malformed Basic credentials") from None
    return hashlib.sha256(f"{username}:{password}".encode()).hexdigest(), username, password


def _remembered_id(request: Request) -> tuple[int, int] | None:
    """(user id, session epoch) of a Basic credential verified in the last few minutes; None
    also while logins of its user or from this client are throttled (the full check then
    answers 429: a guess that happens to be remembered gets no way around the throttle)."""
    hit = _remembered_hit(request)
    return None if hit is None else (hit[0], hit[1])


def _remembered_hit(request: Request) -> tuple[int, int, float, Role] | None:
    if not is_api(request):
        return None
    credential = _credential_key(request)
    if credential is None:
        return None
    hit = _verified.get(credential[0])
    if not hit or hit[2] <= time.monotonic():
        return None
    if throttle_of(request).blocked(credential[1], client_of(request)):
        return None
    return hit


def remembered(request: Request) -> bool:
    """Whether the request carries a Basic credential verified in the last few minutes."""
    return _remembered_id(request) is not None


async def remembered_async(request: Request) -> bool:
    """:func:`remembered` for a coroutine: when the throttle's snapshot is due for a
    refresh (a query), it is read in a worker thread, never on the event loop (a database
    stopped or slow to answer would stop every request of the process)."""
    if is_api(request) and throttle_of(request).due():
        return await run_in_threadpool(remembered, request)
    return remembered(request)


async def remembered_may(request: Request, permission: Permission) -> bool:
    """Whether the request carries a Basic credential verified in the last few minutes whose
    role then held ``permission``: a route that checks the user in full later (the
    settlement writer) asks this before reading the body, so that a caller without the
    right gets 401 or 403 rather than a 422 about a body it may not send at all."""
    if is_api(request) and throttle_of(request).due():
        hit = await run_in_threadpool(_remembered_hit, request)
    else:
        hit = _remembered_hit(request)
    return hit is not None and allows(hit[3], permission)


def throttle_of(request: Request) -> LoginThrottle:
    """The app's failed-login throttle (one per app, from its settings)."""
    return request.app.state.login_throttle  # type: ignore[no-any-return]


def login_refused(request: Request, db: Session, username: str, via: str) -> int | None:
    """While failed logins of ``username`` or from this client are throttled: audit the
    refused attempt (``login_throttled``) and return the seconds to wait; else None."""
    client = client_of(request)
    wait = throttle_of(request).retry_after(db, username, client)
    if wait is not None:
        audit.record_read(db, username=audit_name(db, username), action="login_throttled",
                          target="user", client=client, detail={"via": via})  # fmt: skip
    return wait


def login_failed(request: Request, db: Session, username: str, via: str) -> None:
    """Audit a failed login (committed at once) and count it against the username and the
    client address."""
    client = client_of(request)
    audit.record_read(db, username=audit_name(db, username), action="login_failed", target="user",
                      client=client, detail={"via": via})  # fmt: skip
    throttle_of(request).failed(db, username, client)


def _basic_user(request: Request, db: Session) -> User | None:
    credential = _credential_key(request)
    if credential is None:
        return None
    key, username, password = credential
    wait = login_refused(request, db, username, "basic")
    if wait is not None:
        raise LoginThrottled(wait)
    hit = _verified.get(key)
    if hit and hit[2] > time.monotonic():
        user = db.get(User, hit[0])
        if (
            user is not None
            and user.active
            and user.session_epoch == hit[1]
            and user.username_key == fold_username(username)
        ):
            return user
        _verified.pop(key, None)  # revoked since (logout, new password): check it again
    user = authenticate(db, username, password)
    if user is None:
        login_failed(request, db, username, "basic")
        raise WebError(401, "credentials_wrong", "wrong username or password")
    _verified[key] = (user.id, user.session_epoch, time.monotonic() + CREDENTIAL_TTL, user.role)
    return user


def start_session(request: Request, user: User) -> None:
    """A fresh session for ``user`` (after a login): earlier contents dropped."""
    request.session.clear()
    request.session["uid"] = user.id
    request.session["epoch"] = user.session_epoch
    request.session["locale"] = user.locale


def _session_user(request: Request, db: Session) -> User | None:
    """The user of the session cookie, if the session is still valid (active user, and no
    logout or password change since it began)."""
    uid = request.session.get("uid")
    user = db.get(User, uid) if uid else None
    if user is None or not user.active or request.session.get("epoch") != user.session_epoch:
        return None
    return user


def revoke_sessions(db: Session, user_id: int, epoch: int | None = None) -> None:
    """End every session and remembered credential of the user (logout: only if ``epoch``,
    the logging-out session's, is still current, so a stale cookie cannot log others out)."""
    query = update(User).where(User.id == user_id)
    if epoch is not None:
        query = query.where(User.session_epoch == epoch)
    db.execute(query.values(session_epoch=User.session_epoch + 1))


def current_user(request: Request, db: Session = Depends(get_db)) -> User:
    user: User | None = None
    if is_api(request):
        user = _basic_user(request, db)
        via_cookie = user is None
    else:
        via_cookie = True
    if user is None:
        user = _session_user(request, db)
        if user is None:
            if "uid" in request.session:  # revoked or deactivated: forget it
                request.session.clear()
            raise LoginRequired()
    if via_cookie and is_api(request) and request.method not in ("GET", "HEAD", "OPTIONS"):
        check_csrf(request, request.headers.get("x-csrf-token"))
    request.state.user = UserView(
        user.id, user.username, user.display_name, user.role, user.region_code,
        user.institution_code,
    )  # fmt: skip
    if "locale" not in request.session:
        request.state.locale = user.locale
    return user


def check_permission(user: User | UserView, *permissions: Permission) -> User | UserView:
    """403 unless the user holds every one of ``permissions`` (their role grants it and,
    bound to an institution, it is not withheld from them: ``roles.user_allows``)."""
    if not all(user_allows(user, p) for p in permissions):
        raise WebError(403, "forbidden", f"the role {user.role.value} may not do this")
    return user


def authorize(request: Request, db: Session, permission: Permission) -> User:
    """The current user, who must hold ``permission``: for a route that does all its work in
    one worker-thread call instead of a dependency chain."""
    user = current_user(request, db)
    check_permission(user, permission)
    return user


_USER_ROW = select(
    User.id, User.username, User.display_name, User.role, User.region_code,
    User.institution_code, User.locale,
).where(User.id == bindparam("id"), User.active.is_(True),
        User.session_epoch == bindparam("epoch"))  # fmt: skip


def authorize_remembered(request: Request, db: Session, permission: Permission) -> UserView | None:
    """For a Basic credential verified in the last few minutes (the usual case of a hospital
    system): the user's current row, read with one plain query on ``db``'s connection —
    inside the caller's transaction, so a deactivated user or a changed role or region
    counts at once — and checked for ``permission``. None when the credential is not
    remembered (log in with :func:`authorize`, which checks the password, then call
    again), or when the user is no longer active or the credential was revoked since."""
    hit = _remembered_id(request)
    row = (
        db.connection().execute(_USER_ROW, {"id": hit[0], "epoch": hit[1]}).first() if hit else None
    )
    if row is None:
        return None
    user = UserView(row.id, row.username, row.display_name, row.role, row.region_code,
                    row.institution_code)  # fmt: skip
    check_permission(user, permission)
    request.state.user = user
    if "locale" not in request.session:
        request.state.locale = row.locale
    return user


def require(*permissions: Permission) -> Callable[..., Awaitable[User]]:
    """A dependency: the current user, who must hold every one of ``permissions``; for a
    form a page posts (a cookie session), the session's CSRF token too. Both are checked
    before FastAPI validates the body, so a role without the right, or a form from another
    site, is refused (403) whatever it sends, never answered with a 422 about its fields, and no
    route of a page can change something without the token even if it forgot to check it."""

    async def dependency(request: Request, user: User = Depends(current_user)) -> User:
        check_permission(user, *permissions)
        await check_form_csrf(request)
        return user

    return dependency
