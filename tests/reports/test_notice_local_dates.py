"""A refund's month on the public notice is the county's month (Asia/Shanghai), not UTC's:
refunds recorded at 23:59 and 00:01 local time around a month's and a year's end land on
either side of it, on SQLite and PostgreSQL, in the notice's SQL and in its snapshot path;
and what the database stamps by itself (``created_at``'s server default) is UTC on both."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, select, text

from safetynet.clock import local_date, stored, stored_days, stored_range, utc_now
from safetynet.derived import views
from safetynet.derived.snapshot import read_ledger
from safetynet.reports.notice import month_bounds, public_notice
from safetynet.store.db import session_scope
from safetynet.store.models import FormKey
from tests.reports.helpers import refund_one


def _local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """The stored (UTC) time of a county wall-clock time."""
    return stored(date(year, month, day)) + timedelta(hours=hour, minutes=minute)


def test_the_county_clock_is_beijing_time() -> None:
    assert stored(date(2018, 4, 1)) == datetime(2018, 3, 31, 16, 0)
    assert local_date(datetime(2018, 3, 31, 16, 1)) == date(2018, 4, 1)
    assert local_date(datetime(2018, 3, 31, 15, 59)) == date(2018, 3, 31)
    assert stored_range(date(2018, 1, 1), date(2018, 2, 1)) == (
        datetime(2017, 12, 31, 16), datetime(2018, 1, 31, 16))  # fmt: skip
    lo, hi = stored_days(date(2018, 1, 1), date(2018, 1, 1))
    assert (lo, hi) == (datetime(2017, 12, 31, 16), datetime(2018, 1, 1, 15, 59, 59, 999999))


@pytest.mark.parametrize(
    ("before", "after"),
    [((2017, 3), (2017, 4)), ((2017, 12), (2018, 1))],
    ids=["month-end", "year-end"],
)
def test_a_refund_at_0001_local_is_in_the_new_month(
    county_engine: Engine, regions: dict[str, str], before: tuple[int, int],
    after: tuple[int, int],
) -> None:  # fmt: skip
    # a settlement of an earlier month: one refunded in its own month leaves the notice with
    # its refund (they cancel), which is not what this test looks at
    year, month = (before[0], before[1] - 1) if before[1] > 1 else (before[0] - 1, 12)
    last_day = month_bounds(*before)[1] - timedelta(days=1)
    late = _local(last_day.year, last_day.month, last_day.day, 23, 59)
    early = _local(after[0], after[1], 1, 0, 1)
    assert late.date() == early.date() == last_day  # both on the same UTC day
    _, r_late = refund_one(county_engine, regions["county"], year, month, when=late)
    _, r_early = refund_one(county_engine, regions["county"], year, month, when=early)
    with session_scope(county_engine) as s:
        old = public_notice(s, regions["county"], *before)
        new = public_notice(s, regions["county"], *after)
    assert r_late.id in set(old.rows["entry_id"])
    assert r_early.id not in set(old.rows["entry_id"])
    assert r_early.id in set(new.rows["entry_id"])
    assert r_late.id not in set(new.rows["entry_id"])
    line = new.rows.filter(new.rows["entry_id"] == r_early.id).row(0, named=True)
    assert line["entry_date"] == date(after[0], after[1], 1)
    line = old.rows.filter(old.rows["entry_id"] == r_late.id).row(0, named=True)
    assert line["entry_date"] == last_day
    # the snapshot path (large ledgers) cuts the same month
    with session_scope(county_engine) as s:
        snap = SimpleNamespace(ledger=read_ledger(s.connection()))
    for months, inside, outside in ((after, r_early, r_late), (before, r_late, r_early)):
        rows = views.month_entries(snap, *month_bounds(*months))  # type: ignore[arg-type]
        assert inside.id in set(rows["settlement_id"])
        assert outside.id not in set(rows["settlement_id"])


def test_the_database_stamps_utc(county_engine: Engine) -> None:
    """``server_default=now()`` on PostgreSQL follows the session's time zone: SafetyNet's
    sessions run in UTC whatever the server says, as SQLite's CURRENT_TIMESTAMP is."""
    with county_engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            assert conn.execute(text("SHOW TimeZone")).scalar() == "UTC"
    with session_scope(county_engine) as s:
        key = FormKey(
            key="tidy-clock-check",
            username="tester",
            form="test",
            body_sha256="0" * 64,
            result_id=0,
        )
        s.add(key)
        s.flush()
        s.refresh(key)
        assert abs(key.created_at - utc_now()) < timedelta(minutes=5)
        s.delete(key)
    with session_scope(county_engine) as s:
        assert s.scalar(select(FormKey).where(FormKey.key == "tidy-clock-check")) is None
