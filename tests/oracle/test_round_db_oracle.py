"""A re-assistance round drafted from the real settlement ledger, on SQLite and PostgreSQL,
against an oracle reading the raw ``settlement`` rows (none of the product's loaders):
seed 004 "对在省内定点医疗机构就医,年度累计自付合规医疗费用达1万元以上…对超过1万元以上的部分按60%
给予大病医疗再救助", budget 2.7 million a year.

Per person: the year's compliant self-pay (``min(out_of_pocket, max(compliant − paid, 0))``
of each claim netted of its refunds), the excess above 10,000 yuan, 60 % of it half up to the
fen; per household: the sum (no window payments under this policy); a budget short of it:
``owed × budget ÷ Σ owed`` floored, the fen left over one each to the largest remainders
(ties: the lowest household id), adding up to the budget exactly, none negative.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import Engine, select, update

from safetynet.early_warning.rounds import draft_round
from safetynet.settlement.service import refund, submit
from safetynet.store.db import session_scope
from safetynet.store.models import PovertyStatusPeriod, ReassistancePayment, Settlement
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county

__all__ = ["county"]

LINE = 1_000_000


def _owed(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(Settlement.claim_id, Settlement.person_id, Settlement.household_id,
                   Settlement.claim_date, Settlement.out_of_pocket_fen,
                   Settlement.compliant_fen, Settlement.paid_fen, Settlement.total_fen)
            .where(Settlement.year == 2017).order_by(Settlement.id)
        ).all()  # fmt: skip
    claims: dict[int, list] = {}
    for cid, pid, hid, day, oop, compliant, paid, total in rows:
        c = claims.setdefault(cid, [pid, hid, day, 0, 0, 0, 0])
        c[3] += oop
        c[4] += compliant
        c[5] += paid
        c[6] += total
    self_pay: dict[int, int] = defaultdict(int)
    home: dict[int, tuple] = {}
    for cid, (pid, hid, day, oop, compliant, paid, total) in claims.items():
        if total == 0:
            continue
        self_pay[pid] += min(oop, max(compliant - paid, 0))
        home[pid] = max(home.get(pid, (day, cid, hid)), (day, cid, hid))
    owed: dict[int, int] = defaultdict(int)
    for pid, sp in self_pay.items():
        if sp > LINE:
            owed[home[pid][2]] += int(Fraction((sp - LINE) * 6, 10) + Fraction(1, 2))
    return dict(owed)


def _shared(owed: dict[int, int], budget: int) -> dict[int, int]:
    total = sum(owed.values())
    if total <= budget:
        return owed
    out = {h: o * budget // total for h, o in owed.items()}
    order = sorted(owed, key=lambda h: (-((owed[h] * budget) % total), h))
    for h in order[: budget - sum(out.values())]:
        out[h] += 1
    return out


@pytest.mark.parametrize("short", [None, 1, 2, 333])
def test_a_round_from_the_ledger_agrees_with_the_oracle(
    db_engine: Engine, county: County, short: int | None
) -> None:
    with session_scope(db_engine) as s:
        # H1's registered-poor status ends before the year: its members are not capped by the
        # backstop, so both households are above the line
        s.execute(update(PovertyStatusPeriod).values(valid_to=date(2017, 1, 1)))
    with session_scope(db_engine) as s:
        for n, (who, day, yuan) in enumerate([
            (county.ordinary_id, date(2017, 2, 1), 45_000),
            (county.ordinary_id, date(2017, 5, 1), 23_456),
            (county.spouse_id, date(2017, 3, 1), 61_111),
            (county.poor_id, date(2017, 4, 1), 12_345),
        ]):  # fmt: skip
            submit(s, big(who, day, yuan), user="clerk", client_key=f"k{n}")
        gone = submit(s, big(county.ordinary_id, date(2017, 8, 1), 70_000), user="clerk",
                      client_key="gone")  # fmt: skip
        assert gone.settlement_id is not None
        refund(s, gone.settlement_id, user="clerk", reason="duplicate")
    owed = _owed(db_engine)
    assert len(owed) == 2 and min(owed.values()) > 0  # both households above the line
    budget = None if short is None else sum(owed.values()) - short
    with session_scope(db_engine) as s:
        row = draft_round(s, 2017, "340421", user="officer", budget_fen=budget)
        paid = dict(s.execute(select(ReassistancePayment.household_id,
                                     ReassistancePayment.amount_fen)
                              .where(ReassistancePayment.round_id == row.id)).all())  # fmt: skip
    expected = _shared(owed, 270_000_000 if budget is None else budget)
    assert paid == expected
    assert min(paid.values()) >= 0
    assert sum(paid.values()) == min(sum(owed.values()), budget or 270_000_000)
