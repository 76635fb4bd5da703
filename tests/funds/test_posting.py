"""Posting: each settlement and refund is posted by the settlement after step; a year the
batch wrote is posted set-based once; deductions and recoveries reduce what an institution is
owed. The journal's invariants hold on both databases (hypothesis for the claim mixes)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text

from safetynet.clock import local_today
from safetynet.funds.journal import balances, owed_to_institutions
from safetynet.funds.posting import Deduction, post_deductions, post_year, posted_count
from safetynet.funds.rules import default_rules
from safetynet.settlement.service import refund, submit
from safetynet.settlement.submission import ClaimSubmission
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import make_engine, session_scope
from safetynet.store.models import Base, FundEntry, FundLine, FundPosted, Settlement
from tests.funds.checks import assert_invariants, unbalanced_entries
from tests.settlement.conftest import County, build_county
from tests.settlement.helpers import inpatient
from tests.settlement.test_year_batch import _record_claims

RULES = default_rules()


def outpatient(resident_id: str, day: date, yuan: int) -> ClaimSubmission:
    data: dict[str, Any] = {
        "resident_id": resident_id,
        "institution_code": "V-CLINIC",
        "kind": "outpatient",
        "date": day,
        "items": [{"code": "DRUG-A", "amount": f"{yuan}.00"}],
    }
    return ClaimSubmission.model_validate(data)


def test_settlements_and_refunds_post_at_the_window(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        first = submit(s, inpatient(county.poor_id), user="clerk")
        submit(s, outpatient(county.ordinary_id, date(2017, 4, 2), 80), user="clerk")
    with session_scope(db_engine, write_lock=True) as s:
        assert first.settlement_id is not None
        refund(s, first.settlement_id, user="clerk", reason="wrong patient")
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(FundPosted)) == 3
        assert s.scalar(select(func.count()).select_from(FundEntry)) == 3
        assert_invariants(s, RULES, {})
        # the refund cancelled the inpatient claim: the county hospital is owed nothing
        owed = owed_to_institutions(s)
        assert owed["H-COUNTY"] == 0
        total = s.scalar(select(func.sum(Settlement.paid_fen))) or 0
        assert owed["V-CLINIC"] == total > 0  # the clinic's outpatient claim is payable


def test_a_year_from_the_batch_is_posted_once(db_engine: Engine, county: County) -> None:
    _record_claims(db_engine, county)
    settle_year(db_engine, 2017)  # the year batch runs no hooks
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(FundPosted)) == 0
        first = post_year(s, 2017, user="analyst")
    assert first["settlements"].settlements == 4 and first["settlements"].spending_fen > 0
    with session_scope(db_engine) as s:
        again = post_year(s, 2017, user="analyst")
        assert again["settlements"].settlements == 0 and again["settlements"].entries == []
        assert again["allocations"].entries == [] and again["contributions"].entries == []
        assert posted_count(s, 2017) == 4
        refs = s.scalars(select(FundEntry.reference).where(FundEntry.kind == "settlement")).all()
        assert len(refs) == 1 and (refs[0] or "").startswith("ledger:2017:")


def test_a_year_leaves_out_what_the_window_posted_and_posts_what_came_after(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, outpatient(county.ordinary_id, date(2017, 4, 2), 80), user="clerk")
    _record_claims(db_engine, county)
    settle_year(db_engine, 2017)
    with session_scope(db_engine) as s:
        at_window = s.scalar(select(func.count()).select_from(FundPosted))
        ledger = s.scalar(
            select(func.count()).select_from(Settlement).where(Settlement.year == 2017)
        )
        assert at_window == 1 and ledger and ledger > 1
        done = post_year(s, 2017, user="analyst")["settlements"]
        assert done.settlements == ledger - 1  # the window's entry is not posted twice
        assert posted_count(s, 2017) == ledger
        assert_invariants(s, RULES, {})
    with session_scope(db_engine, write_lock=True) as s:  # after the year: at the window
        submit(s, outpatient(county.ordinary_id, date(2017, 11, 2), 50), user="clerk")
    with session_scope(db_engine) as s:
        assert post_year(s, 2017, user="analyst")["settlements"].settlements == 0
        assert posted_count(s, 2017) == ledger + 1
        assert_invariants(s, RULES, {})
        assert_invariants(s, RULES, {})
        # a claim settled online afterwards is posted by the window, not again by the year
        submit(s, inpatient(county.ordinary_id, date(2017, 9, 1)), user="clerk")
    with session_scope(db_engine) as s:
        assert post_year(s, 2017, user="analyst")["settlements"].settlements == 0
        assert_invariants(s, RULES, {})
        # the re-assistance budget was allocated once: 2.7 M yuan
        assert balances(s, year=2017)[("re_assistance", "income.fiscal")] == -270_000_000


def test_contributions_are_split_between_funds_to_the_fen(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        s.execute(text("UPDATE enrollment SET individual_fen = 1000, subsidy_city_fen = 1001"))
        post_year(s, 2017, user="analyst")
    with session_scope(db_engine) as s:
        b = balances(s, year=2017)
        # three persons: individual 3,000 fen = 40:5 → 2,667 basic (largest remainder) + 333
        assert b[("basic", "income.individual")] == -2667
        assert b[("critical", "income.individual")] == -333
        assert b[("basic", "income.subsidy_city")] + b[("critical", "income.subsidy_city")] == -3003
        assert b[("basic", "cash")] + b[("critical", "cash")] == 6003 + 0
        # a late enrollment adds only the difference
        s.execute(text("UPDATE enrollment SET individual_fen = 2000"))
        post_year(s, 2017, user="analyst")
    with session_scope(db_engine) as s:
        b = balances(s, year=2017)
        assert b[("basic", "income.individual")] + b[("critical", "income.individual")] == -6000
        assert unbalanced_entries(s) == []


def test_deductions_and_recoveries_reduce_what_is_owed(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, inpatient(county.poor_id), user="clerk")
    cuts = [
        Deduction("H-COUNTY", 12_345, date(2017, 3, 20), "R-1", "over-standard charge"),
        Deduction("H-COUNTY", 5_000, date(2017, 4, 2), "R-2", "fraud found", kind="recovery"),
    ]
    with session_scope(db_engine) as s:
        assert len(post_deductions(s, cuts)) == 2
        assert post_deductions(s, cuts) == []  # the same references again: skipped
        assert_invariants(s, RULES, {"H-COUNTY": 17_345})
        b = balances(s)
        assert b[("basic", "deductions")] == -12_345 and b[("basic", "recoveries")] == -5_000


def _count(engine: Engine, model: type[Base]) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_bad_deductions_are_refused_whole(db_engine: Engine, county: County) -> None:
    good = Deduction("H-COUNTY", 100, date(2017, 3, 20), "R-1", "ok")
    bad = Deduction("H-COUNTY", -5, date(2017, 3, 20), "R-2", "negative")
    with pytest.raises(ValueError, match="must be positive"), session_scope(db_engine) as s:
        post_deductions(s, [good, bad])
    assert _count(db_engine, FundEntry) == 0 and _count(db_engine, FundLine) == 0


# hypothesis: random mixes of claims, refunds and review cuts, on a fresh SQLite county each

PERSONS = ("poor", "spouse", "ordinary")
claim_st = st.tuples(
    st.sampled_from(PERSONS),
    st.booleans(),  # inpatient at the county hospital, else outpatient at the clinic
    st.integers(min_value=1, max_value=12),  # month
    st.integers(min_value=1, max_value=30_000),  # yuan
    st.booleans(),  # refunded afterwards
)
cut_st = st.tuples(
    st.sampled_from(("H-COUNTY", "V-CLINIC")),
    st.integers(min_value=1, max_value=5_000_000),
    st.sampled_from(("deduction", "recovery")),
)


def _submission(county: County, who: str, inp: bool, month: int, yuan: int) -> ClaimSubmission:
    rid = {"poor": county.poor_id, "spouse": county.spouse_id, "ordinary": county.ordinary_id}[who]
    day = date(2017, month, 10)
    if not inp:
        return outpatient(rid, day, min(yuan, 3000))
    sub = inpatient(rid, day)
    items = [{"code": "BED", "amount": f"{yuan}.00"}, {"code": "DRUG-B", "amount": "100.00"}]
    return sub.model_copy(update={"items": [type(sub.items[0]).model_validate(i) for i in items]})


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(claims=st.lists(claim_st, min_size=1, max_size=8), cuts=st.lists(cut_st, max_size=3))
def test_invariants_hold_for_any_mix(
    tmp_path_factory: pytest.TempPathFactory, claims: list[Any], cuts: list[Any]
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('mix') / 'mix.db'}")
    Base.metadata.create_all(engine)
    try:
        with session_scope(engine) as s:
            county = build_county(s)
        refunds = []
        seen: set[str] = set()
        for who, inp, month, yuan, back in claims:
            sub = _submission(county, who, inp, month, yuan)
            bill = sub.model_dump_json()
            if bill in seen:  # the same bill again: here a genuine second one, confirmed
                sub = sub.model_copy(update={"duplicate_reason": "a second visit"})
            seen.add(bill)
            with session_scope(engine, write_lock=True) as s:
                view = submit(s, sub, user="clerk")
            if back:
                refunds.append(view.settlement_id)
        for sid in refunds:
            with session_scope(engine, write_lock=True) as s:
                refund(s, sid, user="clerk", reason="refund")
        taken: dict[str, int] = {}
        deductions = []
        for i, (code, fen, kind) in enumerate(cuts):
            deductions.append(Deduction(code, fen, date(2017, 12, 1), f"R-{i}", "review", kind))
            taken[code] = taken.get(code, 0) + fen
        with session_scope(engine) as s:
            post_deductions(s, deductions)
            post_year(s, 2017, user="analyst")  # nothing left to post: all came online
            assert_invariants(s, RULES, taken)
    finally:
        engine.dispose()


def _lines(s: Any, entry_id: int) -> list[tuple[Any, ...]]:
    return sorted(
        tuple(r)
        for r in s.execute(
            select(FundLine.fund, FundLine.account, FundLine.institution_code,
                   FundLine.claim_kind, FundLine.month, FundLine.amount_fen)
            .where(FundLine.entry_id == entry_id)
        )
    )  # fmt: skip


def test_a_batch_posts_from_memory_the_lines_the_tables_give(
    db_engine: Engine, county: County
) -> None:
    """The after step posts a batch's lines from its rows in memory; summing the same
    entries' layers in SQL (the year posting's statements) gives the very same lines."""
    from safetynet.funds.journal import new_entry
    from safetynet.funds.posting import Span, _post_marked
    from safetynet.settlement.service import Order, submit_many

    subs = [inpatient(county.poor_id), outpatient(county.ordinary_id, date(2017, 4, 2), 80),
            inpatient(county.unenrolled_id), outpatient(county.spouse_id, date(2017, 5, 9), 40),
            inpatient(county.spouse_id, date(2017, 5, 20))]  # fmt: skip
    with session_scope(db_engine, write_lock=True) as s:
        out = submit_many(s, [Order(sub, "clerk") for sub in subs])
    assert [type(o).__name__ for o in out].count("SettlementError") == 1  # not enrolled
    with session_scope(db_engine) as s:
        (posted,) = s.scalars(select(FundEntry.id)).all()
        memory = _lines(s, posted)
        assert len(memory) >= 4 and sum(line[-1] for line in memory) == 0
        again = new_entry(s, year=2017, posted_on=local_today(), kind="settlement", user="t")
        ids = s.scalars(select(Settlement.id)).all()  # the tables summed over the same entries
        _post_marked(s, RULES, again, Span(2017, min(ids), max(ids), window=False))
        assert _lines(s, again) == memory
        s.rollback()
