"""Throttling failed logins, per username and per client address, for the login form and
HTTP Basic alike (the ``limits`` library's moving windows, in the server process's memory).

Only failures count: a correct login neither counts nor resets the count. While either
window is full every login of that username or from that address — right password or not —
is answered 429 with ``Retry-After`` (the seconds until the oldest failure leaves the
window), so guessing stops at the limit. The thresholds are settings
(``SAFETYNET_LOGIN_LIMIT_USER``, ``SAFETYNET_LOGIN_LIMIT_CLIENT``); the client address is
the one :func:`safetynet.web.auditing.client_of` gives (behind a trusted proxy, the
forwarded one).
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from safetynet.web.errors import WebError
from safetynet.web.i18n import N_

THROTTLED = N_("Too many failed logins. Try again in %(minutes)s minutes.")


class LoginThrottled(WebError):
    """429: too many failed logins of this username or from this address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429, "login_throttled",
            f"too many failed logins; try again in {retry_after} seconds",
            headers={"Retry-After": str(retry_after)},
        )  # fmt: skip
        self.retry_after = retry_after


class LoginThrottle:
    """Failed logins per username and per client address within moving windows."""

    def __init__(self, per_user: str, per_client: str) -> None:
        self.per_user = parse(per_user)
        self.per_client = parse(per_client)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def _windows(self, username: str, client: str | None):  # type: ignore[no-untyped-def]
        return (
            (self.per_user, "login-user", username.strip().lower()),
            (self.per_client, "login-client", client or "unknown"),
        )

    def retry_after(self, username: str, client: str | None) -> int | None:
        """Seconds until this username may try again from this address; None: now."""
        waits = []
        for limit, namespace, key in self._windows(username, client):
            if not self._limiter.test(limit, namespace, key):
                reset = self._limiter.get_window_stats(limit, namespace, key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def failed(self, username: str, client: str | None) -> None:
        """Count a failed login of ``username`` from ``client``."""
        for limit, namespace, key in self._windows(username, client):
            self._limiter.hit(limit, namespace, key)
