"""Every journal line names its paying county: the demo's journal (a synthetic county's year
posted as ``safetynet demo`` posts it) and the payment cycle run on it — prepayments, the
rounds, the global budgets' year end and the quality deposits returned (a deposit returned
named no county: a county's fund figures and alarms left it out). On both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from safetynet.funds.journal import JournalError, Line, name_counties
from safetynet.funds.payments import (
    approve,
    make_round,
    post_prepayments,
    release,
    return_deposits,
    set_budgets,
    settle_global_budgets,
)
from safetynet.funds.posting import post_year
from safetynet.funds.rules import default_rules
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry, FundLine, Institution, Region
from safetynet.synth.county import generate
from safetynet.synth.load import load_county

RULES = default_rules()
YEAR = 2017


def _nameless(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        rows = s.execute(
            select(FundEntry.kind, FundLine.account, FundLine.fund)
            .join(FundEntry, FundEntry.id == FundLine.entry_id)
            .where(FundLine.payer_region.is_(None) | (FundLine.payer_region == ""))
            .limit(5)
        ).all()
        return [tuple(r) for r in rows]


def test_no_line_of_the_demo_journal_lacks_a_county(db_engine: Engine) -> None:
    load_county(db_engine, generate(400, seed=5, year=YEAR))
    settle_year(db_engine, YEAR)
    with session_scope(db_engine) as s:
        post_year(s, YEAR, user="demo")
    assert _nameless(db_engine) == []
    with session_scope(db_engine) as s:
        county = s.scalar(select(Region.code).where(Region.level == "county"))
        assert county is not None
        hospitals = s.scalars(select(Institution.code).order_by(Institution.code)).all()
        set_budgets(s, RULES, YEAR, "basic", dict.fromkeys(hospitals, 10_000_000), user="b")
        for month in (1, 2, 3):
            post_prepayments(s, RULES, YEAR, month, user="b", on=date(YEAR, month, 1))
    for month in (3, 6):
        with session_scope(db_engine) as s:
            batch = make_round(s, RULES, YEAR, month, user="clerk").id
            approve(s, batch, user="bureau")
            release(s, RULES, batch, user="clerk", on=date(YEAR, month, 28))
    with session_scope(db_engine) as s:
        settle_global_budgets(s, RULES, YEAR, user="b", on=date(YEAR, 12, 31))
        held = return_deposits(
            s, RULES, YEAR, dict.fromkeys(hospitals, Decimal("0.8")), user="b",
            on=date(YEAR, 12, 31),
        )  # fmt: skip
        assert held and {r.payer_region for r in held} == {county[:6]}
        kinds = set(s.scalars(select(FundEntry.kind).distinct()))
    assert {"prepayment", "payment", "year_end", "deposit_return"} <= kinds
    assert _nameless(db_engine) == []
    with session_scope(db_engine) as s:  # the county's cash holds the deposits returned
        returned = s.scalar(
            select(func.sum(FundLine.amount_fen))
            .join(FundEntry, FundEntry.id == FundLine.entry_id)
            .where(FundEntry.kind == "deposit_return", FundLine.account == "cash",
                   FundLine.payer_region == county[:6])
        )  # fmt: skip
        assert returned == -sum(r.returned for r in held) != 0


def test_a_manual_line_names_its_county_or_is_refused(db_engine: Engine) -> None:
    with session_scope(db_engine) as s:
        s.add(Region(code="340421", name="甲县", level="county", parent_code=None))
        s.flush()
        one = name_counties(s, [Line("basic", "cash", 1), Line("basic", "spending", -1)])
        assert {ln.payer_region for ln in one} == {"340421"}  # the registry's one county
        with pytest.raises(JournalError) as refused:
            name_counties(s, [Line("basic", "cash", 1, payer_region="999999")])
        assert refused.value.code == "no_county"
        s.add(Region(code="340422", name="乙县", level="county", parent_code=None))
        s.flush()
        with pytest.raises(JournalError) as refused:
            name_counties(s, [Line("basic", "cash", 1), Line("basic", "spending", -1)])
        assert refused.value.code == "no_county" and "name the county" in refused.value.message
        named = name_counties(s, [Line("basic", "cash", 1, payer_region="340422")])
        assert named[0].payer_region == "340422"
