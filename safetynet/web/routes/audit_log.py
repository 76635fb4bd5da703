"""The audit log page: who read or changed what (auditors and administrators)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from safetynet.security import audit
from safetynet.security.roles import Permission
from safetynet.store.models.security import User
from safetynet.web.db import get_db
from safetynet.web.security import require
from safetynet.web.templating import render

router = APIRouter()


@router.get("/audit", include_in_schema=False)
def audit_log(
    request: Request,
    username: str = "",
    target_id: str = "",
    user: User = Depends(require(Permission.AUDIT_READ)),
    db: Session = Depends(get_db),
) -> Response:
    events = audit.recent(db, username=username or None, target_id=target_id or None)
    return render(
        request, "audit.html", {"events": events, "username": username, "target_id": target_id}
    )
