"""A refunded claim is not screened or scored over the year, as at the window (both
databases): a stay refunded and settled again corrected is one stay, not two overlapping
ones, and the refunded bill's hits, admission and amount leave the scorecard."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import Engine

from safetynet.settlement.service import refund, submit
from safetynet.store.db import session_scope
from safetynet.supervision.load import load_year
from safetynet.supervision.screen import screen
from tests.settlement.conftest import County, build_county
from tests.settlement.helpers import inpatient
from tests.supervision.helpers import RULES

# the province's rules over the test county's 2017 claims
RULES_2017 = RULES.model_copy(update={"valid_from": date(2017, 1, 1), "region": None})


@pytest.fixture
def county(db_engine: Engine) -> County:
    with session_scope(db_engine) as s:
        return build_county(s)


def _stay(county: County, admitted: date, discharged: date) -> object:
    return inpatient(county.ordinary_id, admitted, discharge_date=discharged)


def test_a_stay_refunded_and_settled_again_is_one_stay(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        first = submit(s, _stay(county, date(2017, 3, 1), date(2017, 3, 8)), user="clerk")
        assert first.settlement_id is not None
        refund(s, first.settlement_id, user="clerk", reason="wrong items")
        again = submit(s, _stay(county, date(2017, 3, 1), date(2017, 3, 8)), user="clerk")
    with session_scope(db_engine) as s:
        data = load_year(s.connection(), None, 2017, RULES_2017)
    assert data.claims["claim_no"].to_list() == [again.claim_no]
    hits = screen(RULES_2017, data, check=False)
    assert hits.filter(pl.col("rule_id").is_in(["overlapping-stay", "split-admission"])).is_empty()


def test_a_refunded_readmission_is_no_split_admission(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, _stay(county, date(2017, 3, 1), date(2017, 3, 8)), user="clerk")
        back = submit(s, _stay(county, date(2017, 3, 15), date(2017, 3, 20)), user="clerk")
        assert back.settlement_id is not None

    def split() -> list[str]:
        with session_scope(db_engine) as s:
            data = load_year(s.connection(), None, 2017, RULES_2017)
        hits = screen(RULES_2017, data, check=False)
        assert set(data.lines["claim_no"]) <= set(data.claims["claim_no"])
        return hits.filter(pl.col("rule_id") == "split-admission")["claim_no"].to_list()

    assert split() == [back.claim_no]  # 7 days after the discharge, the same J18
    with session_scope(db_engine, write_lock=True) as s:
        refund(s, back.settlement_id, user="clerk", reason="never admitted")
    assert split() == []
