"""The day a notice says a settlement was refunded is the county's day, not UTC's: a refund
recorded at 00:30 on the 4th in Beijing (16:30 UTC on the 3rd) reads "refunded on the 4th",
in the notice's SQL path and in its snapshot path (large ledgers)."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import polars as pl
from sqlalchemy import Engine

from safetynet.clock import stored
from safetynet.derived import views
from safetynet.derived.snapshot import read_ledger
from safetynet.reports.notice import _snapshot_refunds, month_bounds, public_notice
from safetynet.store.db import session_scope
from tests.reports.helpers import busiest_month, refund_one


def test_refunded_on_is_the_countys_day(county_engine: Engine, regions: dict[str, str]) -> None:
    year, month = busiest_month(county_engine)
    later = (year, month + 1) if month < 12 else (year + 1, 1)
    day = date(later[0], later[1], 4)
    when = stored(day) + timedelta(minutes=30)  # 00:30 local, still the 3rd in UTC
    assert when.date() == day - timedelta(days=1)
    original, _ = refund_one(county_engine, regions["county"], year, month, when=when)
    with session_scope(county_engine) as s:
        notice = public_notice(s, regions["county"], year, month)
        snap = SimpleNamespace(ledger=read_ledger(s.connection()))
    line = notice.rows.filter(pl.col("entry_id") == original.id).row(0, named=True)
    assert line["refunded_on"] == day
    rows = views.month_entries(snap, *month_bounds(year, month))  # type: ignore[arg-type]
    refunds = _snapshot_refunds(snap, rows)  # type: ignore[arg-type]
    got = refunds.filter(pl.col("entry_id") == original.id)["refunded_on"].to_list()
    assert got == [day]
