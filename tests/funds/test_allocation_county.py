"""A funds file's allocation is one county's money (each county's fund is its own, seed 001):
an allocation naming no county in a file for every region is refused with the file and the
line, the whole file; a county's file gives its own; the journal posts each allocation once,
to its county, and no figure counts it more than once — each county's fund page and budget
round have only their own pot, the counties' pots add up to the whole. On both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from safetynet.funds.budget_round import budget_round, pot_of
from safetynet.funds.posting import post_allocations
from safetynet.funds.rules import FILES, PolicyError, load_rules
from safetynet.funds.schema import Allocation, BudgetLimited
from safetynet.funds.watch import fund_years
from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry, FundLine
from tests.funds.test_payer_region import A, B, _two_counties
from tests.settlement.conftest import County

SHIPPED = (FILES / "county-2018.yaml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "funds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_allocation_of_no_county_is_refused_with_its_line(tmp_path: Path) -> None:
    nowhere = SHIPPED.replace('    region: "341821"      # Langxi', "    # Langxi")
    assert nowhere != SHIPPED
    with pytest.raises(PolicyError) as err:
        load_rules(_write(tmp_path, nowhere))
    text = str(err.value)
    assert "funds.yaml:" in text and "allocation 1 (re_assistance" in text, text
    assert "names no county" in text
    line = next(i for i, x in enumerate(nowhere.splitlines(), 1) if x == "allocations:")
    assert f"funds.yaml:{line}" in text, text


def test_a_countys_file_gives_its_own_and_not_another_countys(tmp_path: Path) -> None:
    own = SHIPPED.replace('    region: "341821"      # Langxi', "    # Langxi").replace(
        "region: null          # every region;", 'region: "340421"  #'
    )
    rules = load_rules(_write(tmp_path, own))
    assert [a.county(rules.region) for a in rules.allocations] == [A]
    other = own.replace("    # Langxi", '    region: "340422"  # Langxi')
    with pytest.raises(PolicyError) as err:
        load_rules(_write(tmp_path, other))
    assert "outside the file's region 340421" in str(err.value)


def test_each_allocation_counts_once(db_engine: Engine, county: County) -> None:
    _two_counties(db_engine, county)
    base = load_rules()
    rules = base.model_copy(update={
        "allocations": [
            Allocation(fund="basic", amount="100", source="design", region=A),
            Allocation(fund="basic", amount="30", source="design", region=B),
        ],
        "payments": base.payments.model_copy(
            update={"budget_limited": [BudgetLimited(fund="basic", source="design")]}),
    })  # fmt: skip
    with session_scope(db_engine) as s:
        post_allocations(s, 2017, user="test", rules=rules)
        posted = dict(
            s.execute(
                select(FundLine.payer_region, func.sum(FundLine.amount_fen))
                .join(FundEntry, FundEntry.id == FundLine.entry_id)
                .where(FundEntry.kind == "allocation", FundLine.account == "income.fiscal")
                .group_by(FundLine.payer_region)
            ).all()
        )
        assert posted == {A: -100_00, B: -30_00}
        figures = {p: fund_years(s, rules, 2017, 12, ["basic"], p)["basic"] for p in (A, B, None)}
        rounds = {p: budget_round(s, rules, "basic", 2017, payer=p) for p in (A, B, None)}
    assert {p: f.income_by_source.get("fiscal") for p, f in figures.items()} == {
        A: 100_00, B: 30_00, None: 130_00,
    }  # fmt: skip
    assert {p: r.pot_fen for p, r in rounds.items()} == {A: 100_00, B: 30_00, None: 130_00}
    assert pot_of(rules, "basic", "34") == 130_00  # a city: the counties below it, once


def test_an_allocation_of_no_county_posts_nothing(db_engine: Engine, county: County) -> None:
    """Rules built in code skip the file's check: the journal refuses the allocation."""
    base = load_rules()
    rules = base.model_copy(
        update={"allocations": [Allocation(fund="basic", amount="1", source="design")]}
    )
    with session_scope(db_engine) as s, pytest.raises(Exception, match="names no county"):
        post_allocations(s, 2017, user="test", rules=rules)
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(FundEntry)) == 0
