"""User accounts: create, authenticate, change password, deactivate."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.security.passwords import hash_password, needs_rehash, verify_password
from safetynet.store.models import Region
from safetynet.store.models.security import Role, User

# A hash to verify against when the username is unknown, so that a wrong username and a
# wrong password take the same time.
_DUMMY_HASH = hash_password("not-a-real-password")


class UserError(ValueError):
    pass


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
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    if session.get(Region, region_code) is None:
        raise UserError(f"region {region_code} is not in the registry")
    if locale not in ("en", "zh_Hans"):
        raise UserError(f"locale must be en or zh_Hans, not {locale!r}")
    user = User(
        username=username,
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
    """The active user with this username and password, or None (same time either way)."""
    user = session.scalar(select(User).where(User.username == username))
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
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserError(f"no user {username!r}")
    user.password_hash = hash_password(password)
    user.session_epoch = (user.session_epoch or 0) + 1
