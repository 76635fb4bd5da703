"""A refunded settlement is never listed on the notice as simply paid: refunded in the month it
counts in, neither it nor its refund is listed (nor its person counted); refunded in a later
month, its line says when, in the page's, the workbook's and the PDF's language."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy import Engine

from safetynet.reports.notice import public_notice
from safetynet.reports.notice_tables import lines_table
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Settlement
from tests.reports.helpers import busiest_month, ledger_month, refund_one


def _end_month(engine: Engine, entry: Settlement) -> tuple[int, int]:
    with session_scope(engine) as s:
        claim = s.get(Claim, entry.claim_id)
        assert claim is not None
        return claim.end_date.year, claim.end_date.month


def test_a_settlement_refunded_in_its_own_month_is_not_listed(
    county_engine: Engine, regions: dict[str, str]
) -> None:
    year, month = busiest_month(county_engine)
    code = regions["township"]
    with session_scope(county_engine) as s:
        before = public_notice(s, code, year, month)
    original, reversal = refund_one(
        county_engine, code, year, month, when=datetime(year, month, 28, 16, 0)
    )
    assert _end_month(county_engine, original) == (year, month)
    with session_scope(county_engine) as s:
        after = public_notice(s, code, year, month)
    listed = set(after.rows["entry_id"])
    assert original.id not in listed and reversal.id not in listed
    assert after.rows.height == before.rows.height - 1
    assert after.totals["claims"] == before.totals["claims"] - 1
    for key in ("total_fen", "paid_fen", "out_of_pocket_fen"):
        assert after.totals[key] == before.totals[key] - getattr(original, key), key
    # the oracle: the ledger's month, the cancelled pair left out
    want = ledger_month(county_engine, code, year, month)
    assert after.rows.height == want.pop("lines")
    for key, value in after.totals.items():
        assert value == want.get(key, 0), key


def test_a_settlement_refunded_in_a_later_month_says_when(
    county_engine: Engine, regions: dict[str, str]
) -> None:
    year, month = busiest_month(county_engine)
    later = (year, month + 1) if month < 12 else (year + 1, 1)
    code = regions["county"]
    original, reversal = refund_one(
        county_engine, code, year, month, when=datetime(later[0], later[1], 3, 9, 0)
    )
    with session_scope(county_engine) as s:
        paid_month = public_notice(s, code, year, month)
        refund_month = public_notice(s, code, *later)
    line = paid_month.rows.filter(paid_month.rows["entry_id"] == original.id).row(0, named=True)
    assert line["refunded_on"].isoformat() == f"{later[0]}-{later[1]:02d}-03"
    assert line["paid_fen"] == original.paid_fen  # paid that month; the refund nets later
    refund_line = refund_month.rows.filter(refund_month.rows["entry_id"] == reversal.id)
    assert refund_line["paid_fen"].to_list() == [-original.paid_fen]
    day = f"{later[0]}-{later[1]:02d}-03"
    for locale, words in (("en", f"refunded on {day}"), ("zh_Hans", f"已于{day}退费")):
        table = lines_table(paid_month, locale)
        remark = table.columns.index(next(c for c in table.columns if c.key == "remark"))
        remarks = {str(row[remark]) for row in table.rows}
        assert words in remarks, (locale, sorted(remarks)[:5])
    # every other line of the month is a settlement never refunded, or a refund
    unmarked = paid_month.rows.filter(
        (pl.col("entry_kind") == "settlement") & pl.col("refunded_on").is_null()
    )
    assert original.id not in set(unmarked["entry_id"])
