"""A hospital in no county (a city's, region 340400) with a budget: its prepayments and its
year-end settlement are its patients' county's money, so the round nets the prepayments
against its claims. They named the county of its own region's code (3404, a city's), which
pays no claim: the advances were never netted, and the claims were paid in full as well —
paid twice. With two counties in the registry such a budget cannot be placed: refused,
nothing posted. On both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from safetynet.codes import InstitutionLevel, RegionLevel
from safetynet.funds.journal import JournalError, Line, post_entry
from safetynet.funds.payments import (
    make_round,
    post_prepayments,
    set_budgets,
    settle_global_budgets,
)
from safetynet.funds.rules import default_rules
from safetynet.funds.statements import statements
from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry, FundLine, Institution, Payment, Region
from tests.settlement.conftest import County

RULES = default_rules()
CITY_H = "H-CITY"


def _city_hospital(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(Region(code="340400", name="市", level=RegionLevel.CITY))
        s.flush()
        s.add(Institution(code=CITY_H, name="市人民医院", level=InstitutionLevel.CITY,
                          in_county=False, region_code="340400"))  # fmt: skip
        s.flush()
        set_budgets(s, RULES, 2017, "basic", {CITY_H: 12_000_000}, user="bureau")  # 120,000
        for month in (1, 2, 3):
            post_prepayments(s, RULES, 2017, month, user="bureau", on=date(2017, month, 1))
        lines = [  # March: 50,000.00 of the county's residents' claims, as posting names them
            Line("basic", "spending", 5_000_000, institution_code=CITY_H, month=3,
                 claim_kind="inpatient", payer_region="340421"),
            Line("basic", "payable", -5_000_000, institution_code=CITY_H, month=3,
                 claim_kind="inpatient", payer_region="340421"),
        ]  # fmt: skip
        post_entry(s, RULES, year=2017, posted_on=date(2017, 3, 31), kind="settlement",
                   lines=lines, user="test")  # fmt: skip


def test_a_city_hospitals_prepayments_are_netted(db_engine: Engine, county: County) -> None:
    _city_hospital(db_engine)
    with session_scope(db_engine) as s:
        rows = [r for r in statements(s, 2017, 500) if r.institution_code == CITY_H]
        assert {r.payer_region for r in rows} == {"340421"}
        march = next(r for r in rows if r.month == 3)
        assert march.prepaid_applied == 3_000_000  # the three advances of 10,000.00
        assert march.payable == 5_000_000 - 250_000 - 3_000_000  # claims − deposit − advances
        batch = make_round(s, RULES, 2017, 3, user="clerk")
        paid = s.scalar(
            select(func.sum(Payment.amount_fen)).where(
                Payment.batch_id == batch.id, Payment.institution_code == CITY_H
            )
        )
        assert paid == 1_750_000
        settle_global_budgets(s, RULES, 2017, user="bureau", on=date(2018, 1, 10))
        payers = set(s.scalars(
            select(FundLine.payer_region).join(FundEntry).where(
                FundLine.institution_code == CITY_H,
                FundEntry.kind.in_(("prepayment", "year_end")))
        ))  # fmt: skip
        assert payers == {"340421"}


def test_with_two_counties_such_a_budget_is_refused(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        s.add(Region(code="340422", name="邻县", level=RegionLevel.COUNTY))
        s.flush()
    with pytest.raises(JournalError) as err:
        _city_hospital(db_engine)
    assert err.value.code == "budget_county" and CITY_H in err.value.message
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(FundEntry)) == 0
