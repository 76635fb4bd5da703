"""Which screening rules can hit a new claim, per person, in plain Python: the one prefilter
of the screening of a few claims with their persons' claims — at the window (:func:`may_hit`
of its rows) and over frames (:func:`~safetynet.supervision.screen.claims.screen_claims`
reads them as these rows).

At the window only the new claims' hits matter, and nearly every claim has none: running a
rule's Polars plan to find nothing is most of a screening's cost. Before any frame is built,
each rule's guard looks at the rows of a new claim and its person's claims (the look-back
history and the batch's other claims) and says whether the rule could hit that claim at
all. A guard is conservative — it may say "could" where the rule then finds nothing, never
"cannot" where the rule hits — and every rule compares a person's claims only with the same
person's (:mod:`~safetynet.supervision.screen`), so screening only the persons some guard
names, with only the rules whose guard named them, finds exactly what screening them all
finds (tested equal on random histories with hypothesis).

Rows are the window's tuples (:func:`~safetynet.supervision.load.frames_from_rows`):
claims (id, claim_no, kind, level, institution, start, end, diagnosis, total_fen, doctor,
person_id) and lines (claim_id, code, quantity, amount_fen, service_date), to which
:func:`may_hit` adds the catalog facts of each line's entry in force on its day (class,
price ceiling, sex, minimum and maximum age: :mod:`~safetynet.supervision.catalog`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from safetynet.supervision.catalog import Entries
from safetynet.supervision.frames import OUTPATIENT_KINDS, canonical_code
from safetynet.supervision.schema import Rule, RuleSet

Row = Sequence[Any]


@dataclass
class Person:
    """One person's claims and lines as the guards read them."""

    deceased: bool = False
    claims: list[Row] = field(default_factory=list)
    lines: dict[int, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def stays(self) -> list[Row]:
        return [c for c in self.claims if c[2] == "inpatient"]


def _quantity(line: Row) -> int:
    return line[2] if line[2] is not None else 1


def _starts(text: str | None, prefixes: Sequence[str]) -> bool:
    return bool(text) and bool(prefixes) and text.startswith(tuple(prefixes))  # type: ignore[union-attr]


def _duplicate_charge(rule: Any, claim: Row, p: Person) -> bool:
    params, lines = rule.params, p.lines[claim[0]]
    default = params.default_daily_limit
    units: dict[str, int] = defaultdict(int)
    for line in lines:
        if line[1] is not None:
            units[line[1]] += _quantity(line)
    for code, n in units.items():
        limit = params.daily_limits.get(code)
        if limit is None and default is not None:
            limit = int(default.value)
        if limit is not None and n > limit:  # a day's units are at most the claim's
            return True
    return any(pkg in units and any(c in units for c in inc)
               for pkg, inc in params.packages.items())  # fmt: skip


def _over_standard(rule: Any, claim: Row, p: Person) -> bool:
    params, lines = rule.params, p.lines[claim[0]]
    codes = {line[1] for line in lines}
    if params.catalog_price_ceiling and any(
        line[6] is not None and (line[3] or 0) > line[6] * _quantity(line) for line in lines
    ):
        return True
    inpatient = claim[2] == "inpatient"
    return bool((inpatient and codes & set(params.bed_day_codes))
                or codes & set(params.hourly_codes))  # fmt: skip


def _split_admission(rule: Any, claim: Row, p: Person) -> bool:
    return claim[2] == "inpatient" and claim[7] is not None and len(p.stays()) >= 2


def _overlapping_stay(rule: Any, claim: Row, p: Person) -> bool:
    """Either claim of a pair is flagged: a stay whose days meet another stay's (a day in
    common, at least) or hold a visit; a visit that falls inside a stay (strictly after its
    admission)."""
    day = claim[5]
    if claim[2] == "inpatient":
        end = claim[6] if claim[6] is not None else day
        return any(c[0] != claim[0] and c[5] <= end and day <= c[6] for c in p.stays()) or any(
            c[2] in OUTPATIENT_KINDS and day < c[5] < end for c in p.claims
        )
    return claim[2] in OUTPATIENT_KINDS and any(c[5] < day < c[6] for c in p.stays())


def _impersonation(rule: Any, claim: Row, p: Person) -> bool:
    params = rule.params
    restricted_dx = [*params.female_only_diagnoses, *params.male_only_diagnoses,
                     *params.newborn_only_diagnoses]  # fmt: skip
    if _starts(claim[7], restricted_dx) or (params.after_death and p.deceased):
        return True
    return bool(params.catalog_restrictions) and any(
        line[7] is not None or line[8] is not None or line[9] is not None
        for line in p.lines[claim[0]]
    )


def _low_threshold(rule: Any, claim: Row, p: Person) -> bool:
    params = rule.params
    stay: date | None = claim[6]
    short = stay is not None and (stay - claim[5]).days <= int(params.max_stay_days.value)
    return claim[2] == "inpatient" and short and _starts(claim[7], params.outpatient_treatable)


def _outpatient_abuse(rule: Any, claim: Row, p: Person) -> bool:
    params = rule.params
    if claim[2] not in OUTPATIENT_KINDS:
        return False
    often = params.often()
    mine = [line for line in p.lines[claim[0]]
            if line[1] is not None and line[1].startswith(params.drug_code_prefix)]  # fmt: skip
    if not mine:
        return False
    drugs = {line[1] for line in mine}
    day: date = claim[5]
    limit, run = int(params.max_purchases_per_month.value), int(params.consecutive_days.value)
    split = params.max_prescriptions_per_day
    days: dict[str, list[date]] = defaultdict(list)  # the person's purchase days of each drug
    claims_on: dict[tuple[str, date], set[int]] = defaultdict(set)  # claims of a drug a day
    for c in p.claims:
        if c[2] in OUTPATIENT_KINDS:
            for line in p.lines[c[0]]:
                if line[1] in drugs:
                    bought_on = line[4] if line[4] is not None else c[5]
                    days[line[1]].append(bought_on)
                    claims_on[(line[1], bought_on)].add(c[0])
    if split is not None and any(
        len(claims_on[(line[1], line[4] if line[4] is not None else day)]) > int(split.value)
        for line in mine
    ):
        return True
    # the days the claim's drug lines were bought on (a line without one: the claim's day)
    own = {line[4] if line[4] is not None else day for line in mine}
    for bought in days.values():
        if len(bought) < often:
            continue
        # more purchases in the month of one of the claim's purchases than the limit, or a
        # purchase on each of the days before one of them that a run of the limit's length needs
        held = set(bought)
        for on in own:
            month = sum((d.year, d.month) == (on.year, on.month) for d in bought)
            if month > limit or all(on - timedelta(days=k) in held for k in range(1, run)):
                return True
    return False


def _test_days(rule: Any, claim: Row, p: Person) -> dict[str, list[date]]:
    """The days of the claim's test lines by code (a line without a day: its claim's start)."""
    tests = set(rule.params.test_codes)
    days: dict[str, list[date]] = defaultdict(list)
    for line in p.lines[claim[0]]:
        if line[1] in tests:
            days[line[1]].append(line[4] if line[4] is not None else claim[5])
    return days


def _repeat_test(rule: Any, claim: Row, p: Person) -> bool:
    """A test of the claim that another claim of the person at another institution has on
    the same day or at most ``window_days`` before (the rule flags the later test)."""
    mine = _test_days(rule, claim, p)
    if not mine:
        return False
    window = int(rule.params.window_days.value)
    for c in p.claims:
        if c[0] == claim[0] or c[4] == claim[4]:
            continue
        for code, days in _test_days(rule, c, p).items():
            if any(0 <= (n - d).days <= window for n in mine.get(code, ()) for d in days):
                return True
    return False


def _ghost_bed(rule: Any, claim: Row, p: Person) -> bool:
    """A stay with a substantive line dated later than the days allowed (its first one can
    be no later; an undated line counts as given on the admission day)."""
    params = rule.params
    most, routine = int(params.max_untreated_days.value), set(params.routine_codes)
    return (
        claim[2] == "inpatient"
        and claim[6] is not None
        and any(
            line[4] is not None and line[1] not in routine and (line[4] - claim[5]).days > most
            for line in p.lines[claim[0]]
        )
    )


def _shared_phone(rule: Any, claim: Row, p: Person) -> bool:
    """Never at the window: its rows carry no phone numbers, and the rule compares many
    persons' claims of a period (a county's year), not one person's history."""
    return False


def _out_of_catalog(rule: Any, claim: Row, p: Person) -> bool:
    return any(line[5] == "C" for line in p.lines[claim[0]])


def _concurrent_bed(rule: Any, claim: Row, p: Person) -> bool:
    codes = {line[1] for line in p.lines[claim[0]]}
    return bool(codes & set(rule.params.ward_codes) and codes & set(rule.params.special_codes))


GUARDS: dict[str, Callable[[Any, Row, Person], bool]] = {
    "duplicate_charge": _duplicate_charge,
    "over_standard_charge": _over_standard,
    "split_admission": _split_admission,
    "overlapping_stay": _overlapping_stay,
    "impersonation": _impersonation,
    "low_threshold_admission": _low_threshold,
    "outpatient_abuse": _outpatient_abuse,
    "out_of_catalog_share": _out_of_catalog,
    "repeat_test": _repeat_test,
    "ghost_bed": _ghost_bed,
    "shared_phone": _shared_phone,
    "concurrent_bed_charge": _concurrent_bed,
}


def may_hit(
    rules: RuleSet,
    claims: Sequence[Row],
    lines: Sequence[Row],
    deceased: dict[int, bool],
    new: Sequence[str],
    catalog: Entries | None = None,
    regions: dict[int, str | None] | None = None,
) -> tuple[set[int], list[Rule]]:
    """The persons whose new claims (numbers ``new``) some active rule could hit, and those
    rules (:func:`rules_that_may_hit` of the window's rows); ``catalog``: the county's entries
    (None: the shipped catalog's), whose facts each line gets for its day."""
    catalog = Entries() if catalog is None else catalog
    start = {c[0]: c[5] for c in claims}
    faceted = [
        (*line[:5], *catalog.facts(line[1], line[4] if line[4] is not None else start[line[0]]))
        for line in lines
        if line[0] in start
    ]
    return rules_that_may_hit(rules, claims, faceted, deceased, new, regions)


def rules_that_may_hit(
    rules: RuleSet,
    claims: Sequence[Row],
    lines: Sequence[Row],
    deceased: dict[Any, bool],
    new: Sequence[str],
    regions: dict[Any, str | None] | None = None,
) -> tuple[set[Any], list[Rule]]:
    """The persons whose new claims (numbers ``new``) some active rule could hit, and those
    rules (a rule kind without a guard always could): the one prefilter of the screening of a
    few claims with their persons' claims, at the window (:func:`may_hit`) and over frames
    (:func:`~safetynet.supervision.screen.claims.screen_claims`). ``lines`` carry their
    catalog facts. Each person's claims are looked at with the rules of the file of the chain
    that screens them (:meth:`RuleSet.layer_of` of the person's region in ``regions``; not
    given: the rule set's own file)."""
    # the diagnosis as the rules compare it (screen does the same to its frames)
    claims = [(*c[:7], canonical_code(c[7]), *c[8:]) for c in claims]
    persons: dict[Any, Person] = {}
    person_of: dict[Any, Any] = {}
    for c in claims:
        p = persons.setdefault(c[10], Person(deceased=bool(deceased.get(c[10]))))
        p.claims.append(c)
        person_of[c[0]] = c[10]
    for line in lines:
        pid = person_of.get(line[0])
        if pid is not None:
            persons[pid].lines[line[0]].append(tuple(line))
    wanted = set(new)
    fresh = [c for c in claims if c[1] in wanted]
    named: set[Any] = set()
    chosen: list[Rule] = []
    regions = regions or {}
    at = {pid: rules.layer_of(regions.get(pid)) for pid in {c[10] for c in fresh}}
    for i in sorted({i for i in at.values() if i is not None}):
        mine = [c for c in fresh if at[c[10]] == i]
        layer = rules.layer(i)
        for rule in layer.active() if layer is not None else ():
            guard = GUARDS.get(rule.kind)
            hit = {c[10] for c in mine if guard is None or guard(rule, c, persons[c[10]])}
            if hit:
                named |= hit
                chosen.append(rule)
    return named, chosen
