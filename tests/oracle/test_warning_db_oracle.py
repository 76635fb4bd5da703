"""Early warning from the real settlement ledger, on SQLite and PostgreSQL, against an
oracle that reads the raw tables itself (none of the product's loaders): claims settled at
the window, one refunded in full; a registered-poor status that ends (``valid_to``,
exclusive) the day between two of a person's admissions; a member who died on 1 January (not
alive a day of the year) and one who died on 2 January (alive); two incomes recorded for the
year (the latest counts) or none (last year's reference per capita × the members).

The oracle nets each claim's entries (a claim refunded in full is gone), takes the poverty
status from the status periods on the claim's date (``[valid_from, valid_to)``), the
members and incomes from the registry, and applies the lines of the sources (seed 004
10,000 yuan at least; seed 000 above 5,000 or below 90 %; domain notes C3: ≥ 50 % of the
income, > 100 %, ≥ 3 admissions).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import Engine, select, update

from safetynet.codes import IncomeSource, PovertyStatus
from safetynet.early_warning.service import evaluate_year
from safetynet.settlement.service import refund, submit
from safetynet.store.db import session_scope
from safetynet.store.models import (
    Household,
    HouseholdIncome,
    Person,
    PovertyStatusPeriod,
    ReferenceIncome,
    Settlement,
)
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county

__all__ = ["county"]

YEAR = 2017
POOR = {PovertyStatus.REGISTERED_POOR, PovertyStatus.RETURNED, PovertyStatus.LOW_INCOME,
        PovertyStatus.EXTREMELY_POOR}  # fmt: skip


def _oracle(engine: Engine) -> set[tuple[str, int | None, int, int]]:
    with engine.connect() as conn:
        entries = conn.execute(
            select(Settlement.claim_id, Settlement.person_id, Settlement.household_id,
                   Settlement.kind, Settlement.claim_date, Settlement.total_fen,
                   Settlement.compliant_fen, Settlement.paid_fen, Settlement.out_of_pocket_fen,
                   Settlement.level).where(Settlement.year == YEAR)
            .order_by(Settlement.id)
        ).all()  # fmt: skip
        periods = conn.execute(select(PovertyStatusPeriod)).mappings().all()
        people = conn.execute(select(Person.id, Person.household_id, Person.birth_date,
                                     Person.deceased_on)).all()  # fmt: skip
        incomes = conn.execute(
            select(HouseholdIncome.household_id, HouseholdIncome.income_fen)
            .where(HouseholdIncome.year == YEAR).order_by(HouseholdIncome.id)
        ).all()  # fmt: skip
        refs = dict(conn.execute(
            select(ReferenceIncome.region_code, ReferenceIncome.per_capita_fen)
            .where(ReferenceIncome.year == YEAR - 1)).all())  # fmt: skip
        villages = dict(conn.execute(select(Household.id, Household.region_code)).all())
    claims: dict[int, dict] = {}
    for cid, pid, hid, kind, day, total, compliant, paid, oop, level in entries:
        c = claims.setdefault(cid, {"person": pid, "home": hid, "kind": str(kind.value),
                                    "day": day, "total": 0, "compliant": 0, "paid": 0,
                                    "oop": 0, "level": str(level.value)})  # fmt: skip
        c["total"] += total
        c["compliant"] += compliant
        c["paid"] += paid
        c["oop"] += oop
    claims = {k: c for k, c in claims.items() if c["total"] != 0}
    home_of = {pid: hid for pid, hid, _b, _d in people}

    def poor_on(pid: int, day: date) -> bool:
        for p in periods:
            mine = p["person_id"] == pid or (
                p["person_id"] is None and p["household_id"] == home_of[pid]
            )
            held = p["valid_from"] <= day and (p["valid_to"] is None or day < p["valid_to"])
            if mine and held and PovertyStatus(p["status"]) in POOR:
                return True
        return False

    out: set[tuple[str, int | None, int, int]] = set()
    by_person: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    for cid, c in claims.items():
        by_person[c["person"]].append((cid, c))

    def latest(items: list[tuple[int, dict]]) -> int:
        return max(items, key=lambda x: (x[1]["day"], x[0]))[1]["home"]

    for pid, mine in by_person.items():
        counted = [x for x in mine if x[1]["level"] != "out_of_province"]
        self_pay = sum(min(c["oop"], max(c["compliant"] - c["paid"], 0)) for _i, c in counted)
        if self_pay >= 1_000_000:
            out.add(("self_pay_year", pid, latest(counted), self_pay))
        poor = [x for x in mine if x[1]["kind"] == "inpatient" and poor_on(pid, x[1]["day"])]
        if poor:
            oop = sum(c["oop"] for _i, c in poor)
            total = sum(c["total"] for _i, c in poor)
            paid = sum(c["paid"] for _i, c in poor)
            if oop > 500_000 or Fraction(paid, total) < Fraction(9, 10):
                out.add(("poor_promise", pid, latest(poor), oop))
        stays = [x for x in mine if x[1]["kind"] == "inpatient"]
        if len(stays) >= 3:
            out.add(("admissions", pid, latest(stays), len(stays)))
    members: dict[int, set[int]] = defaultdict(set)
    for c in claims.values():
        members[c["home"]].add(c["person"])
    settled = {c["person"] for c in claims.values()}
    for pid, hid, born, died in people:
        alive = born <= date(YEAR, 12, 31) and (died is None or died > date(YEAR, 1, 1))
        if alive and pid not in settled:
            members[hid].add(pid)
    income = {}
    for hid, fen in incomes:
        income[hid] = fen  # the latest recorded
    oop_of: dict[int, int] = defaultdict(int)
    for c in claims.values():
        oop_of[c["home"]] += c["oop"]
    for hid, oop in oop_of.items():
        basis = income.get(hid)
        if basis is None:
            ref = next((f for code, f in refs.items() if villages[hid].startswith(code)), None)
            basis = None if ref is None else ref * len(members[hid])
        if basis is None or oop <= 0:
            continue
        if oop > basis:
            out.add(("household_above_income", None, hid, oop))
        elif 2 * oop >= basis:
            out.add(("household_half_income", None, hid, oop))
    return out


@pytest.mark.parametrize("died", [date(YEAR, 1, 1), date(YEAR, 1, 2)])
@pytest.mark.parametrize("income_h2", [None, 1, 10**9])
def test_warnings_from_the_ledger_agree_with_the_oracle(
    db_engine: Engine, county: County, income_h2: int | None, died: date
) -> None:
    with session_scope(db_engine) as s:
        h1 = s.scalar(select(Household.id).where(Household.number == "H1"))
        h2 = s.scalar(select(Household.id).where(Household.number == "H2"))
        # the household's registered-poor status ends on 1 June: a claim of 31 May is the
        # poor's, one of 1 June is not
        s.execute(update(PovertyStatusPeriod).where(PovertyStatusPeriod.household_id == h1)
                  .values(valid_to=date(YEAR, 6, 1)))  # fmt: skip
        s.execute(update(Person).where(Person.resident_id == county.spouse_id)
                  .values(deceased_on=died))  # fmt: skip
        if income_h2 is not None:
            for fen in (5 * income_h2, income_h2):  # the latest counts
                s.add(HouseholdIncome(household_id=h2, year=YEAR, income_fen=fen,
                                      source=IncomeSource.DECLARED, recorded_by="t"))  # fmt: skip
        assert h1 and h2
    with session_scope(db_engine) as s:
        submit(s, big(county.poor_id, date(YEAR, 5, 31), 9_000), user="clerk", client_key="a")
        submit(s, big(county.poor_id, date(YEAR, 6, 1), 9_000), user="clerk", client_key="b")
        gone = submit(s, big(county.poor_id, date(YEAR, 7, 1), 30_000), user="clerk",
                      client_key="c")  # fmt: skip
        assert gone.settlement_id is not None
        refund(s, gone.settlement_id, user="clerk", reason="wrong patient")
        for n, day in enumerate((date(YEAR, 2, 1), date(YEAR, 4, 1))):
            submit(s, big(county.ordinary_id, day, 14_000), user="clerk", client_key=f"o{n}")
        dropped = submit(s, big(county.ordinary_id, date(YEAR, 9, 1), 500), user="clerk",
                         client_key="o3")  # fmt: skip
        assert dropped.settlement_id is not None
        refund(s, dropped.settlement_id, user="clerk", reason="duplicate")
    with session_scope(db_engine) as s:
        # last year's reference per capita: H1's out-of-pocket is at least half of it and
        # below it, so the share rule hits H1 with one member, not with two
        oop = sum(s.scalars(select(Settlement.out_of_pocket_fen)
                            .where(Settlement.household_id == h1)))  # fmt: skip
        s.add(ReferenceIncome(region_code="340421", year=YEAR - 1, per_capita_fen=oop * 3 // 2,
                              source="统计公报"))  # fmt: skip
    expected = _oracle(db_engine)
    with db_engine.connect() as conn:
        got = evaluate_year(conn, YEAR).warnings
    keys = ("rule_id", "person_id", "household_id", "measure")
    assert {tuple(r[k] for k in keys) for r in got.to_dicts()} == expected
    rules = {r[0] for r in expected}
    assert "admissions" not in rules  # three stays each, one of them refunded
    assert "poor_promise" in rules
    # the spouse who died on 1 January was not alive a day of the year: H1 has one member
    h1_share = ("household_half_income", None, h1, oop) in expected
    assert h1_share is (died == date(YEAR, 1, 1))
