"""Reconciliation: after online settlements, a refund, review deductions and recoveries and
the year batch, the journal, the settlement ledger and the statements agree to the fen, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select

from safetynet.funds.journal import owed_to_institutions
from safetynet.funds.posting import Deduction, post_deductions, post_year
from safetynet.funds.rules import default_rules
from safetynet.funds.statements import statements
from safetynet.settlement.service import refund, submit
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Settlement
from tests.funds.checks import (
    assert_invariants,
    journal_spending_by_fund,
    ledger_spending_by_fund,
)
from tests.funds.test_posting import outpatient
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient
from tests.settlement.test_year_batch import _record_claims

RULES = default_rules()


def test_journal_equals_ledger_equals_statements(db_engine: Engine, county: County) -> None:
    _record_claims(db_engine, county)  # four admissions the year batch settles
    settle_year(db_engine, 2017)
    with session_scope(db_engine, write_lock=True) as s:
        a = submit(s, inpatient(county.ordinary_id, date(2017, 8, 1)), user="clerk")
        submit(s, outpatient(county.poor_id, date(2017, 8, 3), 120), user="clerk")
        submit(s, outpatient(county.spouse_id, date(2017, 9, 9), 60), user="clerk")
    with session_scope(db_engine, write_lock=True) as s:
        assert a.settlement_id is not None
        refund(s, a.settlement_id, user="clerk", reason="duplicate bill")
    cuts = [
        Deduction("H-COUNTY", 20_000, date(2017, 8, 20), "R-1", "over-standard"),
        Deduction("V-CLINIC", 1_111, date(2017, 9, 20), "R-2", "duplicate", kind="recovery"),
    ]
    with session_scope(db_engine) as s:
        post_year(s, 2017, user="analyst")
        post_deductions(s, cuts)
    with session_scope(db_engine) as s:
        taken = {"H-COUNTY": 20_000, "V-CLINIC": 1_111}
        assert_invariants(s, RULES, taken)
        rows = statements(s, 2017, RULES.payments.quality_deposit.share_bp)
        by_fund: dict[str, int] = {}
        for r in rows:
            by_fund[r.fund] = by_fund.get(r.fund, 0) + r.claims
        ledger = ledger_spending_by_fund(s, RULES)
        assert {f: v for f, v in by_fund.items() if v} == ledger == journal_spending_by_fund(s)
        # each institution: statements' approved = journal owed = ledger advanced − cuts
        approved: dict[str, int] = {}
        for r in rows:
            approved[r.institution_code] = approved.get(r.institution_code, 0) + r.approved
        owed = owed_to_institutions(s)
        advanced = dict(
            s.execute(
                select(Claim.institution_code, func.sum(Settlement.paid_fen))
                .join(Claim, Claim.id == Settlement.claim_id)
                .group_by(Claim.institution_code)
            ).all()
        )
        for code in ("H-COUNTY", "V-CLINIC"):
            assert approved[code] == owed[code] == int(advanced[code]) - taken[code]
        # by month: the refunded August admission nets to nothing in August
        august = [r for r in rows if r.month == 8 and r.institution_code == "H-COUNTY"]
        assert sum(r.claims for r in august) == 0
