"""The warning rules as policy data: a dated, sourced YAML file per region, read strictly.

A rule file (``files/*.yaml``) names its validity, its region (``null`` = any) and its sources,
then lists rules; each has an ``id``, a ``kind`` (what it measures), a ``level`` (watch / alert /
severe) and a ``source``; rules naming the same ``ladder`` are tiers of one warning (one kind,
one level each: a household gets the most severe it reaches). Errors are reported as
``file:line: path: what is wrong`` through the policy loader's
:func:`~safetynet.policy.loader.parse_tree` and :func:`~safetynet.policy.loader.locate`.
Amounts are yuan in the file and fen once read.

The national file (``region: null``) and each county's own file (``region``: the county's
code, short or padded) lie side by side in ``files/``; which one is in force for a household
is one rule, :func:`rules_for` of its village on the day (the county's own file, else the
national one), asked by every path: the check after a settlement, the running totals, the
year's batch, the workflow (docs/early-warning.md, "A county's own early-warning file").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import polars as pl
from pydantic import Field, ValidationError, model_validator

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
from safetynet.policy.loader import PolicyError, Problem, locate, parse_tree, read_policy_text
from safetynet.policy.rule_files import listed, own_folder, rule_files
from safetynet.policy.schema import Fen, Ratio, Source, Strict
from safetynet.regions import in_region, significant

FILES = Path(__file__).parent / "files"
CAPABILITY = "early_warning"  # the subfolder of SAFETYNET_RULES_DIR


class Level(StrEnum):
    WATCH = "watch"
    ALERT = "alert"
    SEVERE = "severe"


LEVEL_RANK = {Level.WATCH: 1, Level.ALERT: 2, Level.SEVERE: 3}


class Compare(StrEnum):
    AT_LEAST = "at_least"
    ABOVE = "above"


class _Rule(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    level: Level
    source: str
    # rules naming the same ladder are tiers of one warning (the same kind, one level each): a
    # household or person gets only the most severe tier it reaches in the year, once
    ladder: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")

    @property
    def tier_of(self) -> str:
        """The ladder the rule is a tier of (a rule of no ladder is its own)."""
        return self.ladder or self.id


class PersonSelfPay(_Rule):
    """A person's compliant self-pay in the year at least ``line``, of the claims at
    institutions of ``levels`` (None: every level; a claim of no known level counts)."""

    kind: Literal["person_self_pay"]
    line: Fen
    levels: list[InstitutionLevel] | None = Field(default=None, min_length=1)


class HouseholdShare(_Rule):
    """A household's out-of-pocket in the year against ``share`` of its annual income."""

    kind: Literal["household_share"]
    share: Ratio
    compare: Compare = Compare.AT_LEAST


class Breach(StrEnum):
    """When the poor's promise is broken: either line crossed (``any``: the patient is owed
    both, at most the out-of-pocket line and at least the share), or both (``all``: the
    target is met by either, as seed 000 states it)."""

    ANY = "any"
    ALL = "all"


class PoorPromise(_Rule):
    """A person of ``statuses`` whose year (claims of ``kinds`` settled while holding one)
    leaves more than ``out_of_pocket_line`` to pay or (``breach: all``: and) less than
    ``reimbursed_at_least`` reimbursed."""

    kind: Literal["poor_promise"]
    statuses: list[PovertyStatus] = Field(min_length=1)
    kinds: list[ClaimKind] = Field(min_length=1)
    out_of_pocket_line: Fen
    reimbursed_at_least: Ratio
    breach: Breach = Breach.ANY


class SeriousDisease(_Rule):
    """A claim in the year diagnosed with a disease of a catalog list (``disease_list``) or of
    a three-batches batch's lists in force on the claim's date (``batch``:
    :mod:`safetynet.early_warning.serious`); exactly one of the two."""

    kind: Literal["serious_disease"]
    disease_list: str | None = None
    batch: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SeriousDisease:
        if (self.disease_list is None) == (self.batch is None):
            raise ValueError("give either disease_list or batch")
        return self


class Admissions(_Rule):
    """At least ``at_least`` inpatient admissions in the year (reversed ones not counted)."""

    kind: Literal["admissions"]
    at_least: int = Field(ge=1)


Rule = Annotated[
    PersonSelfPay | HouseholdShare | PoorPromise | SeriousDisease | Admissions,
    Field(discriminator="kind"),
]


class ReAssistance(Strict):
    """Re-assistance: ``ratio`` of a person's compliant self-pay above ``line``, from a budget;
    the self-pay of the claims at institutions of ``levels`` (None: every level)."""

    source: str
    line: Fen
    ratio: Ratio
    budget: Fen
    levels: list[InstitutionLevel] | None = Field(default=None, min_length=1)


class Workflow(Strict):
    """Deadlines of the monitoring workflow."""

    source: str
    verify_within_days: int = Field(ge=1)  # township home visit after detection
    follow_up_every_days: int = Field(ge=1)  # monthly follow-up
    close_after_months: int = Field(ge=1)  # below every line this long -> closed


class RuleSet(Strict):
    id: str
    title_en: str
    title_zh: str
    region: str | None = None
    valid_from: dt.date
    valid_to: dt.date | None = None
    sources: dict[str, Source]
    rules: list[Rule] = Field(min_length=1)
    re_assistance: ReAssistance | None = None
    workflow: Workflow

    @model_validator(mode="after")
    def _references(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError(f"rule ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        named = [r.source for r in self.rules]
        if self.re_assistance:
            named.append(self.re_assistance.source)
        named.append(self.workflow.source)
        unknown = sorted(set(named) - set(self.sources))
        if unknown:
            raise ValueError(f"sources not listed under sources: {unknown}")
        ladders: dict[str, list[_Rule]] = {}
        for rule in self.rules:
            ladders.setdefault(rule.tier_of, []).append(rule)
        for name, tiers in ladders.items():
            if len({r.kind for r in tiers}) > 1:  # type: ignore[attr-defined]
                raise ValueError(f"ladder {name}: its tiers are of different kinds")
            if len({r.level for r in tiers}) < len(tiers):
                raise ValueError(f"ladder {name}: two tiers of the same level")
        return self

    def ladders(self) -> dict[str, str]:
        """Each rule's ladder, by rule id (a rule of no ladder is its own)."""
        return {r.id: r.tier_of for r in self.rules}

    def applies(self, region_code: str, on: dt.date) -> bool:
        """Whether the set is in force for a region (or a region under it: either spelled
        short or padded, by its significant prefix) on a date."""
        region_ok = self.region is None or in_region(region_code, self.region)
        return region_ok and self.in_force(on)

    def in_force(self, on: dt.date) -> bool:
        """Whether the set's period holds the date (whatever its region)."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def load_rules(path: str | Path) -> RuleSet:
    """A rule file, strictly: every problem reported with its file and line."""
    path = Path(path)
    name = path.name
    tree = parse_tree(read_policy_text(path), name)
    try:
        return RuleSet.model_validate(tree)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            file, line, where = locate(tree, err["loc"], name)
            problems.append(Problem(file, line, where, err["msg"]))
        raise PolicyError(problems) from exc


def shipped_rules() -> dict[str, Path]:
    """The rule files in force for this deployment, by stem: those shipped with SafetyNet in
    :data:`FILES` (the national (default) file and each county's own file, its ``region`` the
    county's code) and the deployment's own in ``<SAFETYNET_RULES_DIR>/early_warning/`` (one
    with a shipped stem replaces it; :mod:`safetynet.policy.rule_files`)."""
    return rule_files(FILES, CAPABILITY)


@lru_cache(maxsize=8)
def _loaded(folder: str, own: str | None = None) -> tuple[RuleSet, ...]:
    """The rule files of a folder and of the deployment's folder, read once per process
    (per pair of folders)."""
    files = listed(folder, own)
    return tuple(load_rules(p) for p in files.values())


def rule_sets() -> tuple[RuleSet, ...]:
    """Every rule set shipped or of the deployment's folder (read once per process)."""
    return _loaded(str(FILES), own_folder(CAPABILITY))


@lru_cache(maxsize=4096)
def _rules_for(folder: str, own: str | None, region_code: str, on: dt.date) -> RuleSet:
    found = [s for s in _loaded(folder, own) if s.applies(region_code, on)]
    if not found:
        raise LookupError(f"no early-warning rules for region {region_code} on {on}")
    return max(found, key=lambda s: (len(significant(s.region or "")), s.valid_from))


def rules_for(region_code: str, on: dt.date) -> RuleSet:
    """The rule set in force for a region on a date: the file whose ``region`` holds the
    region (a county's own file) and whose period holds the day, the most specific region
    first, else the national (``region: null``) one; the deployment's files
    (``SAFETYNET_RULES_DIR``) are candidates beside the shipped ones. Ask it with the
    household's (or the person's) village: ``""`` finds only the national file. Remembered
    per (folders, region, date), so a batch resolves each county once and gets the same
    object back."""
    return _rules_for(str(FILES), own_folder(CAPABILITY), region_code or "", on)


def rules_by_region(region_codes: Iterable[str | None], on: dt.date) -> dict[str, RuleSet | None]:
    """:func:`rules_for` of each distinct region code (``None`` read as ``""``): None for a
    region no file covers on the day. One look-up per distinct code, not per row."""
    out: dict[str, RuleSet | None] = {}
    for code in {c or "" for c in region_codes}:
        try:
            out[code] = rules_for(code, on)
        except LookupError:
            out[code] = None
    return out


def in_force_on(on: dt.date) -> tuple[RuleSet, ...]:
    """Every rule set whose period holds the day, of any region (by id): the sets a year's
    households may be evaluated with."""
    return tuple(sorted((s for s in rule_sets() if s.in_force(on)), key=lambda s: s.id))


def at_levels(levels: list[InstitutionLevel] | None) -> pl.Expr:
    """Claims at institutions of ``levels`` (column ``level``; None: every claim; a claim of
    no known level counts)."""
    if levels is None:
        return pl.lit(True)
    return pl.col("level").is_in([lv.value for lv in levels]).fill_null(True)
