"""Sharing a county's global-budget pot (总额预算) between institutions by weighted factors.

The funds file's ``budget_sharing`` gives, per fund and year, the county pot, the weighted
factors (last year's spending, admissions, enrolled population served, level; the weights sum
to 1, each with its source) and each institution's value of every factor. An institution's
share of the pot is ``Σ weight × value ÷ Σ values`` (exact fractions); the pot is apportioned
to the fen by the largest-remainder rule of :mod:`safetynet.funds.prorata`, so the budgets add
up to the pot exactly. Each institution's budget is explained factor by factor: its value,
its share of the factor and the factor's contribution to the budget. Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from safetynet.funds.journal import JournalError
from safetynet.funds.prorata import apportion_exact
from safetynet.funds.schema import BudgetSharing, FundRules


@dataclass(frozen=True)
class FactorPart:
    """One factor of an institution's budget."""

    factor: str
    weight: Fraction  # the factor's weight in the pot
    value: Decimal  # the institution's value of the factor
    total: Decimal  # all institutions' values of the factor
    share: Fraction  # value ÷ total
    contribution_fen: Fraction  # weight × share × pot (exact, before rounding)


@dataclass(frozen=True)
class InstitutionBudget:
    institution: str
    parts: tuple[FactorPart, ...]
    share: Fraction  # Σ weight × share: the institution's share of the pot
    amount_fen: int  # the share of the pot apportioned to the fen


@dataclass(frozen=True)
class SharedBudgets:
    fund: str
    year: int
    pot_fen: int
    institutions: tuple[InstitutionBudget, ...]  # by institution code

    def amounts(self) -> dict[str, int]:
        return {b.institution: b.amount_fen for b in self.institutions}


def sharing_of(rules: FundRules, fund: str, year: int) -> BudgetSharing:
    """The funds file's pot of ``fund`` and ``year``; refused when the file has none."""
    for pot in rules.budget_sharing:
        if pot.fund == fund and pot.year == year:
            return pot
    raise JournalError("no_budget_pot", f"the funds file shares no budget pot of {fund} {year}")


def share_budgets(pot: BudgetSharing) -> SharedBudgets:
    """Each institution's budget from the pot's weighted factors, explained."""
    totals = {f.factor: sum(v[f.factor] for v in pot.institutions.values()) for f in pot.factors}
    pot_fen = pot.pot_fen
    parts: dict[str, tuple[FactorPart, ...]] = {}
    shares: dict[str, Fraction] = {}
    for code, values in sorted(pot.institutions.items()):
        mine = []
        for f in pot.factors:
            weight = Fraction(f.weight)
            share = Fraction(values[f.factor]) / Fraction(totals[f.factor])
            mine.append(
                FactorPart(
                    f.factor,
                    weight,
                    values[f.factor],
                    totals[f.factor],
                    share,
                    weight * share * pot_fen,
                )
            )
        parts[code] = tuple(mine)
        shares[code] = sum((p.weight * p.share for p in mine), Fraction(0))
    amounts = apportion_exact(pot_fen, shares)
    rows = tuple(InstitutionBudget(c, parts[c], shares[c], amounts[c]) for c in sorted(parts))
    return SharedBudgets(pot.fund, pot.year, pot_fen, rows)
