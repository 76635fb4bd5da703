"""User accounts: create, authenticate, change password, deactivate.

A username is case-insensitive: ``Bureau`` and ``bureau`` are one account. The account keeps
the name as created (``username``, shown and audited) and its folded form (``username_key``,
:func:`safetynet.security.login_failures.fold_username`: surrounding space dropped, lower
case), unique in the database; a name is looked up by its folded form (login by form and
HTTP Basic, ``safetynet user passwd``), and one differing from an existing account's only
by case is refused when created.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.security.login_failures import KEY_LENGTH, fold_username
from safetynet.security.passwords import hash_password, needs_rehash, verify_password
from safetynet.store.models import Region
from safetynet.store.models.security import Role, User

# A hash to verify against when the username is unknown, so that a wrong username and a
# wrong password take the same time.
_DUMMY_HASH = hash_password("not-a-real-password")


class UserError(ValueError):
    pass


def find_user(session: Session, username: str) -> User | None:
    """The account named ``username``, whatever its case (None when there is none)."""
    return session.scalar(select(User).where(User.username_key == fold_username(username)))


def audit_name(session: Session, username: str) -> str:
    """The name an attempt with ``username`` is audited under: its account's name, else
    the folded name (so ``BUREAU`` and ``bureau`` are one user in the audit log too)."""
    user = find_user(session, username)
    return user.username if user is not None else fold_username(username)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    region_code: str,
    display_name: str | None = None,
    institution_code: str | None = None,
    locale: str = "zh_Hans",
) -> User:
    username = username.strip()
    if not username:
        raise UserError("a username is not empty")
    if len(username) > KEY_LENGTH:
        raise UserError(f"a username has at most {KEY_LENGTH} characters")
    same = find_user(session, username)
    if same is not None:
        if same.username == username:
            raise UserError(f"user {username!r} already exists")
        raise UserError(f"user {same.username!r} already exists: usernames are not "
                        f"case-sensitive, {username!r} would be the same account")  # fmt: skip
    if session.get(Region, region_code) is None:
        raise UserError(f"region {region_code} is not in the registry")
    if locale not in ("en", "zh_Hans"):
        raise UserError(f"locale must be en or zh_Hans, not {locale!r}")
    user = User(
        username=username,
        username_key=fold_username(username),
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        region_code=region_code,
        institution_code=institution_code,
        locale=locale,
        active=True,
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username (any case) and password, or None (same time
    either way)."""
    user = find_user(session, username)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_password(session: Session, username: str, password: str) -> None:
    """A new password; every earlier session and remembered credential of the user ends."""
    user = find_user(session, username)
    if user is None:
        raise UserError(f"no user {username!r}")
    user.password_hash = hash_password(password)
    user.session_epoch = (user.session_epoch or 0) + 1
