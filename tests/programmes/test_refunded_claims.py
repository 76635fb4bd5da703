"""A claim refunded in full (its settlement reversed, not settled again) is no cost of the
year, no diagnosis to screen and no admission of the programme's rates, as early warning nets
it away: a poor patient's stomach-cancer stay of 60,000 yuan refunded as a billing error took
the patient into the serious and the critical batches. A claim settled again after its
refund still counts. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from safetynet.programmes.load import claims_of_year
from safetynet.programmes.patients import screen_year
from safetynet.settlement.service import refund, submit
from safetynet.store.db import session_scope
from tests.settlement.conftest import County, county

__all__ = ["county"]
from tests.settlement.helpers import inpatient


def _stay(resident_id: str, day: date, key: str) -> int:
    return inpatient(resident_id, day, diagnosis="C16.9",
                     items=[{"code": "BED", "amount": "60000.00"}])  # type: ignore[return-value]  # fmt: skip


def test_a_claim_refunded_in_full_is_not_screened(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        view = submit(s, _stay(county.poor_id, date(2017, 3, 1), "a"), user="clerk")  # type: ignore[arg-type]
        assert view.settlement_id is not None
        refund(s, view.settlement_id, user="clerk", reason="billing error")
    with session_scope(db_engine) as s:
        assert claims_of_year(s, 2017).is_empty()
        done = screen_year(s, 2017, "340421", by="test")
        assert (done.found, done.added) == (0, 0)
    with session_scope(db_engine) as s:  # settled again: it counts
        view = submit(s, _stay(county.poor_id, date(2017, 4, 1), "b"), user="clerk")  # type: ignore[arg-type]
        kept = claims_of_year(s, 2017)
        assert kept["total_fen"].to_list() == [6_000_000]
        done = screen_year(s, 2017, "340421", by="test")
        assert done.by_batch == {"critical": 1, "serious": 1}
