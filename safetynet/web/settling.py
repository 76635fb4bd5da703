"""The settlement call shared by the JSON API and FHIR: the busiest call of the system, done
in one worker-thread call and one transaction.

A dependency chain would hop threads four times and open a second session for the login;
here the caller's user row, the access checks, the settlement and its audit entry share the
settlement's transaction. A Basic credential not verified lately is checked first, in a read
session of its own: the password hash is slow, and no write lock is held meanwhile.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from safetynet.security import audit
from safetynet.security.roles import Permission
from safetynet.settlement import service
from safetynet.settlement.facts import PersonFacts
from safetynet.settlement.service import SettlementView
from safetynet.settlement.submission import ClaimSubmission
from safetynet.web.access import check_submission
from safetynet.web.auditing import client_of
from safetynet.web.db import write_session
from safetynet.web.security import authorize, authorize_remembered, remembered


def settle_request(
    request: Request,
    sub: ClaimSubmission,
    *,
    channel: str,
    idempotency_key: str | None,
    detail: dict[str, Any],
) -> tuple[SettlementView, PersonFacts]:
    """Log in, check, settle, record and audit ``sub``; the settlement and its person.

    ``channel`` ("api", "fhir") scopes the client's idempotency key, with the username: a
    retry through the same channel by the same user answers the first settlement.
    ``detail``: what the audit entry says besides the settlement id."""
    if not remembered(request):
        with request.app.state.sessions() as db:
            authorize(request, db, Permission.CLAIM_SETTLE)
    with write_session(request) as wdb:
        user = authorize_remembered(request, wdb, Permission.CLAIM_SETTLE)
        if user is None:  # a browser session, or deactivated since: the full check answers
            user = authorize(request, wdb, Permission.CLAIM_SETTLE)
        key = f"{channel}-{user.username}-{idempotency_key}" if idempotency_key else None
        person = check_submission(wdb, user, sub)
        view = service.submit(wdb, sub, user=user.username, client_key=key, person=person)
        if not view.replayed:
            audit.record(wdb, username=user.username, action="settle", target="settlement",
                         target_id=str(view.settlement_id), client=client_of(request),
                         detail=detail)  # fmt: skip
    return view, person
