"""The warning rules of a few households in plain integers: the check after a settlement.

:func:`~safetynet.early_warning.evaluate.evaluate` builds and runs a Polars plan per rule,
whose fixed cost (a few milliseconds) is most of a check after one settlement. Here the same
rules — read from the same rule data (lines, shares, statuses, kinds, disease lists) and with
the same definitions (netting, compliant self-pay, integer comparisons, rounding) — are sums
over a few households' claims in Python. Both give the same rows (tested on random ledgers:
``tests/early_warning/test_few.py``); the batch uses Polars, a few households use this.

Input: ledger rows in :data:`~safetynet.early_warning.evaluate.LEDGER_SCHEMA` order (a row
without the last, ``level``, is of no known level), optionally followed by the
re-assistance and the patient's age on the claim's date (as
:data:`~safetynet.early_warning.load.LEDGER_WITH_REASSISTED` has them: a row without the
age is of unknown age; further columns are ignored) and
households as ``{household_id: (members, income_fen, reference_fen[, village code])}`` (the
village for a county's own list of serious diseases); output: warning rows
as dicts of :data:`~safetynet.early_warning.evaluate.WARNING_SCHEMA`, sorted as
:func:`evaluate` sorts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from typing import Any

from safetynet.early_warning import serious
from safetynet.early_warning.evaluate import WARNING_SCHEMA, disease_pattern
from safetynet.early_warning.rules import (
    LEVEL_RANK,
    Admissions,
    Breach,
    Compare,
    HouseholdShare,
    PersonSelfPay,
    PoorPromise,
    RuleSet,
    SeriousDisease,
    _Rule,
)
from safetynet.engine.facts import status_mask

# members, income, reference per capita, and optionally the village's code (a county's own
# list of serious diseases applies by it)
Homes = dict[int, tuple[int, int | None, int | None] | tuple[int, int | None, int | None, str]]


@dataclass(slots=True)
class _Claim:
    claim_id: int
    person_id: int
    household_id: int
    kind: str
    claim_date: date
    status_mask: int
    diagnosis: str | None
    total: int
    compliant: int
    paid: int
    oop: int
    level: str | None = None  # the institution's level (None: not known)
    age: int | None = None  # whole years on the claim's date (None: not known)

    @property
    def self_pay(self) -> int:
        return min(self.oop, max(self.compliant - self.paid, 0))


def claims(ledger: Iterable[Sequence[Any]]) -> list[_Claim]:
    """Entries netted per claim as :func:`~safetynet.early_warning.evaluate._claims` nets
    them: only claims with a reversal (a negative total) are grouped (first person, kind,
    date and diagnosis; last status; summed amounts); a claim netted to nothing drops out."""
    rows = [_Claim(*r[:12], age=r[13] if len(r) > 13 else None) for r in ledger]
    reversed_ids = {c.claim_id for c in rows if c.total < 0}
    out = [c for c in rows if c.claim_id not in reversed_ids]
    netted: dict[int, _Claim] = {}
    for c in rows:
        if c.claim_id not in reversed_ids:
            continue
        seen = netted.get(c.claim_id)
        if seen is None:
            netted[c.claim_id] = replace(c)
            continue
        seen.status_mask = c.status_mask
        seen.total += c.total
        seen.compliant += c.compliant
        seen.paid += c.paid
        seen.oop += c.oop
    return [c for c in [*out, *netted.values()] if c.total != 0]


def _row(rule: _Rule, person_id: int | None, household_id: int, **values: Any) -> dict[str, Any]:
    row = dict.fromkeys(WARNING_SCHEMA)
    row.update(ladder=rule.tier_of, rule_id=rule.id, kind=rule.kind, level=rule.level.value,
               level_rank=LEVEL_RANK[rule.level], person_id=person_id,
               household_id=household_id, **values)  # fmt: skip
    return row


def _by_person(found: Iterable[_Claim]) -> dict[tuple[int, int], list[_Claim]]:
    """Claims by person over the year, across households (as
    :data:`~safetynet.early_warning.evaluate._HOME`): keyed by the person and the household of
    the person's latest claim (by date, then claim)."""
    mine: dict[int, list[_Claim]] = {}
    for c in found:
        mine.setdefault(c.person_id, []).append(c)
    out: dict[tuple[int, int], list[_Claim]] = {}
    for person, claims in mine.items():
        last = max(claims, key=lambda c: (c.claim_date, c.claim_id))
        out[(person, last.household_id)] = claims
    return out


Check = Callable[[list[_Claim], Homes], list[dict[str, Any]]]


def _self_pay(rule: PersonSelfPay) -> Check:
    levels = None if rule.levels is None else {lv.value for lv in rule.levels}

    def counted(c: _Claim) -> bool:  # as :func:`~safetynet.early_warning.rules.at_levels`
        return levels is None or c.level is None or c.level in levels

    def check(found: list[_Claim], homes: Homes) -> list[dict[str, Any]]:
        out = []
        for (person, household), mine in _by_person(filter(counted, found)).items():
            self_pay = sum(c.self_pay for c in mine)
            if self_pay >= rule.line:
                oop = sum(c.oop for c in mine)
                out.append(_row(rule, person, household, measure=self_pay, threshold=rule.line,
                                unit="fen", out_of_pocket_fen=oop))  # fmt: skip
        return out

    return check


def _household_share(rule: HouseholdShare) -> Check:
    def check(found: list[_Claim], homes: Homes) -> list[dict[str, Any]]:
        oop: dict[int, int] = {}
        for c in found:
            oop[c.household_id] = oop.get(c.household_id, 0) + c.oop
        out = []
        for household, spent in oop.items():
            if household not in homes:
                continue
            members, income, reference = homes[household][:3]
            basis = income if income is not None else (
                None if reference is None else reference * members
            )  # fmt: skip
            if basis is None or spent <= 0:
                continue
            left, right = spent * 10_000, basis * rule.share
            if not (left > right if rule.compare == Compare.ABOVE else left >= right):
                continue
            ratio = (spent * 10_000 + basis // 2) // basis if basis > 0 else None
            out.append(_row(rule, None, household, measure=spent,
                            threshold=(basis * rule.share + 5_000) // 10_000, unit="fen",
                            out_of_pocket_fen=spent, income_fen=basis, ratio_bp=ratio))  # fmt: skip
        return out

    return check


def _poor_promise(rule: PoorPromise) -> Check:
    mask = status_mask(set(rule.statuses))
    kinds = {k.value for k in rule.kinds}

    def check(found: list[_Claim], homes: Homes) -> list[dict[str, Any]]:
        counted = (c for c in found if c.status_mask & mask != 0 and c.kind in kinds)
        out = []
        for (person, household), mine in _by_person(counted).items():
            oop = sum(c.oop for c in mine)
            total = sum(c.total for c in mine)
            paid = sum(c.paid for c in mine)
            short = total > 0 and paid * 10_000 < total * rule.reimbursed_at_least
            over = oop > rule.out_of_pocket_line
            if (over and short) if rule.breach == Breach.ALL else (over or short):
                ratio = (paid * 10_000 + total // 2) // total if total > 0 else None
                out.append(_row(rule, person, household, measure=oop,
                                threshold=rule.out_of_pocket_line, unit="fen",
                                out_of_pocket_fen=oop, ratio_bp=ratio))  # fmt: skip
        return out

    return check


@cache
def _disease(list_code: str) -> re.Pattern[str]:
    return re.compile(disease_pattern(list_code))


@lru_cache(maxsize=65_536)
def _periods(batch: str, code: str, region: str | None) -> tuple[serious.Window, ...]:
    """The disease lists of ``batch`` that hold a diagnosis in a village: remembered per
    diagnosis and village (not per day: a household's claims of a year are checked again at
    each settlement of it, each on its own day)."""
    # a list's own day tests its region and prefixes (the day is tested by the caller)
    return tuple(
        w
        for w in serious.windows(batch)
        if (w.end is None or w.start < w.end) and w.lists(code, w.start, region)
    )


def _listed_in(batch: str, code: str, on: date, region: str | None, age: int | None) -> bool:
    """Whether a diagnosis is on one of ``batch``'s disease lists on a day, in a village, for
    a patient of ``age`` (:meth:`~safetynet.early_warning.serious.Window.matches` of each
    list)."""
    return any(w.start <= on and (w.end is None or on < w.end) and w.matches(code, on, region, age)
               for w in _periods(batch, code, region))  # fmt: skip


def _serious(rule: SeriousDisease) -> Check:
    batch = rule.batch
    pattern = _disease(rule.disease_list or "") if batch is None else None

    def listed(c: _Claim, homes: Homes) -> bool:
        if pattern is not None:
            return c.diagnosis is not None and bool(
                pattern.search(c.diagnosis.upper().replace(".", ""))
            )
        if c.diagnosis is None:
            return False
        home = homes.get(c.household_id)
        region = home[3] if home is not None and len(home) > 3 else None  # type: ignore[misc]
        return _listed_in(batch, c.diagnosis, c.claim_date, region, c.age)  # type: ignore[arg-type]

    def check(found: list[_Claim], homes: Homes) -> list[dict[str, Any]]:
        out = []
        mine_only = [c for c in found if listed(c, homes)]
        for (person, household), mine in _by_person(mine_only).items():
            first = min(mine, key=lambda c: (c.claim_date, c.claim_id))
            out.append(_row(rule, person, household, measure=len(mine), threshold=1,
                            unit="count", diagnosis=first.diagnosis))  # fmt: skip
        return out

    return check


def _admissions(rule: Admissions) -> Check:
    def check(found: list[_Claim], homes: Homes) -> list[dict[str, Any]]:
        stays = (c for c in found if c.kind == "inpatient")
        return [
            _row(rule, person, household, measure=len(mine), threshold=rule.at_least,
                 unit="count")
            for (person, household), mine in _by_person(stays).items()
            if len(mine) >= rule.at_least
        ]  # fmt: skip

    return check


_BUILDERS: dict[type, Callable[[Any], Check]] = {
    PersonSelfPay: _self_pay,
    HouseholdShare: _household_share,
    PoorPromise: _poor_promise,
    SeriousDisease: _serious,
    Admissions: _admissions,
}
_checks_of: dict[int, tuple[RuleSet, list[Check]]] = {}


def _checks(rules: RuleSet) -> list[Check]:
    found = _checks_of.get(id(rules))
    if found is None or found[0] is not rules:
        found = (rules, [_BUILDERS[type(r)](r) for r in rules.rules])
        _checks_of[id(rules)] = found
    return found[1]


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    person = row["person_id"]
    return (row["household_id"], person is not None, person or 0, row["level_rank"],
            row["rule_id"])  # fmt: skip


def evaluate_few(
    rules: RuleSet, ledger: Iterable[Sequence[Any]], homes: Homes
) -> list[dict[str, Any]]:
    """Every warning of a few households' year (as :func:`evaluate` finds them)."""
    found = claims(ledger)
    rows = [row for check in _checks(rules) for row in check(found, homes)]
    return sorted(top_tiers(rows), key=_key)


def top_tiers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One warning per ladder (:data:`~safetynet.early_warning.evaluate.TOP_TIER`): of a
    household's (or person's) tiers of one ladder, the most severe only; ``ladder`` dropped."""
    top: dict[tuple[Any, ...], int] = {}
    for r in rows:
        key = (r["ladder"], r["household_id"], r["person_id"])
        top[key] = max(top.get(key, 0), r["level_rank"])
    return [
        {k: v for k, v in r.items() if k != "ladder"}
        for r in rows
        if r["level_rank"] == top[(r["ladder"], r["household_id"], r["person_id"])]
    ]
