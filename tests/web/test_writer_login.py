"""The settlement writer's batch transaction is never committed half-way by a login check:
a Basic credential no longer remembered when the batch runs (throttled, revoked since it was
queued) is sent back to be checked outside the batch, where the refused login is audited."""

from __future__ import annotations

import base64
import uuid

import pytest
from sqlalchemy import select
from starlette.requests import Request

from safetynet.security import audit
from safetynet.store.db import session_scope
from safetynet.store.models.security import AuditEvent
from safetynet.web.db import app_write_session
from safetynet.web.errors import WebError
from safetynet.web.settling import LogInAgain, SettleJob, _log_in, _user


def _request(app, username: str, password: str) -> Request:  # type: ignore[no-untyped-def]
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    scope = {
        "type": "http", "method": "POST", "path": "/api/claims", "raw_path": b"/api/claims",
        "query_string": b"", "root_path": "", "scheme": "http", "server": ("test", 80),
        "client": ("10.9.9.9", 4321), "app": app,
        "headers": [(b"authorization", f"Basic {token}".encode())],
    }  # fmt: skip
    return Request(scope)


def test_a_refused_login_in_a_batch_leaves_the_batchs_transaction_open(app, web_engine) -> None:  # type: ignore[no-untyped-def]
    marker = f"batch-{uuid.uuid4().hex[:12]}"
    stranger = f"nobody-{uuid.uuid4().hex[:8]}"
    job = SettleJob(_request(app, stranger, "not-a-password"), None, "api", None, {})  # type: ignore[arg-type]
    with pytest.raises(LogInAgain), app_write_session(app) as db:
        audit.record(db, username=marker, action="settle", target="settlement")  # uncommitted
        try:
            _user(job, db, {})
        finally:
            db.rollback()  # what the batch's own failure would do: its work must go with it
    with pytest.raises(WebError) as refused:  # the request's own check, outside the batch
        _log_in(job.request)
    assert refused.value.status == 401
    with session_scope(web_engine) as s:
        users = set(s.scalars(select(AuditEvent.username).where(
            AuditEvent.username.in_([marker, stranger]))))  # fmt: skip
    assert marker not in users  # the batch's transaction was not committed by the check
    assert stranger in users  # and the refused login is audited all the same
