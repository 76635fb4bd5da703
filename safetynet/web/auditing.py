"""What the web app writes to the audit log when a user reads or exports personal or
financial data: who, what, and from which address — committed at once
(:func:`safetynet.security.audit.record_read`). Every page, the JSON API, FHIR and the
downloads record through :func:`record_read`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from sqlalchemy.orm import Session

from safetynet.registry.resident_id import as_typed
from safetynet.security import audit
from safetynet.store.models.security import User

if TYPE_CHECKING:
    from safetynet.settlement.submission import ClaimSubmission


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


def record_preview(
    request: Request, db: Session, user: User, sub: ClaimSubmission, via: str
) -> None:
    """Record that ``user`` previewed a settlement of ``sub``'s person (a read of their
    entitlement, accumulators and history): one entry per preview request, at the window
    (a button, not a keystroke), the API and FHIR alike; the person's ID is its target."""
    record_read(request, db, user, target="person", target_id=as_typed(sub.resident_id),
                action="preview", detail={"via": via, "institution": sub.institution_code,
                                          "date": sub.date.isoformat()})  # fmt: skip
