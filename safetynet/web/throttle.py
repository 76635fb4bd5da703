"""Throttling failed logins, per username and per client address, for the login form and
HTTP Basic alike, shared by every server process of a deployment: the failures are rows of
the database (:mod:`safetynet.security.login_failures`), so a second worker, another host or
a restarted server counts the same ones.

Only failures count: a correct login neither counts nor resets the count. While either
moving window is full every login of that username or from that address — right password
or not — is answered 429 with ``Retry-After`` (the seconds until the window has room
again), so guessing stops at the limit. The thresholds are settings
(``SAFETYNET_LOGIN_LIMIT_USER``, ``SAFETYNET_LOGIN_LIMIT_CLIENT``, in the ``limits``
library's notation); the client address is the one
:func:`safetynet.web.auditing.client_of` gives (behind a trusted proxy, the forwarded one).

A password check always asks the database. A Basic credential remembered by this process
(no password check) asks a snapshot of the throttled usernames and addresses instead, read
again at most every :data:`SNAPSHOT_TTL` seconds and at once after a failure here.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from limits import parse
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from safetynet.security import login_failures
from safetynet.store.db import postgres_engine
from safetynet.web.errors import WebError
from safetynet.web.i18n import N_

THROTTLED = N_("Too many failed logins. Try again in %(minutes)s minutes.")
SNAPSHOT_TTL = 0.5  # seconds another process's throttle may take to reach remembered logins


class LoginThrottled(WebError):
    """429: too many failed logins of this username or from this address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429, "login_throttled",
            f"too many failed logins; try again in {retry_after} seconds",
            headers={"Retry-After": str(retry_after)},
        )  # fmt: skip
        self.retry_after = retry_after


def _own_connection(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions on the same database over one connection of their own, kept open between
    uses (opening one for each refresh cost more than the refresh, on the event loop and in
    the database; only the refreshing caller, who holds the throttle's lock, uses it, so it
    is never waited for) and checked before each use (a restarted database). An in-memory
    SQLite database exists only in its pool's connection: the same sessions."""
    engine = sessions.kw["bind"]
    if engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return sessions
    if engine.url.get_backend_name() == "postgresql":
        own = postgres_engine(
            engine.url.render_as_string(hide_password=False),
            pool_size=1, max_overflow=0, pool_pre_ping=True,
        )  # fmt: skip
    else:
        own = create_engine(engine.url, pool_size=1, max_overflow=0, pool_pre_ping=True)
    return sessionmaker(bind=own)


def _limit(text: str) -> tuple[int, timedelta]:
    item = parse(text)
    return item.amount, timedelta(seconds=item.get_expiry())


class LoginThrottle:
    """Failed logins per username and per client address within moving windows."""

    def __init__(self, per_user: str, per_client: str, sessions: sessionmaker[Session]) -> None:
        self.per_user = _limit(per_user)
        self.per_client = _limit(per_client)
        self._keep = max(self.per_user[1], self.per_client[1])
        self._sessions = sessions
        self._snapshot_sessions = _own_connection(sessions)
        self._lock = threading.Lock()
        self._snapshot: tuple[set[str], set[str]] = (set(), set())
        self._snapshot_until = 0.0

    def retry_after(self, db: Session, username: str, client: str | None) -> int | None:
        """Seconds until this username may try again from this address; None: now."""
        waits = [
            login_failures.wait(db, "username", login_failures.fold_username(username),
                                *self.per_user),
            login_failures.wait(db, "client", login_failures.fold_client(client),
                                *self.per_client),
        ]  # fmt: skip
        found = [w for w in waits if w is not None]
        return max(found) if found else None

    def failed(self, db: Session, username: str, client: str | None) -> None:
        """Count a failed login of ``username`` from ``client`` (committed at once)."""
        login_failures.record(db, username, client, self._keep)
        self._snapshot_until = 0.0

    def due(self) -> bool:
        """Whether the next :meth:`blocked` reads the snapshot again (a query: not on an
        event loop, which a database that does not answer would stop)."""
        return time.monotonic() >= self._snapshot_until

    def blocked(self, username: str, client: str | None) -> bool:
        """Whether this username or address is throttled, from the snapshot (no query on
        most calls: for a remembered credential, which needs no password check). One caller
        refreshes a stale snapshot, on the throttle's own connection (never one of the
        requests' pool, which a burst may have taken: waiting for one there, on the event loop or
        while holding one, would deadlock); the others read the last one meanwhile."""
        if time.monotonic() >= self._snapshot_until and self._lock.acquire(blocking=False):
            try:
                if time.monotonic() >= self._snapshot_until:
                    with self._snapshot_sessions() as db:
                        self._snapshot = (
                            login_failures.over_limit(db, "username", *self.per_user),
                            login_failures.over_limit(db, "client", *self.per_client),
                        )
                    self._snapshot_until = time.monotonic() + SNAPSHOT_TTL
            finally:
                self._lock.release()
        users, clients = self._snapshot
        return (
            login_failures.fold_username(username) in users
            or login_failures.fold_client(client) in clients
        )
