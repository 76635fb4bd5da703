"""What the funds tests check: the journal's invariants against the settlement ledger."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.funds.journal import balances, owed_to_institutions
from safetynet.funds.schema import FundRules
from safetynet.store.models import Claim, FundLine, Settlement, SettlementLayer


def unbalanced_entries(session: Session) -> list[tuple[int, int]]:
    q = (
        select(FundLine.entry_id, func.sum(FundLine.amount_fen))
        .group_by(FundLine.entry_id)
        .having(func.sum(FundLine.amount_fen) != 0)
    )
    return [(int(e), int(v)) for e, v in session.execute(q)]


def ledger_spending_by_fund(session: Session, rules: FundRules) -> dict[str, int]:
    """Each fund's layers' payments in the settlement ledger (summed in Python)."""
    fund_of = rules.fund_of_layer()
    out: dict[str, int] = {}
    for layer_id, paid in session.execute(
        select(SettlementLayer.layer_id, SettlementLayer.paid_fen)
    ):
        fund = fund_of.get(layer_id, rules.unassigned_fund)
        out[fund] = out.get(fund, 0) + int(paid)
    return {f: v for f, v in out.items() if v}


def journal_spending_by_fund(session: Session) -> dict[str, int]:
    return {f: v for (f, a), v in balances(session).items() if a == "spending" and v}


def advanced_by_institution(session: Session) -> dict[str, int]:
    """What each institution paid out at the window for the funds (every layer)."""
    q = (
        select(Claim.institution_code, func.sum(Settlement.paid_fen))
        .join(Claim, Claim.id == Settlement.claim_id)
        .group_by(Claim.institution_code)
    )
    return {str(c): int(v) for c, v in session.execute(q)}


def assert_invariants(session: Session, rules: FundRules, taken: dict[str, int]) -> None:
    """Every entry balances; spending = the ledger's layers per fund; each institution is
    owed what it advanced less what review ``taken`` from it (deductions + recoveries)."""
    assert unbalanced_entries(session) == []
    assert journal_spending_by_fund(session) == ledger_spending_by_fund(session, rules)
    advanced = advanced_by_institution(session)
    owed = owed_to_institutions(session)
    for code in set(advanced) | set(owed) | set(taken):
        assert owed.get(code, 0) == advanced.get(code, 0) - taken.get(code, 0), code
