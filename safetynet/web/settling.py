"""The settlement call shared by the JSON API, FHIR and the window: the busiest call of the
system.

A request is queued on its server process's settlement writer (:mod:`safetynet.web.writer`)
and answered when the transaction that recorded it commits. The writer settles every
request queued meanwhile in that one transaction: the callers' user rows, the access
checks, the settlements and their audit entries, with one statement per table for the
whole batch. A Basic credential not verified lately is checked first, in the request's own
read session: the password hash is slow, and the writer never waits for it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request
from pydantic import AfterValidator
from starlette.concurrency import run_in_threadpool

from safetynet.plain_text import hidden_character
from safetynet.security import audit
from safetynet.security.roles import Permission
from safetynet.settlement import service
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.facts import PersonFacts, checked_resident_id
from safetynet.settlement.service import Order, SettlementView
from safetynet.settlement.snapshot import persons_by_resident_id
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.checkpoint import WalCheckpointer
from safetynet.store.models import Settlement
from safetynet.supervision.window import WindowHit, stored_of
from safetynet.web.access import check_submission
from safetynet.web.auditing import client_of
from safetynet.web.db import HeldConnection, app_write_session
from safetynet.web.errors import LoginRequired, WebError, is_api
from safetynet.web.security import (
    UserView,
    authorize,
    authorize_remembered,
    remembered,
    remembered_async,
    remembered_may,
)
from safetynet.web.writer import Outcome, Writer


class LogInAgain(Exception):
    """A Basic credential no longer remembered when the writer's batch ran (throttled or
    revoked since it was queued): the request checks it again outside the batch and, if it
    holds, queues its claim again. The full check audits a refused login and commits, which
    in the batch's session would end its transaction (and release its locks) half-way."""


Refusal = (WebError, SettlementError, LoginRequired, LogInAgain)
LOG_IN_TRIES = 3  # a credential that passes the full check is remembered: one retry suffices
KEY_LENGTH: int = Settlement.__table__.c.client_key.type.length  # type: ignore[attr-defined]


def stored_key(channel: str, username: str, key: str) -> str:
    """The ledger's idempotency key of a client's key: scoped by channel and user, as typed
    when it fits the column, else the channel and a SHA-256 of the whole (a 64-character key
    of a 64-character username is 134 characters)."""
    scoped = f"{channel}-{username}-{key}"
    if len(scoped) <= KEY_LENGTH:
        return scoped
    return f"{channel}-h-{hashlib.sha256(scoped.encode()).hexdigest()}"


KEY_MOST = 64  # characters of a client's Idempotency-Key


def _client_key(text: str | None) -> str | None:
    """The ``Idempotency-Key`` header's rule, one for ``/api`` and ``/fhir``: absent is no
    key; sent, it must hold a visible character (a blank key is refused, never read as no
    key: a client that sends the header means the claim to be settled once) and no control
    or invisible one; at most :data:`KEY_MOST` characters (the ``Header`` bound). The spaces
    around it are not part of it (HTTP servers drop them; ``" k-1 "`` is ``k-1``)."""
    if text is None:
        return None
    if not text.strip():
        raise ValueError("is blank: send a key of 1-64 visible characters or leave it out")
    if (where := hidden_character(text)) is not None:
        raise ValueError(f"holds a control or invisible character ({where}): retype it")
    return text.strip()


# the header as a route parameter (``idempotency_key: IdempotencyKey = None``)
IdempotencyKey = Annotated[
    str | None,
    Header(max_length=KEY_MOST, description="1-64 visible characters; blank is refused"),
    AfterValidator(_client_key),
]


@dataclass(frozen=True)
class SettleJob:
    request: Request
    sub: ClaimSubmission
    channel: str
    idempotency_key: str | None
    detail: dict[str, Any]
    audit_replays: bool = False  # a replay is audited too (detail "replayed": true)
    queued: float = field(default_factory=time.perf_counter)
    # filled by the writer: ms waited in the queue, ms of the batch (commit included), size
    timing: dict[str, float] = field(default_factory=dict)
    # filled by the writer for a claim settled (not replayed): "hits", fund supervision's
    # hits stored with it, as the batch's gate found them (the answer needs no re-read)
    screening: dict[str, list[WindowHit]] = field(default_factory=dict)


def settle_request(
    request: Request,
    sub: ClaimSubmission,
    *,
    channel: str,
    idempotency_key: str | None,
    detail: dict[str, Any],
    audit_replays: bool = False,
) -> tuple[SettlementView, PersonFacts]:
    """Log in, check, settle, record and audit ``sub``; the settlement and its person.

    ``channel`` ("api", "fhir", "web") scopes the client's idempotency key, with the username: a
    retry through the same channel by the same user answers the first settlement.
    ``detail``: what the audit entry says besides the settlement id; ``audit_replays``: an
    answered retry is audited too (the window's clerk clicked twice), its detail saying
    ``"replayed": true``. Runs in a worker thread, which waits for the writer's commit."""
    again = False  # the writer sent the claim back: check the credential in full
    for tries in range(LOG_IN_TRIES):
        if again or not remembered(request):
            _log_in(request)
        job = SettleJob(request, sub, channel, idempotency_key, detail, audit_replays)
        try:
            result: tuple[SettlementView, PersonFacts] = writer_of(request.app).put(job).result()
            break
        except LogInAgain:
            if tries == LOG_IN_TRIES - 1:
                raise _still_not_logged_in() from None
            again = True
    request.state.settle_timing = job.timing
    request.state.screening = job.screening.get("hits")
    return result


async def settle_request_async(
    request: Request,
    sub: ClaimSubmission,
    *,
    channel: str,
    idempotency_key: str | None,
    detail: dict[str, Any],
) -> tuple[SettlementView, PersonFacts]:
    """:func:`settle_request` for an ``async`` route: no worker thread waits for the writer
    (only a password check, when the credential is not remembered, takes one)."""
    again = False  # the writer sent the claim back: check the credential in full
    for tries in range(LOG_IN_TRIES):
        if again or not await remembered_async(request):
            await run_in_threadpool(_log_in, request)
        job = SettleJob(request, sub, channel, idempotency_key, detail)
        try:
            result: tuple[SettlementView, PersonFacts] = await writer_of(request.app).put_async(job)
            break
        except LogInAgain:
            if tries == LOG_IN_TRIES - 1:
                raise _still_not_logged_in() from None
            again = True
    request.state.settle_timing = job.timing
    request.state.screening = job.screening.get("hits")
    return result


async def may_settle(request: Request) -> None:
    """A dependency of the settling routes whose body FastAPI validates: before the body is
    read, a caller without a valid login gets 401 and a role that may not settle 403 (not a
    422 about the claim). A credential remembered with a role that settles costs nothing
    here; the writer checks the user's current row with the claim, as before."""
    if not await remembered_may(request, Permission.CLAIM_SETTLE):
        await run_in_threadpool(_log_in, request)


def _still_not_logged_in() -> WebError:
    """A credential that passed the full check yet was forgotten again before each of the
    writer's batches (logins revoked over and over meanwhile): ask the client to retry."""
    return WebError(503, "login_unconfirmed", "the log-in could not be confirmed; try again")


def settled_hits(request: Request) -> list[WindowHit] | None:
    """The supervision hits stored with the claim this request just settled, from the
    writer's batch (None when unknown — a replay: read them from the database)."""
    hits: list[WindowHit] | None = getattr(request.state, "screening", None)
    return hits


def server_timing(request: Request) -> str:
    """A ``Server-Timing`` header value for a request settled by the writer: how long it
    waited in the writer's queue, and how long its batch took (settling, writing and the
    commit) with the number of claims in it; empty when it was not settled."""
    t: dict[str, float] = getattr(request.state, "settle_timing", None) or {}
    if not t:
        return ""
    return (
        f"writer-queue;dur={t['queue']:.2f}, "
        f'writer-batch;dur={t["batch"]:.2f};desc="{int(t["size"])} claims"'
    )


def _log_in(request: Request) -> None:
    """Check the request's credential (the slow password hash) in a read session of its own,
    so the writer finds it remembered."""
    with request.app.state.sessions() as db:
        authorize(request, db, Permission.CLAIM_SETTLE)


_STARTING = threading.Lock()
# writer threads per server process on PostgreSQL: one takes the largest batches, so the
# least CPU per settlement (two hide the database's round trips on a machine busy with other
# work, at about a third more CPU per settlement); SQLite has one writer at a time anyway
PG_WRITERS = 1
# how long a busy writer waits for more claims after a batch's first (Writer's ``linger``),
# measured with `safetynet bench api` (16 clients, two processes, runs interleaved): on
# PostgreSQL each process's writer settles while the other's waits for the database, and a
# shorter wait keeps both turning (1.5 ms: 736 and 814/s against 629 and 741/s at 3 ms;
# 0.8 ms: 774/s; none: 511/s, batches of one); on SQLite, whose processes write in turn,
# 5 ms was not clearly better than 3 ms
PG_LINGER = 0.0015
SQLITE_LINGER = 0.003


def _in_memory(engine: Any) -> bool:
    return engine.url.database in (None, "", ":memory:")


def writer_of(app: FastAPI) -> Writer[SettleJob]:
    """The app's settlement writer, started on first use (one per server process)."""
    writer: Writer[SettleJob] | None = getattr(app.state, "settlement_writer", None)
    if writer is None:
        with _STARTING:
            writer = getattr(app.state, "settlement_writer", None)
            if writer is None:
                engine = app.state.engine
                pg = engine.dialect.name == "postgresql"
                held = HeldConnection(engine) if pg else None
                checkpointer = None if pg or _in_memory(engine) else WalCheckpointer(engine)
                writer = Writer(
                    lambda jobs: settle_batch(app, jobs, held),
                    threads=PG_WRITERS if pg else 1,
                    linger=PG_LINGER if pg else SQLITE_LINGER,
                    stopped=held.close if held else checkpointer.stop if checkpointer else None,
                )
                app.state.settlement_writer = writer
                app.state.writer_connections = held
                app.state.wal_checkpointer = checkpointer
    return writer


def stop_writer(app: FastAPI) -> None:
    writer: Writer[SettleJob] | None = getattr(app.state, "settlement_writer", None)
    if writer is not None:
        writer.stop()
        app.state.settlement_writer = None


def _user(job: SettleJob, db: Any, seen: dict[str, tuple[UserView, Any]]) -> UserView:
    """The job's user, checked in the batch's transaction; requests of one batch with the
    same credential share the check (a hospital system sends many)."""
    request = job.request
    header = request.headers.get("authorization")
    if header and header in seen:
        user, locale = seen[header]
        request.state.user = user
        if locale is not None:
            request.state.locale = locale
        return user
    user = authorize_remembered(request, db, Permission.CLAIM_SETTLE)
    if user is None and header and is_api(request):
        raise LogInAgain()  # checked outside the batch (:class:`LogInAgain`)
    if user is None:  # a browser session, or deactivated since: the full check answers
        # (reads only: a session cookie's check writes nothing)
        user = authorize(request, db, Permission.CLAIM_SETTLE)  # type: ignore[assignment]
        return user  # type: ignore[return-value]
    if header:
        seen[header] = (user, getattr(request.state, "locale", None))
    return user


def _number(sub: ClaimSubmission) -> str | None:
    try:
        return checked_resident_id(sub.resident_id)
    except SettlementError:
        return None  # the access check gives the precise answer


def settle_batch(
    app: FastAPI, jobs: Sequence[SettleJob], held: HeldConnection | None = None
) -> list[Outcome]:
    """Admit, settle, record and audit a batch of requests in one transaction; per job its
    (settlement, person), or the refusal of that job alone. ``held``: the writer threads'
    own connections (PostgreSQL), else a session from the pool."""
    began = time.perf_counter()
    outcomes: list[Outcome] = [None] * len(jobs)
    with held.session() if held else app_write_session(app) as db, service.hashes_kept():
        numbers = [_number(job.sub) for job in jobs]
        # their households locked at once (the settlement would lock them next)
        found = persons_by_resident_id(db, [n for n in numbers if n], lock=True)
        seen: dict[str, tuple[UserView, Any]] = {}
        orders: list[Order] = []
        admitted: list[tuple[int, UserView, PersonFacts]] = []
        for i, job in enumerate(jobs):
            try:
                user = _user(job, db, seen)
                key = job.idempotency_key
                client_key = stored_key(job.channel, user.username, key) if key else None
                known = found.get(numbers[i]) if numbers[i] else None
                person = check_submission(db, user, job.sub, known)
            except Refusal as exc:
                outcomes[i] = exc
                continue
            orders.append(Order(job.sub, user.username, client_key, person))
            admitted.append((i, user, person, client_key))
        entries = []
        for (i, user, person, client_key), outcome in zip(admitted, service.submit_many(db, orders),
                                              strict=True):  # fmt: skip
            if isinstance(outcome, SettlementError):
                outcomes[i] = outcome
                continue
            outcomes[i] = (outcome, person)
            job = jobs[i]
            if not outcome.replayed:
                job.screening["hits"] = stored_of(db, job.sub, client_key, outcome.settlement_id)
            if outcome.replayed and not job.audit_replays:
                continue
            detail = {**job.detail, "replayed": True} if outcome.replayed else job.detail
            if job.sub.duplicate_reason:  # a bill like one settled before, confirmed genuine
                detail = {**detail, "duplicate_reason": job.sub.duplicate_reason}
            entries.append({"username": user.username, "action": "settle",
                            "target": "settlement", "target_id": str(outcome.settlement_id),
                            "client": client_of(job.request), "detail": detail})  # fmt: skip
        audit.record_many(db, entries)
    ended = time.perf_counter()  # committed
    for job in jobs:
        job.timing.update(queue=(began - job.queued) * 1000, batch=(ended - began) * 1000,
                          size=len(jobs))  # fmt: skip
    return outcomes
