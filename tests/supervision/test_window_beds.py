"""Ordinary and special-ward bed fees for the same days at the window (both databases): a
stay submitted with more bed-days of both kinds than it has days is screened by the
concurrent-bed-charge rule, as a year's screening flags it; exactly its days is a transfer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from safetynet.store.db import session_scope
from safetynet.supervision.service import submission_hits
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient


@pytest.fixture
def county(db_engine: Engine) -> County:
    from tests.settlement.conftest import build_county

    with session_scope(db_engine) as s:
        return build_county(s)


@pytest.mark.parametrize(("special", "twice"), [(1, 0), (2, 1), (3, 2)])
def test_beds_of_both_kinds_above_the_stays_days_are_flagged(
    db_engine: Engine, county: County, special: int, twice: int
) -> None:
    sub = inpatient(
        county.ordinary_id, date(2021, 6, 1), discharge_date=date(2021, 6, 5),
        items=[{"code": "S0002", "quantity": 3, "amount": "105.00"},
               {"code": "S0027", "quantity": special, "amount": f"{200 * special}.00"},
               {"code": "S0014", "quantity": 1, "amount": "8.00"}],
    )  # fmt: skip
    with session_scope(db_engine) as s:
        hits = submission_hits(s, sub, "anhui-langxi-2021")
    beds = hits.filter(hits["rule_id"] == "concurrent-bed-charge")
    if not twice:
        assert beds.is_empty(), hits
    else:
        assert beds["amount_fen"].to_list() == [3500 * twice]
        assert f'"days_billed_twice":{twice}' in beds["facts"][0]
