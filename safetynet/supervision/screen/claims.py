"""Screening a few claims with their persons' claims (a single claim's look at its history):
cheap guards over the frames skip the rules that cannot hit the claims, then
:func:`~safetynet.supervision.screen.run.screen` runs the others."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from safetynet.supervision.frames import ScreenInput, canonical_code
from safetynet.supervision.schema import (
    Rule,
    RuleSet,
)
from safetynet.supervision.screen.exprs import (
    OUTPATIENT_KINDS,
)
from safetynet.supervision.screen.run import layers_of, screen


@dataclass(frozen=True)
class _Held:
    """What the guards read of one person's claims (computed once for every rule)."""

    claims: int
    stays: int
    visits: int  # outpatient claims
    codes: frozenset[str]
    classes: frozenset[str]
    persons: bool

    @classmethod
    def of(cls, data: ScreenInput) -> _Held:
        kinds = data.claims["kind"].to_list()
        return cls(
            len(kinds),
            kinds.count("inpatient"),
            sum(k in OUTPATIENT_KINDS for k in kinds),
            frozenset(c for c in data.lines["code"].to_list() if c is not None),
            frozenset(data.lines["item_class"].to_list()),
            data.persons is not None,
        )


def _may_hit(rule: Rule, held: _Held) -> bool:
    """Cheap guards for one person's claims: rules that cannot fire on them are skipped."""
    stays = held.stays
    codes = held.codes
    if rule.kind in ("split_admission", "low_threshold_admission"):
        return stays >= (2 if rule.kind == "split_admission" else 1)
    if rule.kind == "overlapping_stay":
        return stays >= 1 and held.claims >= 2
    if rule.kind == "outpatient_abuse":
        p = rule.params  # type: ignore[union-attr]
        return held.visits >= p.often() and any(c.startswith(p.drug_code_prefix) for c in codes)
    if rule.kind == "repeat_test":
        return held.claims >= 2 and bool(codes & set(rule.params.test_codes))  # type: ignore[union-attr]
    if rule.kind == "ghost_bed":
        return stays >= 1
    if rule.kind == "shared_phone":
        return held.persons
    if rule.kind == "out_of_catalog_share":
        return "C" in held.classes
    if rule.kind == "impersonation":
        return held.persons
    if rule.kind == "duplicate_charge":
        p = rule.params  # type: ignore[union-attr]
        limited = set(p.daily_limits) | set(p.packages)
        return p.default_daily_limit is not None or bool(codes & limited)
    return True


@dataclass(frozen=True)
class _New:
    """What the guards read of the claims being screened (a few claims of one batch)."""

    kinds: set[str]
    stay_days: list[int]  # of the new stays
    diagnoses: list[str]
    codes: set[str]
    classes: set[str]
    lines: list[tuple[str, int, int, int | None]]  # code, amount, quantity, price ceiling
    restricted: bool  # a line's entry restricts it by sex or age
    deceased: bool  # one of their persons has died
    # outpatient purchases: the new claims' (person, code) and the lines of each such pair
    # in every outpatient claim of the history (new ones included)
    bought: dict[tuple[int, str], int]

    @classmethod
    def of(cls, history: ScreenInput, claim_nos: list[str]) -> _New:
        claims = history.claims.filter(pl.col("claim_no").is_in(claim_nos))
        lines = history.lines.filter(pl.col("claim_no").is_in(claim_nos))
        stays = claims.filter(pl.col("kind") == "inpatient")
        persons = history.persons
        deceased = persons is not None and bool(
            persons.filter(pl.col("person_id").is_in(claims["person_id"].implode()))["deceased_on"]
            .is_not_null()
            .any()
        )
        return cls(
            set(claims["kind"].to_list()),
            [d if d is not None else 0 for d in
             (stays["discharged"] - stays["admitted"]).dt.total_days().to_list()],
            [c for d in claims["diagnosis"].to_list() if (c := canonical_code(d))],
            set(lines["code"].drop_nulls().to_list()),
            set(lines["item_class"].drop_nulls().to_list()),
            [(c, a or 0, q or 1, ceiling) for c, a, q, ceiling in
             lines.select("code", "amount_fen", "quantity", "price_ceiling_fen").iter_rows()],
            any(x is not None for c in ("sex_restriction", "min_age", "max_age")
                for x in lines[c].to_list()),
            deceased,
            _bought(history, claim_nos),
        )  # fmt: skip


def _bought(history: ScreenInput, claim_nos: list[str]) -> dict[tuple[int, str], int]:
    """Lines of each (person, code) the new outpatient claims hold, over the history's
    outpatient claims (what :func:`outpatient_abuse` counts before anything else)."""
    claims = history.claims
    outpatient = {
        no: person
        for no, person, kind in zip(claims["claim_no"].to_list(), claims["person_id"].to_list(),
                                    claims["kind"].to_list(), strict=True)
        if kind in OUTPATIENT_KINDS
    }  # fmt: skip
    pairs = [
        (no, outpatient[no], code)
        for no, code in zip(history.lines["claim_no"].to_list(), history.lines["code"].to_list(),
                            strict=True)
        if no in outpatient and code is not None
    ]  # fmt: skip
    new = set(claim_nos)
    counts = {(person, code): 0 for no, person, code in pairs if no in new}
    for _, person, code in pairs:
        if (person, code) in counts:
            counts[(person, code)] += 1
    return counts


def _starts(values: list[str], prefixes: Iterable[str]) -> bool:
    ps = tuple(prefixes)
    return any(v.startswith(ps) for v in values)


def _may_hit_new(rule: Rule, new: _New) -> bool:
    """Whether ``rule`` can hit one of the new claims at all, from what they hold (a rule
    that cannot is not run: at the window only the new claims' hits matter)."""
    p: Any = getattr(rule, "params", None)
    inpatient = "inpatient" in new.kinds
    if rule.kind == "duplicate_charge":
        limited = set(p.daily_limits) | set(p.packages)
        limited |= {c for included in p.packages.values() for c in included}
        return p.default_daily_limit is not None or bool(new.codes & limited)
    if rule.kind == "over_standard_charge":
        over = p.catalog_price_ceiling and any(
            ceiling is not None and a > ceiling * q for _, a, q, ceiling in new.lines
        )
        return bool(over or (new.codes & set(p.bed_day_codes) and inpatient)
                    or new.codes & set(p.hourly_codes))  # fmt: skip
    if rule.kind == "out_of_catalog_share":
        return "C" in new.classes
    if rule.kind == "impersonation":
        dx = [*p.female_only_diagnoses, *p.male_only_diagnoses, *p.newborn_only_diagnoses]
        return (
            _starts(new.diagnoses, dx)
            or (p.after_death and new.deceased)
            or (p.catalog_restrictions and new.restricted)
        )
    if rule.kind == "low_threshold_admission":
        short = any(d <= int(p.max_stay_days.value) for d in new.stay_days)
        return short and _starts(new.diagnoses, p.outpatient_treatable)
    if rule.kind == "repeat_test":
        return bool(new.codes & set(p.test_codes))
    if rule.kind == "shared_phone":
        return False  # compares many persons' claims of a period: a year's rule
    if rule.kind == "ghost_bed":
        return any(d > int(p.max_untreated_days.value) for d in new.stay_days)
    if rule.kind == "outpatient_abuse":
        # a drug bought less often than every limit needs cannot break one
        often = p.often()
        return any(
            n >= often and code.startswith(p.drug_code_prefix)
            for (_, code), n in new.bought.items()
        )
    if rule.kind == "split_admission":
        return inpatient
    return True  # overlapping stays: any claim may overlap a stay


def screen_claims(rules: RuleSet, history: ScreenInput, claim_nos: Iterable[str]) -> pl.DataFrame:
    """The hits of the claims ``claim_nos``, screened with their persons' claims (``history``
    holds them and the persons' other claims of the period, their lines and the persons).
    Rules that cannot fire on so few claims, or on none of ``claim_nos``, are skipped."""
    nos = list(claim_nos)
    new, held = _New.of(history, nos), _Held.of(history)
    only = [
        r.id
        for layer, _ in layers_of(rules, history)  # the rules its persons' claims take
        for r in layer.active()
        if _may_hit(r, held) and _may_hit_new(r, new)
    ]
    found = screen(rules, history, only, check=False)
    return found.filter(pl.col("claim_no").is_in(nos))


def screen_claim(rules: RuleSet, history: ScreenInput, claim_no: str) -> pl.DataFrame:
    """The hits of one claim (:func:`screen_claims` of one)."""
    return screen_claims(rules, history, [claim_no])
