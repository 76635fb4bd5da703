"""The one clock: what is stored, and what a user or a report sees.

Every timestamp the database keeps (``created_at``, ``recorded_at``, an audit entry's
``at``...) is a naive UTC time: SQLite's ``CURRENT_TIMESTAMP`` is UTC, PostgreSQL sessions
run in UTC (``safetynet.store.db``), Python writes :func:`utc_now`. Every date a person
reads — a refund's month on the public notice, a deduction's month, "today" on a form — is
the county's local date (``SAFETYNET_TIMEZONE``, default Asia/Shanghai): a refund recorded
at 00:30 on 1 April in Beijing (16:30 UTC on 31 March) belongs to April. Derive it here,
never with ``.date()`` or ``date.today()`` on the server's clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import polars as pl

from safetynet.config import county_timezone


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """The county's time zone."""
    return _zone(county_timezone())


def utc_now() -> datetime:
    """Now, as the database stores it: naive UTC, to the microsecond."""
    return datetime.now(UTC).replace(tzinfo=None)


def local(stored: datetime) -> datetime:
    """A stored (naive UTC) timestamp as the county's naive local time."""
    return stored.replace(tzinfo=UTC).astimezone(zone()).replace(tzinfo=None)


def local_date(stored: datetime) -> date:
    """The county's date of a stored (naive UTC) timestamp."""
    return local(stored).date()


def local_today() -> date:
    """Today in the county."""
    return datetime.now(zone()).date()


def stored(day: date) -> datetime:
    """The stored (naive UTC) time at which the county's ``day`` begins."""
    start = datetime.combine(day, time(), tzinfo=zone())
    return start.astimezone(UTC).replace(tzinfo=None)


def stored_range(first: date, end: date) -> tuple[datetime, datetime]:
    """The stored times from the start of the county's day ``first`` to the start of
    ``end`` (exclusive): compare a stored timestamp with these, in SQL or in Polars."""
    return stored(first), stored(end)


def local_date_expr(column: str | pl.Expr) -> pl.Expr:
    """The county's date of a column of stored (naive UTC) timestamps, in Polars."""
    expr = pl.col(column) if isinstance(column, str) else column
    name = county_timezone()
    return expr.dt.replace_time_zone("UTC").dt.convert_time_zone(name).dt.date()


def stored_days(first: date, last: date) -> tuple[datetime, datetime]:
    """The stored times of the county's days ``first`` to ``last``, both included (the upper
    bound is the last microsecond of ``last``): ``lo <= stored <= hi``."""
    return stored(first), stored(last + timedelta(days=1)) - timedelta(microseconds=1)
