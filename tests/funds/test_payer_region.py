"""A hospital designated for two counties: each journal line records the county whose fund
pays (the patient's), each county's statement, payment round and budget round holds only its
own money, and a county user sees only their county's share. On both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select, update

from safetynet.codes import RegionLevel
from safetynet.funds.budget_round import budget_round
from safetynet.funds.journal import balances
from safetynet.funds.page import build
from safetynet.funds.payments import PaymentError, approve, make_round, release
from safetynet.funds.posting import post_year
from safetynet.funds.rules import default_rules
from safetynet.funds.schema import CONTRIBUTION_SOURCES, Allocation, BudgetLimited
from safetynet.funds.statements import statements
from safetynet.funds.summary import fund_statement_table
from safetynet.funds.watch import FundYear
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import Enrollment, FundLine, Household, Payment, Person, Region
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

RULES = default_rules()
BP = RULES.payments.quality_deposit.share_bp
H = "H-COUNTY"  # in county A (340421); county B's residents are treated there too
A, B = "340421", "340422"


def _two_counties(engine: Engine, county: County) -> None:
    """County B next to A; the ordinary household (H2) lives in B. A claim of a resident of
    each county is settled at H."""
    with session_scope(engine) as s:
        s.add(Region(code=B, name="邻县", level=RegionLevel.COUNTY, parent_code=None))
        s.flush()
        s.add(Region(code=f"{B}100", name="河镇", level=RegionLevel.TOWNSHIP, parent_code=B))
        s.flush()
        s.add(Region(code=f"{B}100201", name="西村", level=RegionLevel.VILLAGE,
                     parent_code=f"{B}100"))  # fmt: skip
        s.flush()
        village = f"{B}100201"
        s.execute(update(Household).where(Household.number == "H2").values(region_code=village))
        s.execute(
            update(Person)
            .where(Person.resident_id == county.ordinary_id)
            .values(region_code=village)
        )
    with session_scope(engine, write_lock=True) as s:
        submit(s, inpatient(county.poor_id, date(2017, 3, 1)), user="clerk")
        submit(s, inpatient(county.ordinary_id, date(2017, 3, 2)), user="clerk")


def _paid(engine: Engine, batch_id: int) -> int:
    with session_scope(engine) as s:
        total = s.scalar(
            select(func.coalesce(func.sum(Payment.amount_fen), 0)).where(
                Payment.batch_id == batch_id, Payment.amount_fen > 0
            )
        )
        return int(total or 0)


def test_a_hospital_of_two_counties_is_paid_by_each_county_for_its_own(
    db_engine: Engine, county: County
) -> None:
    _two_counties(db_engine, county)
    with session_scope(db_engine) as s:
        payers = set(s.scalars(select(FundLine.payer_region).where(FundLine.account == "spending")))
        assert payers == {A, B}  # recorded at the window, per line
        every = [r for r in statements(s, 2017, BP, institution=H) if r.month == 3]
        mine = [r for r in statements(s, 2017, BP, institution=H, payer=A) if r.month == 3]
        theirs = [r for r in statements(s, 2017, BP, institution=H, payer=B) if r.month == 3]
    assert {r.payer_region for r in every} == {A, B}  # one statement per paying county
    assert {r.payer_region for r in mine} == {A} and {r.payer_region for r in theirs} == {B}
    a_due = sum(r.payable for r in mine)
    b_due = sum(r.payable for r in theirs)
    assert a_due > 0 and b_due > 0 and a_due + b_due == sum(r.payable for r in every)

    with session_scope(db_engine) as s:  # A's round pays A's money only
        batch = make_round(s, RULES, 2017, 3, user="maker-a", payer_region=A)
        a_batch = batch.id
        approve(s, a_batch, user="checker-a")
        release(s, RULES, a_batch, user="maker-a", on=date(2017, 4, 5))
    assert _paid(db_engine, a_batch) == a_due
    for payer in (A, None):  # neither A again nor a round of every county
        with pytest.raises(PaymentError) as again, session_scope(db_engine) as s:
            make_round(s, RULES, 2017, 3, user="maker", payer_region=payer)
        assert again.value.code == "round_exists"
    with session_scope(db_engine) as s:  # B's statement is untouched; B's round pays it
        assert sum(r.payable for r in statements(s, 2017, BP, H, payer=B) if r.month == 3) == (
            b_due
        )
        b_batch = make_round(s, RULES, 2017, 3, user="maker-b", payer_region=B).id
        approve(s, b_batch, user="checker-b")
        release(s, RULES, b_batch, user="maker-b", on=date(2017, 4, 6))
    assert _paid(db_engine, b_batch) == b_due
    with session_scope(db_engine) as s:
        lines = s.execute(
            select(FundLine.payer_region, func.sum(FundLine.amount_fen))
            .where(FundLine.account == "payable", FundLine.institution_code == H)
            .group_by(FundLine.payer_region)
        ).all()
        assert {p: int(v) for p, v in lines} == {A: 0, B: 0}  # each county paid its own
        assert balances(s, year=2017)[("basic", "payable")] == 0


def test_a_county_user_sees_only_their_countys_share(db_engine: Engine, county: County) -> None:
    _two_counties(db_engine, county)
    with session_scope(db_engine) as s:
        a = build(s, RULES, A, 2017, 3, "en")
        b = build(s, RULES, B, 2017, 3, "en")
        both = statements(s, 2017, BP, institution=H)
    assert {r.payer_region for r in a.rows} == {A}
    assert {r.payer_region for r in b.rows} == {B}  # B sees A's hospital, B's money only
    assert H in b.names
    assert sum(r.claims for r in a.rows) + sum(r.claims for r in b.rows) == sum(
        r.claims for r in both if r.month == 3
    )


def test_the_budget_round_of_one_paying_county(db_engine: Engine, county: County) -> None:
    _two_counties(db_engine, county)
    base = default_rules()
    rules = base.model_copy(update={
        "allocations": [Allocation(fund="basic", amount="1", source="design")],
        "payments": base.payments.model_copy(
            update={"budget_limited": [BudgetLimited(fund="basic", source="design")]}),
    })  # fmt: skip
    with session_scope(db_engine) as s:
        every = budget_round(s, rules, "basic", 2017)
        a = budget_round(s, rules, "basic", 2017, payer=A)
        b = budget_round(s, rules, "basic", 2017, payer=B)
        in_b = set(s.scalars(select(Person.id).where(Person.region_code.startswith(B))))
    assert a.total_fen + b.total_fen == every.total_fen and a.total_fen and b.total_fen
    assert set(b.persons["person_id"].to_list()) <= in_b
    assert not set(a.persons["person_id"].to_list()) & in_b


def test_a_review_deduction_is_the_money_of_the_claims_county(
    db_engine: Engine, county: County
) -> None:
    from safetynet.codes import DeductionKind
    from safetynet.review import deductions
    from safetynet.store.models import Claim

    _two_counties(db_engine, county)
    year = deductions.now().year  # a deduction is posted on the day it is decided
    with session_scope(db_engine) as s:
        before = {c: sum(r.deducted for r in statements(s, year, BP, H, payer=c)) for c in (A, B)}
        claim_id = s.scalar(
            select(Claim.id)
            .join(Person, Person.id == Claim.person_id)
            .where(Person.resident_id == county.ordinary_id)
        )
        deductions.append(s, kind=DeductionKind.DECISION, institution_code=H, amount_fen=1_234,
                          reason="over-standard charge", decided_by="reviewer",
                          claim_id=claim_id)  # fmt: skip
    with session_scope(db_engine) as s:
        after = {c: sum(r.deducted for r in statements(s, year, BP, H, payer=c)) for c in (A, B)}
    assert after == {A: before[A], B: before[B] + 1_234}  # B's patient: B's money


def test_each_countys_funds_are_its_own_on_the_fund_page(db_engine: Engine, county: County) -> None:
    """The fund figures and alarms are each paying county's: a county's income is its own
    enrollees' contributions, its spending its own residents' claims; a city's user sees one
    block per county (never the two funds mixed into one set of rates), the chart summed."""
    _two_counties(db_engine, county)
    with session_scope(db_engine) as s:
        s.add(Region(code="3404", name="市", level=RegionLevel.CITY, parent_code=None))
        s.flush()
        s.execute(update(Region).where(Region.code.in_([A, B])).values(parent_code="3404"))
        s.execute(update(Enrollment).values(individual_fen=1_000, subsidy_county_fen=3_500))
        post_year(s, 2017, user="analyst")
        cols = [getattr(Enrollment, f"{x}_fen") for x in CONTRIBUTION_SOURCES]
        payer = func.substr(Person.region_code, 1, 6).label("payer")
        income = {
            c: int(v)
            for c, v in s.execute(
                select(payer, func.sum(sum(cols[1:], cols[0])))
                .join(Person, Person.id == Enrollment.person_id)
                .where(Enrollment.year == 2017)
                .group_by(payer)
            )
        }
        spent = {
            c: int(v)
            for c, v in s.execute(
                select(FundLine.payer_region, func.sum(FundLine.amount_fen))
                .where(FundLine.account == "spending", FundLine.fund.in_(["basic", "critical"]))
                .group_by(FundLine.payer_region)
            )
        }
        assert set(income) == set(spent) == {A, B} and all(income.values())
        pages = {r: build(s, RULES, r, 2017, 6, "en") for r in (A, B, "3404")}
        # the annual summary's fund statements: the county's own money
        summary = {c: fund_statement_table(s, 2017, "en", c) for c in (A, B)}
    for code in (A, B):
        table = summary[code]
        assert table is not None
        assert table.rows[0][1] == pages[code].counties[0].figures[0].income  # insurance
    for code in (A, B):
        [mine] = pages[code].counties
        insurance = mine.figures[0]
        assert (mine.code, insurance.fund) == (code, "insurance")
        assert contributions(mine.figures) == income[code]
        assert insurance.spending_to_date == spent[code]
    city = pages["3404"].counties
    assert [c.code for c in city] == [A, B]
    assert [contributions(c.figures) for c in city] == [income[A], income[B]]
    # the chart: the two counties summed
    charted = sum(x["value"] for x in pages["3404"].chart["income"] if x["name"] != "fiscal")
    assert charted == (income[A] + income[B]) / 100


def contributions(figures: list[FundYear]) -> int:
    """The contributions of the year (income but fiscal allocations) of every fund."""
    return sum(
        v
        for f in figures
        if f.fund != "insurance"
        for source, v in f.income_by_source.items()
        if source != "fiscal"
    )
