"""What the web app writes to the audit log when a user reads or exports personal or
financial data: who, what, and from which address — committed at once
(:func:`safetynet.security.audit.record_read`). Every page, the JSON API, FHIR and the
downloads record through :func:`record_read`."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from safetynet.security import audit
from safetynet.store.models.security import User


def client_of(request: Request) -> str | None:
    """The address the request came from (None when the server does not know it)."""
    return request.client.host if request.client else None


def record_read(
    request: Request,
    db: Session,
    user: User,
    *,
    target: str,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
    action: str = "read",
) -> None:
    """Record that ``user`` read (or exported, searched) ``target`` and commit."""
    audit.record_read(db, username=user.username, action=action, target=target,
                      target_id=target_id, detail=detail, client=client_of(request))  # fmt: skip
