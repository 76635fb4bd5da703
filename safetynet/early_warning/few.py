"""The warning rules of a few households in plain integers: the check after a settlement.

:func:`~safetynet.early_warning.evaluate.evaluate` builds and runs a Polars plan per rule,
whose fixed cost (a few milliseconds) is most of a check after one settlement. Here the same
rules — read from the same rule data (lines, shares, statuses, kinds, disease lists) and with
the same definitions (netting, compliant self-pay, integer comparisons, rounding) — are sums
over a few households' claims in Python. Both give the same rows (tested on random ledgers:
``tests/early_warning/test_few.py``); the batch uses Polars, a few households use this.

The rules read a person's year through buckets (:class:`Bucket`) — the claims netted and summed per
household, kind, level, status mask and the disease sources they are on (:func:`buckets`) —
so the check evaluates the same rules on buckets summed from the ledger or on the running
totals the settlements keep (:mod:`~safetynet.early_warning.totals`).

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
from functools import cache
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
from safetynet.programmes.schema import AgeBound
from safetynet.programmes.screen import within_bounds_on
from safetynet.regions import in_region

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


# -- a year's claims summed per bucket: what every rule reads of them --------------------------
@dataclass(frozen=True, slots=True)
class Source:
    """One way a claim is on a serious-disease rule's list: a catalog list's pattern (no
    period, every region) or one list of a three-batches batch (its period ``[start, end)``,
    its region: None, every region, and its programme file's age bounds)."""

    rule_id: str
    pattern: re.Pattern[str]
    start: date | None = None
    end: date | None = None
    region: str | None = None
    ages: tuple[AgeBound, ...] = ()

    def on(self, code: str, day: date, age: int | None = None) -> bool:
        """Whether a diagnosis (upper case, no dots) on a day, of a patient of ``age`` (whole
        years; None: unknown), is on the list, in any region (the age bounds as
        :meth:`~safetynet.early_warning.serious.Window.matches` tests them)."""
        if self.start is not None and (day < self.start or (self.end is not None
                                                            and day >= self.end)):  # fmt: skip
            return False
        if self.pattern.search(code) is None:
            return False
        return not self.ages or within_bounds_on(self.ages, code, day, age)


MAX_SOURCES = 62  # the bits of ``listed`` (a signed 64-bit integer)


_sources_of: dict[int, tuple[RuleSet, tuple[Source, ...]]] = {}


def sources(rules: RuleSet) -> tuple[Source, ...]:
    """The rule set's serious-disease sources, in order: a bit of a bucket's ``listed`` each
    (remembered per rule set)."""
    found = _sources_of.get(id(rules))
    if found is None or found[0] is not rules:
        found = (rules, _sources(rules))
        _sources_of[id(rules)] = found
    return found[1]


def _sources(rules: RuleSet) -> tuple[Source, ...]:
    out: list[Source] = []
    for rule in rules.rules:
        if not isinstance(rule, SeriousDisease):
            continue
        if rule.batch is None:
            out.append(Source(rule.id, _disease(rule.disease_list or "")))
        else:
            out += [Source(rule.id, re.compile(w.pattern), w.start, w.end, w.region, w.ages)
                    for w in serious.windows(rule.batch)]  # fmt: skip
    return tuple(out)


_NEVER = re.compile(r"(?!)")


def _same(s: Source) -> tuple[Any, ...]:
    return (s.rule_id, s.pattern.pattern, s.start, s.end, s.region,
            tuple(b.model_dump_json() for b in s.ages))  # fmt: skip


def shared_sources(
    sets: Sequence[RuleSet],
) -> tuple[tuple[Source, ...], dict[str, tuple[Source, ...]]]:
    """The serious-disease sources of several rule sets (a year's county files and the
    national one) as one tuple — a bit of ``listed`` each, a source two sets share once — and
    each set's view of those bits by its id: its own sources at their bits, the others' a
    source no claim is on. A household's buckets are summed once with the shared bits and
    evaluated with its county's view (:func:`evaluate_buckets` ``srcs``)."""
    bits: dict[tuple[Any, ...], int] = {}
    shared: list[Source] = []
    owned: dict[str, set[int]] = {}
    for rules in sets:
        mine = owned.setdefault(rules.id, set())
        for src in sources(rules):
            key = _same(src)
            if key not in bits:
                bits[key] = len(shared)
                shared.append(src)
            mine.add(bits[key])
    views = {
        rid: tuple(src if i in mine else Source("", _NEVER) for i, src in enumerate(shared))
        for rid, mine in owned.items()
    }
    return tuple(shared), views


_listed_of: dict[
    int, tuple[tuple[Source, ...], dict[tuple[str | None, date, int | None], int]]
] = {}


def listed(
    found: tuple[Source, ...], diagnosis: str | None, day: date, age: int | None = None
) -> int:
    """The bits of the sources a claim's diagnosis is on, on its date, for a patient of
    ``age`` (in any region: the region is tested when the rules are evaluated, as the
    household's village may change); remembered per diagnosis, day and age."""
    if diagnosis is None:
        return 0
    seen = _listed_of.get(id(found))
    if seen is None or seen[0] is not found:
        seen = _listed_of[id(found)] = (found, {})
    bits = seen[1].get((diagnosis, day, age))
    if bits is None:
        if len(seen[1]) > 65_536:
            seen[1].clear()
        code = diagnosis.upper().replace(".", "")
        bits = sum(1 << i for i, s in enumerate(found) if s.on(code, day, age))
        seen[1][(diagnosis, day, age)] = bits
    return bits


@dataclass(slots=True)
class Bucket:
    """A person's claims of the year in one household with the same kind, institution level
    (``""``: not known), status mask and ``listed`` bits, summed (a row of
    ``early_warning_total``). ``claims`` 0: the pair's placeholder (the person was settled in
    the household: every pair of the ledger has one)."""

    person_id: int
    household_id: int
    kind: str
    level: str
    status_mask: int
    listed: int
    claims: int = 0
    total_fen: int = 0
    paid_fen: int = 0
    out_of_pocket_fen: int = 0
    self_pay_fen: int = 0
    first_date: date | None = None
    first_claim_id: int | None = None
    first_diagnosis: str | None = None
    last_date: date | None = None
    last_claim_id: int | None = None

    @property
    def key(self) -> tuple[int, int, str, str, int, int]:
        return (self.person_id, self.household_id, self.kind, self.level, self.status_mask,
                self.listed)  # fmt: skip

    def add(self, other: Bucket) -> None:
        """Add ``other`` (of the same key): as the upsert adds a row to a stored one."""
        self.claims += other.claims
        self.total_fen += other.total_fen
        self.paid_fen += other.paid_fen
        self.out_of_pocket_fen += other.out_of_pocket_fen
        self.self_pay_fen += other.self_pay_fen
        if other.first_date is not None and (
            self.first_date is None
            or (other.first_date, other.first_claim_id) < (self.first_date, self.first_claim_id)
        ):
            self.first_date, self.first_claim_id = other.first_date, other.first_claim_id
            self.first_diagnosis = other.first_diagnosis
        if other.last_date is not None and (
            self.last_date is None
            or (other.last_date, other.last_claim_id) > (self.last_date, self.last_claim_id)
        ):
            self.last_date, self.last_claim_id = other.last_date, other.last_claim_id


PLACEHOLDER = ("", "", 0, 0)  # kind, level, status mask, listed of a pair's placeholder


def buckets(ledger: Iterable[Sequence[Any]], found: tuple[Source, ...]) -> list[Bucket]:
    """A ledger's entries (:data:`~safetynet.early_warning.evaluate.LEDGER_SCHEMA` order)
    netted per claim (:func:`claims`) and summed per bucket, with a placeholder per (person,
    household) of the entries; in key order. Summing the buckets of two ledgers' entries
    gives the buckets of both (a claim in one only)."""
    rows = list(ledger)
    out: dict[tuple[Any, ...], Bucket] = {}
    for r in rows:
        b = Bucket(r[1], r[2], *PLACEHOLDER)
        out.setdefault(b.key, b)
    for c in claims(rows):
        b = Bucket(c.person_id, c.household_id, c.kind, c.level or "", c.status_mask,
                   listed(found, c.diagnosis, c.claim_date, c.age), 1, c.total, c.paid, c.oop,
                   c.self_pay, c.claim_date, c.claim_id, c.diagnosis, c.claim_date,
                   c.claim_id)  # fmt: skip
        seen = out.get(b.key)
        if seen is None:
            out[b.key] = b
        else:
            seen.add(b)
    return [out[k] for k in sorted(out)]


def summed(parts: Iterable[Bucket]) -> list[Bucket]:
    """Buckets of the same key added (in key order)."""
    out: dict[tuple[Any, ...], Bucket] = {}
    for b in parts:
        seen = out.get(b.key)
        if seen is None:
            out[b.key] = replace(b)
        else:
            seen.add(b)
    return [out[k] for k in sorted(out)]


def _by_person(found: Iterable[Bucket]) -> dict[tuple[int, int], list[Bucket]]:
    """Buckets by person over the year, across households (as
    :data:`~safetynet.early_warning.evaluate._HOME`): keyed by the person and the household of
    the person's latest claim (by date, then claim)."""
    mine: dict[int, list[Bucket]] = {}
    for b in found:
        if b.claims:
            mine.setdefault(b.person_id, []).append(b)
    out: dict[tuple[int, int], list[Bucket]] = {}
    for person, parts in mine.items():
        last = max(parts, key=lambda b: (b.last_date, b.last_claim_id))
        out[(person, last.household_id)] = parts
    return out


Check = Callable[[list[Bucket], Homes, tuple[Source, ...]], list[dict[str, Any]]]


def _self_pay(rule: PersonSelfPay) -> Check:
    levels = None if rule.levels is None else {lv.value for lv in rule.levels}

    def counted(b: Bucket) -> bool:  # as :func:`~safetynet.early_warning.rules.at_levels`
        return levels is None or b.level == "" or b.level in levels

    def check(found: list[Bucket], homes: Homes, _s: tuple[Source, ...]) -> list[dict[str, Any]]:
        out = []
        for (person, household), mine in _by_person(filter(counted, found)).items():
            self_pay = sum(b.self_pay_fen for b in mine)
            if self_pay >= rule.line:
                oop = sum(b.out_of_pocket_fen for b in mine)
                out.append(_row(rule, person, household, measure=self_pay, threshold=rule.line,
                                unit="fen", out_of_pocket_fen=oop))  # fmt: skip
        return out

    return check


def _household_share(rule: HouseholdShare) -> Check:
    def check(found: list[Bucket], homes: Homes, _s: tuple[Source, ...]) -> list[dict[str, Any]]:
        oop: dict[int, int] = {}
        for b in found:
            if b.claims:
                oop[b.household_id] = oop.get(b.household_id, 0) + b.out_of_pocket_fen
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

    def check(found: list[Bucket], homes: Homes, _s: tuple[Source, ...]) -> list[dict[str, Any]]:
        counted = (b for b in found if b.status_mask & mask != 0 and b.kind in kinds)
        out = []
        for (person, household), mine in _by_person(counted).items():
            oop = sum(b.out_of_pocket_fen for b in mine)
            total = sum(b.total_fen for b in mine)
            paid = sum(b.paid_fen for b in mine)
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


def _serious(rule: SeriousDisease) -> Check:
    def check(found: list[Bucket], homes: Homes, srcs: tuple[Source, ...]) -> list[dict[str, Any]]:
        # the rule's sources: (bit, region or None); a county's own list needs the household
        # to live in the county (a household not checked here: no village known, not on it)
        mine_bits = [(1 << i, s.region) for i, s in enumerate(srcs) if s.rule_id == rule.id]

        def on_list(b: Bucket) -> bool:
            if not b.claims or not b.listed:
                return False
            home = homes.get(b.household_id)
            region = home[3] if home is not None and len(home) > 3 else None  # type: ignore[misc]
            return any(b.listed & bit and (where is None or in_region(region, where))
                       for bit, where in mine_bits)  # fmt: skip

        out = []
        for (person, household), mine in _by_person(filter(on_list, found)).items():
            first = min(mine, key=lambda b: (b.first_date, b.first_claim_id))
            count = sum(b.claims for b in mine)
            out.append(_row(rule, person, household, measure=count, threshold=1,
                            unit="count", diagnosis=first.first_diagnosis))  # fmt: skip
        return out

    return check


def _admissions(rule: Admissions) -> Check:
    def check(found: list[Bucket], homes: Homes, _s: tuple[Source, ...]) -> list[dict[str, Any]]:
        stays = (b for b in found if b.kind == "inpatient")
        return [
            _row(rule, person, household, measure=n, threshold=rule.at_least, unit="count")
            for (person, household), mine in _by_person(stays).items()
            if (n := sum(b.claims for b in mine)) >= rule.at_least
        ]

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
    return evaluate_buckets(rules, buckets(ledger, sources(rules)), homes)


def evaluate_buckets(
    rules: RuleSet, found: list[Bucket], homes: Homes, srcs: tuple[Source, ...] | None = None
) -> list[dict[str, Any]]:
    """Every warning of a few households' year from their persons' buckets (summed from the
    ledger by :func:`buckets`, or read from ``early_warning_total``). ``srcs``: what the
    buckets' ``listed`` bits mean, as the rule set sees them (:func:`shared_sources`'s view;
    default the set's own :func:`sources`)."""
    srcs = sources(rules) if srcs is None else srcs
    rows = [row for check in _checks(rules) for row in check(found, homes, srcs)]
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
