"""The policy-file schema (pydantic): layers, their rules, eligibility and parameters.

A policy file is YAML. Amounts are written in yuan and held as integer fen; ratios are
written as ``"60%"`` or ``0.6`` and held as basis points. Any value may be written as
``{value: ..., source: <id>, confidence: doc|compiled|recalled, note: ...}`` to give it a
source of its own; otherwise it inherits the source of its rule, layer or policy.

Two mechanisms cover every layer the source documents describe:

* ``ratio`` layers (basic insurance, critical illness insurance, medical assistance,
  supplementary insurance, re-assistance) pay ``Σ tier ratio × (part of the running annual
  base in that tier)`` after a per-claim deductible, plus bonuses, clipped by a per-claim
  cap, an annual cap (person or household) and what is left;
* ``ceiling`` layers (government backstop) pay whatever makes the year's out-of-pocket
  exceed an allowed amount: a ceiling by institution level (the highest level used in the
  year, "351"), a share of the year's cost (Ningxia's 90 %), or the lower / higher of both.
"""

from __future__ import annotations

import datetime as dt
import itertools
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
from safetynet.money import MoneyError, to_bp, to_fen


def _fen(v: Any) -> int:
    if isinstance(v, bool) or v is None:
        raise ValueError("an amount in yuan is required")
    try:
        fen = to_fen(v)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc
    if fen < 0:
        raise ValueError("an amount may not be negative")
    return fen


def _bp(v: Any) -> int:
    if isinstance(v, bool) or v is None:
        raise ValueError("a ratio is required, e.g. 60% or 0.6")
    try:
        bp = to_bp(v)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc
    if not 0 <= bp <= 10_000:
        raise ValueError("a ratio must lie between 0% and 100%")
    return bp


def _points(v: Any) -> int:
    """Bonus points may be negative (a malus), e.g. ``-10%`` out of county without referral."""
    try:
        bp = to_bp(v)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc
    if not -10_000 <= bp <= 10_000:
        raise ValueError("bonus points must lie between -100% and 100%")
    return bp


def _located(info: ValidationInfo) -> bool:
    """Whether the policy loader validates (it checks references itself, with lines)."""
    return bool(info.context and info.context.get("located"))


Fen = Annotated[int, BeforeValidator(_fen)]
Ratio = Annotated[int, BeforeValidator(_bp)]
Points = Annotated[int, BeforeValidator(_points)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Confidence(StrEnum):
    DOC = "doc"  # read in the source document or its official summary
    COMPILED = "compiled"  # read in a third-party compilation citing the document
    RECALLED = "recalled"  # widely reported, not checked against the original


class Source(Strict):
    document: str
    article: str | None = None
    date: dt.date | None = None
    confidence: Confidence
    note: str | None = None


class LayerType(StrEnum):
    BASIC = "basic_insurance"
    CRITICAL = "critical_illness"
    ASSISTANCE = "medical_assistance"
    BACKSTOP = "government_backstop"
    SUPPLEMENTARY = "supplementary"
    RE_ASSISTANCE = "re_assistance"


class Base(StrEnum):
    """What a layer's ratio applies to."""

    COMPLIANT_REMAINING = "compliant_remaining"  # policy-range cost not yet paid by layers
    TOTAL_REMAINING = "total_remaining"  # everything the patient would still owe


class Scope(StrEnum):
    PERSON = "person"
    HOUSEHOLD = "household"


LevelMap = dict[InstitutionLevel, Any]


class When(Strict):
    """Eligibility of a claim for a rule; every given condition must hold (empty = any)."""

    statuses: list[PovertyStatus] = Field(default_factory=list)  # any of, on the claim date
    kinds: list[ClaimKind] = Field(default_factory=list)
    levels: list[InstitutionLevel] = Field(default_factory=list)
    diseases: list[str] = Field(default_factory=list)  # any of the policy's disease groups
    in_county: bool | None = None
    referral: bool | None = None
    age_from: int | None = Field(default=None, ge=0, le=150)  # inclusive
    age_to: int | None = Field(default=None, ge=0, le=150)  # exclusive

    @model_validator(mode="after")
    def _ages(self) -> When:
        if self.age_from is not None and self.age_to is not None and self.age_to <= self.age_from:
            raise ValueError("age_to must be greater than age_from")
        return self


class Bonus(Strict):
    """Extra ratio points for claims that match ``when`` (age bands, the poor, ...)."""

    when: When
    points: Points
    source: str | None = None


class Tier(Strict):
    """From this running annual base (yuan) on, the ratio is ``ratio``."""

    start: Fen = Field(alias="from")
    ratio: Ratio


class Names(Strict):
    """A name in both languages, as users read it (the id is for files and programs)."""

    name_en: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)


class RatioRule(Strict):
    id: str
    name_en: str = Field(min_length=1)  # what users read (slip, simulator, person page)
    name_zh: str = Field(min_length=1)
    when: When = Field(default_factory=When)
    source: str | None = None
    deductible: Fen | dict[InstitutionLevel, Fen] = 0  # per claim (admission / visit)
    ratio: Ratio | dict[InstitutionLevel, Ratio] | None = None
    tiers: list[Tier] | None = None  # on the running annual base of the rule's pool
    bonuses: list[Bonus] = Field(default_factory=list)
    essential_drug_points: Points = 0  # extra points on the essential-drug part
    per_claim_cap: Fen | None = None
    annual_cap: Fen | None = None  # per pool, see cap_scope
    pool: str = "annual"  # rules sharing a pool share its running base and cap
    cap_scope: Scope = Scope.PERSON

    @model_validator(mode="after")
    def _ratio_or_tiers(self) -> RatioRule:
        if (self.ratio is None) == (self.tiers is None):
            raise ValueError("give exactly one of `ratio` or `tiers`")
        if self.tiers is not None:
            starts = [t.start for t in self.tiers]
            if not starts or starts[0] != 0:
                raise ValueError("the first tier must start from 0")
            if any(b <= a for a, b in itertools.pairwise(starts)):
                raise ValueError("tiers must start at strictly increasing amounts")
        return self


class CeilingRule(Strict):
    """Annual out-of-pocket allowed; the layer pays whatever exceeds it."""

    id: str
    name_en: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    when: When = Field(default_factory=When)
    source: str | None = None
    ceiling: Fen | dict[InstitutionLevel, Fen] | None = None
    ceiling_by: Literal["highest_level", "claim_level"] = "highest_level"
    cost_share: Ratio | None = None  # allowed = share × the year's cost
    combine: Literal["min", "max"] = "min"  # of ceiling and share, when both are given
    cost_basis: Literal["total", "compliant"] = "total"
    oop_basis: Literal["compliant", "total"] = "compliant"
    pool: str = "annual"

    @model_validator(mode="after")
    def _something(self) -> CeilingRule:
        if self.ceiling is None and self.cost_share is None:
            raise ValueError("give `ceiling`, `cost_share` or both")
        return self


class _LayerBase(Strict):
    id: str
    name_en: str
    name_zh: str
    source: str | None = None
    base: Base = Base.COMPLIANT_REMAINING
    # Names of the pools the rules use (``pool: inpatient``); the default pool ``annual``
    # may go unnamed and then carries the layer's name.
    pools: dict[str, Names] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _pools_named(self, info: ValidationInfo) -> _LayerBase:
        if _located(info):
            return self
        rules: list[RatioRule | CeilingRule] = getattr(self, "rules", [])
        unnamed = sorted({r.pool for r in rules if r.pool != "annual"} - set(self.pools))
        if unnamed:
            raise ValueError(
                f"pool(s) {', '.join(unnamed)} need a name: add `pools: {{{unnamed[0]}: "
                "{name_en: ..., name_zh: ...}}` to the layer"
            )
        return self


class RatioLayer(_LayerBase):
    type: Literal[
        LayerType.BASIC,
        LayerType.CRITICAL,
        LayerType.ASSISTANCE,
        LayerType.SUPPLEMENTARY,
        LayerType.RE_ASSISTANCE,
    ]
    rules: list[RatioRule]
    mechanism: ClassVar[str] = "ratio"


class CeilingLayer(_LayerBase):
    type: Literal[LayerType.BACKSTOP]
    rules: list[CeilingRule]
    mechanism: ClassVar[str] = "ceiling"


Layer = Annotated[RatioLayer | CeilingLayer, Field(discriminator="type")]


class DiseaseGroup(Strict):
    """A named group of diagnoses: ICD-10 code prefixes, or a catalog disease list."""

    name_en: str | None = None
    name_zh: str | None = None
    icd_prefixes: list[str] = Field(default_factory=list)
    catalog_list: str | None = None

    @model_validator(mode="after")
    def _one(self) -> DiseaseGroup:
        if not self.icd_prefixes and not self.catalog_list:
            raise ValueError("give `icd_prefixes` or `catalog_list`")
        return self


class ClaimRules(Strict):
    """How claims are grouped before settlement."""

    pre_admission_days: int = Field(default=0, ge=0, le=30)  # tests before admission count with it


class PayLater(Strict):
    """ "Diagnose first, pay later" (先诊疗后付费): who is admitted without a deposit and settles
    only what they owe at discharge."""

    when: When
    source: str | None = None


class Policy(Strict):
    id: str
    title_en: str
    title_zh: str
    region: str  # administrative code prefix where it applies
    valid_from: dt.date
    valid_to: dt.date  # inclusive
    source: str  # the default source of every value
    sources: dict[str, Source]
    diseases: dict[str, DiseaseGroup] = Field(default_factory=dict)
    claims: ClaimRules = Field(default_factory=ClaimRules)
    pay_later: PayLater | None = None
    layers: list[Layer]
    layer_order: list[str] | None = None  # settle in this order (lets an override insert a layer)
    # Where each parameter came from: dotted path -> source id (filled by the loader).
    value_sources: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _order_layers(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and data.get("layer_order")
            and isinstance(data.get("layers"), list)
        ):
            order = list(data["layer_order"])
            ids = [layer.get("id") for layer in data["layers"] if isinstance(layer, dict)]
            if sorted(map(str, order)) != sorted(map(str, ids)):
                raise ValueError(
                    f"layer_order {order} must name every layer exactly once (layers: {ids})"
                )
            data = {**data, "layers": sorted(data["layers"], key=lambda la: order.index(la["id"]))}
        return data

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Policy:
        if _located(info):
            return self  # the loader has checked all this with lines (policy/checks.py)
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        known = set(self.sources)
        refs = [self.source, *self.value_sources.values()]
        ids: set[str] = set()
        for layer in self.layers:
            if layer.id in ids:
                raise ValueError(f"layer id {layer.id!r} is used twice")
            ids.add(layer.id)
            refs.append(layer.source or self.source)
            rule_ids: set[str] = set()
            for rule in layer.rules:
                if rule.id in rule_ids:
                    raise ValueError(f"rule id {rule.id!r} is used twice in layer {layer.id!r}")
                rule_ids.add(rule.id)
                refs.append(rule.source or self.source)
                for group in rule.when.diseases:
                    if group not in self.diseases:
                        raise ValueError(
                            f"layer {layer.id!r} rule {rule.id!r} names disease group "
                            f"{group!r}, which `diseases` does not define"
                        )
        if self.pay_later is not None:
            refs.append(self.pay_later.source or self.source)
            for group in self.pay_later.when.diseases:
                if group not in self.diseases:
                    raise ValueError(
                        f"pay_later names disease group {group!r}, which `diseases` does not define"
                    )
        missing = sorted({r for r in refs if r not in known})
        if missing:
            raise ValueError(
                f"unknown source id(s): {', '.join(missing)} (define them in `sources`)"
            )
        if not self.layers:
            raise ValueError("a policy needs at least one layer")
        return self
