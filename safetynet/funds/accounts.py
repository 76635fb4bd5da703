"""The chart of accounts: which accounts each fund has, and what a line may post to.

Every fund of the funds file has the same accounts; a journal line names the fund and the
account separately. Amounts are signed fen, debit positive and credit negative:

- ``income.<source>`` (credit): contributions by payer (the enrollment's columns), fiscal
  allocations (``income.fiscal``) and interest (``income.interest``);
- ``cash`` (debit): the fund's money in the special account;
- ``spending`` (debit): what the layer paid at the window, by institution, kind and month;
- ``payable`` (credit): what the fund owes each institution;
- ``deductions`` and ``recoveries`` (credit): what review took back from an institution;
- ``prepaid`` (debit): advances paid to an institution before its claims are approved;
- ``deposit`` (credit): quality deposit withheld from an institution's payments;
- ``budget_adjustment`` (debit): the global budget's year-end share of the underspend kept
  by an institution (credit: the share of the overspend it bears);
- ``forfeited`` (credit): quality deposit not returned after the year's assessment;
- ``refund_payable`` (credit): what the fund owes persons back — a recovery a person repaid
  in cash whose sanction was overturned — until the refund is paid (debit, against ``cash``).
"""

from __future__ import annotations

from safetynet.funds.schema import CONTRIBUTION_SOURCES, FundRules

INCOME_SOURCES: tuple[str, ...] = (*CONTRIBUTION_SOURCES, "fiscal", "interest")
INCOME_ACCOUNTS: tuple[str, ...] = tuple(f"income.{s}" for s in INCOME_SOURCES)
ACCOUNTS: tuple[str, ...] = (
    *INCOME_ACCOUNTS,
    "cash",
    "spending",
    "payable",
    "deductions",
    "recoveries",
    "prepaid",
    "deposit",
    "budget_adjustment",
    "forfeited",
    "refund_payable",
)
# accounts a line must name an institution for
PER_INSTITUTION: frozenset[str] = frozenset({"payable", "prepaid", "deposit", "budget_adjustment"})


def chart(rules: FundRules) -> list[tuple[str, str]]:
    """Every (fund, account) pair of the chart, in order."""
    return [(f.id, a) for f in rules.funds for a in ACCOUNTS]
