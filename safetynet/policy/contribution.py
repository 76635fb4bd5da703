"""Contribution policy as data: a person's annual contribution and who pays it, by category.

A residents' basic medical insurance year is funded per enrolled person by an *individual
contribution* (the standard, e.g. 180 yuan in 2017) and a *fiscal subsidy* (e.g. 450 yuan),
the latter split between central, provincial, city, county and township budgets. People in
difficulty pay less or nothing of the individual contribution: the rest is paid for them by a
budget or by medical assistance (civil affairs). A file in ``safetynet/policy/contributions/``
states, for one region and scheme year::

    individual_standard: "180"                  # yuan strings; held as fen
    subsidy: {central: "270", province: "90", county: "90"}   # for everybody
    categories:                                 # by poverty status; ``ordinary`` is required
      ordinary: {individual: "180"}
      registered_poor: {individual: "0", paid_for: {county: "180"}}
    priority: [registered_poor, ordinary]       # who counts as what when statuses overlap

A category's ``individual`` plus its ``paid_for`` must equal the standard. Every value has a
source as in the settlement policies (``{value: ..., source: <id>, note: ...}`` or the
category's / file's default; :class:`safetynet.policy.schema.Source`), and loading errors name
the file and line (the settlement policy loader's line-tracking YAML).
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, model_validator

from safetynet.codes import PovertyStatus
from safetynet.policy.loader import (
    PolicyError,
    Problem,
    locate,
    read_tree,
    unwrap_sources,
    validation_problems,
)
from safetynet.policy.schema import Fen, Source, Strict

SHIPPED_DIR = Path(__file__).resolve().with_name("contributions")


class Payer(StrEnum):
    INDIVIDUAL = "individual"
    CENTRAL = "central"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    MEDICAL_ASSISTANCE = "medical_assistance"  # civil affairs / the medical assistance fund


FUNDERS = [p for p in Payer if p is not Payer.INDIVIDUAL]
# The Enrollment column holding each payer's share.
COLUMN = {
    Payer.INDIVIDUAL: "individual_fen",
    Payer.CENTRAL: "subsidy_central_fen",
    Payer.PROVINCE: "subsidy_province_fen",
    Payer.CITY: "subsidy_city_fen",
    Payer.COUNTY: "subsidy_county_fen",
    Payer.TOWNSHIP: "subsidy_township_fen",
    Payer.MEDICAL_ASSISTANCE: "medical_assistance_fen",
}


class Funders(Strict):
    """Amounts (yuan in the file, fen here) by paying budget; absent = 0."""

    central: Fen = 0
    province: Fen = 0
    city: Fen = 0
    county: Fen = 0
    township: Fen = 0
    medical_assistance: Fen = 0

    def by_payer(self) -> dict[Payer, int]:
        return {p: getattr(self, p.value) for p in FUNDERS}


class Category(Strict):
    """What a person of this category pays, and who pays the rest of the individual standard."""

    individual: Fen
    paid_for: Funders = Field(default_factory=Funders)
    source: str | None = None
    note: str | None = None


class ContributionPolicy(Strict):
    id: str
    title_en: str
    title_zh: str
    region: str  # administrative code prefix
    year: int = Field(ge=2000, le=2100)
    source: str  # the default source of every value
    sources: dict[str, Source]
    individual_standard: Fen
    subsidy: Funders  # the fiscal subsidy per enrolled person, whatever the category
    categories: dict[PovertyStatus, Category]
    priority: list[PovertyStatus]
    value_sources: dict[str, str] = Field(default_factory=dict)  # path -> source id (loader)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> ContributionPolicy:
        if not (info.context or {}).get("defer_checks"):
            found = self.inconsistencies()
            if found:
                raise ValueError("; ".join(f"{'.'.join(loc)}: {msg}" for loc, msg in found))
        return self

    def inconsistencies(self) -> list[tuple[tuple[str, ...], str]]:
        """(location in the file, what is wrong) for every rule the values break."""
        out: list[tuple[tuple[str, ...], str]] = []
        if PovertyStatus.ORDINARY not in self.categories:
            out.append((("categories",), "the category `ordinary` is required"))
        for status, cat in self.categories.items():
            paid = sum(cat.paid_for.by_payer().values())
            if cat.individual + paid != self.individual_standard:
                out.append(
                    (
                        ("categories", status.value),
                        f"individual {cat.individual / 100:.2f} + paid for {paid / 100:.2f} "
                        f"must equal the individual standard {self.individual_standard / 100:.2f}",
                    )
                )
        listed = [s.value for s in self.priority]
        if sorted(listed) != sorted(s.value for s in self.categories):
            out.append(
                (
                    ("priority",),
                    f"must name every category exactly once (categories: "
                    f"{', '.join(s.value for s in self.categories)})",
                )
            )
        refs = {self.source, *self.value_sources.values()}
        refs |= {c.source for c in self.categories.values() if c.source}
        missing = sorted(refs - set(self.sources))
        if missing:
            out.append((("sources",), f"unknown source id(s): {', '.join(missing)}"))
        return out

    @property
    def subsidy_fen(self) -> int:
        """The fiscal subsidy per enrolled person."""
        return sum(self.subsidy.by_payer().values())

    @property
    def per_person_fen(self) -> int:
        """The annual funding per enrolled person (individual standard + fiscal subsidy)."""
        return self.individual_standard + self.subsidy_fen

    def category_for(self, statuses: Collection[PovertyStatus]) -> PovertyStatus:
        """The category of a person holding ``statuses``: the first of them in the priority."""
        for status in self.priority:
            if status in statuses:
                return status
        return PovertyStatus.ORDINARY

    def split(self, category: PovertyStatus) -> dict[Payer, int]:
        """Fen paid by each payer for one person of ``category`` (unlisted = ordinary)."""
        cat = self.categories.get(category) or self.categories[PovertyStatus.ORDINARY]
        general = self.subsidy.by_payer()
        extra = cat.paid_for.by_payer()
        return {Payer.INDIVIDUAL: cat.individual} | {p: general[p] + extra[p] for p in FUNDERS}

    def source_of(self, path: str) -> Source:
        """The source of a value, by its dotted path (``categories.low_income.individual``)."""
        if path in self.value_sources:
            return self.sources[self.value_sources[path]]
        parts = path.split(".")
        if len(parts) >= 2 and parts[0] == "categories":
            cat = self.categories.get(PovertyStatus(parts[1]))
            if cat is not None and cat.source:
                return self.sources[cat.source]
        return self.sources[self.source]


def _resolve(path: str | Path) -> Path:
    path = Path(path)
    if path.is_file():
        return path
    for candidate in (SHIPPED_DIR / str(path), SHIPPED_DIR / f"{path}.yaml"):
        if candidate.is_file():
            return candidate
    raise PolicyError([Problem(str(path), None, "", "no such contribution policy file")])


def load_contribution_policy(path: str | Path) -> ContributionPolicy:
    """Load and validate a contribution policy (a path or a shipped name, e.g. ``anhui-2017``).

    Raises :class:`safetynet.policy.loader.PolicyError` naming file, line and what is wrong.
    """
    path = _resolve(path)
    tree = read_tree(path)
    value_sources = unwrap_sources(tree)
    data: dict[str, Any] = {**tree, "value_sources": value_sources}
    try:
        policy = ContributionPolicy.model_validate(data, context={"defer_checks": True})
    except ValidationError as exc:
        raise PolicyError(validation_problems(exc, tree, str(path))) from None
    found = policy.inconsistencies()
    if found:
        raise PolicyError(
            [Problem(*locate(tree, loc, str(path)), message) for loc, message in found]
        )
    return policy


def shipped_contribution_policies() -> dict[str, Path]:
    """The contribution policies shipped with SafetyNet, by file stem."""
    return {p.stem: p for p in sorted(SHIPPED_DIR.glob("*.yaml"))}
