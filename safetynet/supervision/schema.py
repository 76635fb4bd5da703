"""The supervision-rule file schema (pydantic): dated, sourced screening rules.

A rule file is YAML like a settlement policy (``docs/supervision-rules.md``, generated from
the shipped files by ``scripts/supervision_doc.py``): an id, a region (none: every region),
validity dates, its sources and a list of rules. Each rule has a ``kind`` (one of
:data:`KINDS`), a severity (``warn``, ``block`` at the window, ``deduct`` from the
institution), the article of State Council Decree No. 735 it enforces, a name in English and
Chinese, and its parameters. A numeric parameter is written ``{value: 15, unit: day}`` and
must carry the unit its rule expects; a list parameter is a plain list (either may be
wrapped ``{value: ..., source: ..., note: ...}``). A county file ``extends`` a province file
and overrides rules by ``id``: its rules screen the claims of persons of its region, those of
the file it extends (:meth:`RuleSet.chain`) the claims of that file's region outside it
(:meth:`RuleSet.layer_of`), all within the named file's validity.

``scoring`` holds the numbers of the institutions' and doctors' risk scores
(:mod:`safetynet.supervision.scores`, which review's claim risk reuses): the readmission
window of the peer metric, the size of a group admission, the fewest admissions compared,
the cap of one metric's z-score and each metric's weight, each with its source.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from safetynet.regions import in_region
from safetynet.sources import Names, Source

Severity = Literal["warn", "block", "deduct"]
U = TypeVar("U")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


REGION_LENGTHS = (2, 4, 6, 9, 12)  # province, city, county, township, padded (regions.py)
MAX_CHAIN = 16  # files extending files: more is a loop the loader has refused already

WHOLE_UNITS = ("day", "count", "hour", "month")  # counted in whole units: 15.5 days is no day


class Quantity(_Strict, Generic[U]):
    """A number with its unit, e.g. ``{value: 15, unit: day}``; days, counts, hours and
    months are whole (the rules count them so: a fraction would be cut off unseen)."""

    value: float = Field(ge=0)
    unit: U
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _whole(self) -> Quantity[U]:
        if self.unit in WHOLE_UNITS and self.value != int(self.value):
            raise ValueError(f"{self.value:g} {self.unit}s: a whole number of {self.unit}s")
        return self


Days = Quantity[Literal["day"]]
Count = Quantity[Literal["count"]]
Hours = Quantity[Literal["hour"]]
Percent = Quantity[Literal["percent"]]
Weight = Quantity[Literal["weight"]]
Sd = Quantity[Literal["sd"]]  # robust standard deviations (a z-score)


class _Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: Names
    severity: Severity
    article: int = Field(ge=1, le=50, description="article of State Council Decree No. 735")
    source: str | None = None
    enabled: bool = True
    note: str | None = None


class DuplicateChargeParams(_Strict):
    daily_limits: dict[str, int] = Field(
        default_factory=dict, description="item code -> most units a day"
    )
    default_daily_limit: Count | None = None  # every other service item, when given
    packages: dict[str, list[str]] = Field(
        default_factory=dict, description="package item code -> item codes it includes"
    )


class DuplicateChargeRule(_Rule):
    kind: Literal["duplicate_charge"]
    params: DuplicateChargeParams = DuplicateChargeParams()


class OverStandardParams(_Strict):
    catalog_price_ceiling: bool = True
    bed_day_codes: list[str] = Field(default_factory=list)
    hourly_codes: list[str] = Field(default_factory=list)
    max_hours_per_day: Hours = Hours(value=24, unit="hour")


class OverStandardRule(_Rule):
    kind: Literal["over_standard_charge"]
    params: OverStandardParams = OverStandardParams()


class SplitAdmissionParams(_Strict):
    window_days: Days
    category_chars: Count = Count(value=3, unit="count")
    planned_cycle_diagnoses: list[str] = Field(default_factory=list)


class SplitAdmissionRule(_Rule):
    kind: Literal["split_admission"]
    params: SplitAdmissionParams


class OverlappingStayRule(_Rule):
    kind: Literal["overlapping_stay"]


class ImpersonationParams(_Strict):
    female_only_diagnoses: list[str] = Field(default_factory=list)
    male_only_diagnoses: list[str] = Field(default_factory=list)
    newborn_only_diagnoses: list[str] = Field(default_factory=list)
    newborn_max_age: Count = Count(value=0, unit="count")
    catalog_restrictions: bool = True
    after_death: bool = True


class ImpersonationRule(_Rule):
    kind: Literal["impersonation"]
    params: ImpersonationParams = ImpersonationParams()


class LowThresholdParams(_Strict):
    max_stay_days: Days
    surgery_codes: list[str] = Field(default_factory=list)
    iv_codes: list[str] = Field(default_factory=list)
    outpatient_treatable: list[str] = Field(default_factory=list)


class LowThresholdRule(_Rule):
    kind: Literal["low_threshold_admission"]
    params: LowThresholdParams


class OutpatientAbuseParams(_Strict):
    max_purchases_per_month: Count
    consecutive_days: Days
    drug_code_prefix: str = "D"
    # split prescriptions: the same drug on more of a person's outpatient claims at one
    # institution on one day than this (none: not screened)
    max_prescriptions_per_day: Count | None = None

    def often(self) -> int:
        """The fewest purchases of one drug that can break one of the limits."""
        need = min(int(self.max_purchases_per_month.value) + 1, int(self.consecutive_days.value))
        if self.max_prescriptions_per_day is not None:
            need = min(need, int(self.max_prescriptions_per_day.value) + 1)
        return need


class OutpatientAbuseRule(_Rule):
    kind: Literal["outpatient_abuse"]
    params: OutpatientAbuseParams


class OutOfCatalogParams(_Strict):
    max_share: Percent  # of the claim's total; to a basis point (two decimals of a percent)

    @model_validator(mode="after")
    def _basis_points(self) -> OutOfCatalogParams:
        value = Decimal(str(self.max_share.value))
        if value > 100:
            raise ValueError(f"max_share: {value} percent is above 100")
        if value * 100 != int(value * 100):
            raise ValueError(f"max_share: {value} percent is finer than a basis point (0.01 %)")
        return self


class OutOfCatalogRule(_Rule):
    kind: Literal["out_of_catalog_share"]
    params: OutOfCatalogParams


class RepeatTestParams(_Strict):
    window_days: Days  # a test repeated at most this many days after another institution's
    test_codes: list[str] = Field(min_length=1)


class RepeatTestRule(_Rule):
    kind: Literal["repeat_test"]
    params: RepeatTestParams


class GhostBedParams(_Strict):
    max_untreated_days: Days  # days after the admission by which a substantive item is given
    routine_codes: list[str] = Field(default_factory=list)  # bed, nursing, registration


class GhostBedRule(_Rule):
    kind: Literal["ghost_bed"]
    params: GhostBedParams


class SharedPhoneParams(_Strict):
    top_share: Percent  # the claims of the highest amounts, this share of all claims
    max_persons: Count  # more insured persons than this on one phone number among them

    @model_validator(mode="after")
    def _share(self) -> SharedPhoneParams:
        if not 0 < self.top_share.value <= 100:
            raise ValueError(f"top_share: {self.top_share.value} percent is not in (0, 100]")
        return self


class SharedPhoneRule(_Rule):
    kind: Literal["shared_phone"]
    params: SharedPhoneParams


class ConcurrentBedParams(_Strict):
    """The ordinary ward's bed-day fee codes and the special-ward or ICU bed fee codes: one
    stay has one bed a day, so both kinds billed for one day charge the day twice."""

    ward_codes: list[str] = Field(min_length=1)
    special_codes: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _apart(self) -> ConcurrentBedParams:
        both = sorted(set(self.ward_codes) & set(self.special_codes))
        if both:
            raise ValueError(f"codes both ward and special: {', '.join(both)}")
        return self


class ConcurrentBedRule(_Rule):
    kind: Literal["concurrent_bed_charge"]
    params: ConcurrentBedParams


Rule = Annotated[
    DuplicateChargeRule
    | OverStandardRule
    | SplitAdmissionRule
    | OverlappingStayRule
    | ImpersonationRule
    | LowThresholdRule
    | OutpatientAbuseRule
    | OutOfCatalogRule
    | RepeatTestRule
    | GhostBedRule
    | SharedPhoneRule
    | ConcurrentBedRule,
    Field(discriminator="kind"),
]
KINDS = (
    "duplicate_charge",
    "over_standard_charge",
    "split_admission",
    "overlapping_stay",
    "impersonation",
    "low_threshold_admission",
    "outpatient_abuse",
    "out_of_catalog_share",
    "repeat_test",
    "ghost_bed",
    "shared_phone",
    "concurrent_bed_charge",
)


class Weights(_Strict):
    """Each metric's weight in the composite risk score (every metric named, no other)."""

    length_of_stay: Weight
    cost_per_admission: Weight
    cost_per_bed_day: Weight
    drug_share: Weight
    admissions_per_1000: Weight
    readmission_rate: Weight
    hit_amount_rate: Weight
    low_threshold_share: Weight
    group_admission_share: Weight

    def of(self, metric: str) -> float:
        return float(getattr(self, metric).value)


SCORE_METRICS: tuple[str, ...] = tuple(Weights.model_fields)


class Scoring(_Strict):
    """The risk scores' numbers: ``readmission_days`` (a stay followed by another of the
    person within that many days of its discharge counts as readmitted), ``group_size`` (that
    many admissions or more of one village at one institution on one day are a group
    admission), ``min_admissions`` (fewer: no inpatient metrics), ``z_cap`` (one metric adds
    at most this many robust SDs, times its weight), ``flag_z`` (a metric whose robust z is
    above this, either way, is abnormal: named on the scorecard), ``weights`` (every
    metric's) and ``readmission_alert`` (the peer alert: a unit whose readmission rate is
    strictly above this percentile of its level's rates is flagged; none: no alert)."""

    readmission_days: Days
    group_size: Count
    min_admissions: Count
    z_cap: Sd
    flag_z: Sd
    weights: Weights
    readmission_alert: Percent | None = None

    @field_validator("readmission_alert")
    @classmethod
    def _percentile(cls, q: Quantity | None) -> Quantity | None:  # type: ignore[type-arg]
        if q is not None and not 0 < q.value < 100:
            raise ValueError(f"{q.value:g} is no percentile between 0 and 100 (exclusive)")
        return q

    @field_validator("readmission_days", "group_size", "min_admissions")
    @classmethod
    def _whole(cls, q: Quantity) -> Quantity:  # type: ignore[type-arg]
        if q.value != int(q.value) or q.value < 1:
            raise ValueError(f"{q.value} is not a whole number of at least 1")
        return q

    def quantities(self) -> list[Quantity]:  # type: ignore[type-arg]
        alert = [self.readmission_alert] if self.readmission_alert is not None else []
        return [self.readmission_days, self.group_size, self.min_admissions, self.z_cap,
                self.flag_z, *(getattr(self.weights, m) for m in SCORE_METRICS),
                *alert]  # fmt: skip


class RuleSet(_Strict):
    """One rule file, its ``extends`` resolved."""

    id: str
    title_en: str
    title_zh: str
    region: str | None = None  # a region code (short or padded); none: every region
    valid_from: dt.date
    valid_to: dt.date | None = None
    source: str
    sources: dict[str, Source]
    rules: list[Rule]
    scoring: Scoring
    # the file ``extends`` names, loaded on its own (:func:`safetynet.supervision.rules
    # .load_rules`), and the ids of the rules this file writes itself (adds, overrides or
    # removes): outside this file's region those are the parent's (:meth:`layer`)
    _parent: RuleSet | None = PrivateAttr(default=None)
    _own: frozenset[str] = PrivateAttr(default=frozenset())

    @field_validator("region")
    @classmethod
    def _region_code(cls, code: str | None) -> str | None:
        if code is None:
            return None
        if not isinstance(code, str) or not code.isascii() or not code.isdigit():
            raise ValueError(f"region {code!r} is not a region code (digits only, e.g. '341821')")
        if len(code) not in REGION_LENGTHS:
            raise ValueError(
                f"region {code!r} has {len(code)} digits: a region code has 2 (province), "
                "4 (city), 6 (county), 9 (township) or 12 (padded) digits"
            )
        if code.startswith("00"):
            raise ValueError(f"region {code!r} names no province (it starts with 00)")
        return code

    @model_validator(mode="after")
    def _references(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"rule ids used twice: {', '.join(twice)}")
        scoring = [q.source for q in self.scoring.quantities()]
        unknown = [s for s in [self.source, *(r.source for r in self.rules), *scoring] if s]
        missing = sorted({s for s in unknown if s not in self.sources})
        if missing:
            raise ValueError(f"sources not listed under `sources`: {', '.join(missing)}")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self

    def active(self) -> list[Rule]:
        return [r for r in self.rules if r.enabled]

    def chain(self) -> list[RuleSet]:
        """This file, then the file it extends, and so on up (each ``extends`` resolved)."""
        out: list[RuleSet] = [self]
        while out[-1]._parent is not None and len(out) <= MAX_CHAIN:
            out.append(out[-1]._parent)
        return out

    def with_parent(self, parent: RuleSet | None, own: frozenset[str] = frozenset()) -> RuleSet:
        """This rule set with the file it extends and the ids of the rules it writes itself
        attached (the loader's step)."""
        self._parent, self._own = parent, own
        return self

    def layer_of(self, region_code: str | None) -> int | None:
        """Which rules screen the claims of a person of ``region_code``: 0 when this file's
        region holds it (:func:`safetynet.regions.in_region`; a file without a region holds
        every one), ``i`` when the ``i``-th file it extends (:meth:`chain`) is the first
        that does, None when none does (the claim is not screened). A person whose region
        is not known (a claim file without persons' villages) is taken as of this file's."""
        if region_code is None:
            return 0
        for i, file in enumerate(self.chain()):
            if file.region is None or in_region(region_code, file.region):
                return i
        return None

    def layer(self, i: int) -> RuleSet | None:
        """The rules screening the claims of :meth:`layer_of` ``i``: this rule set's, except
        that each rule a file of the chain below ``i`` writes itself (a county's own rule,
        its override of a province rule, its removal of one) is the version of the file it
        extends (none when that file has none); the rules a file inherits unchanged screen
        the whole region of the file they come from. The validity stays this rule set's."""
        if i == 0:
            return self
        parent = self._parent.layer(i - 1) if self._parent is not None else None
        if parent is None:
            return None
        theirs = {r.id: r for r in parent.rules}
        rules = [theirs.get(r.id) if r.id in self._own else r for r in self.rules]
        ids = {r.id for r in self.rules}
        rules += [r for r in parent.rules if r.id in self._own and r.id not in ids]
        kept = [r for r in rules if r is not None]
        return self.model_copy(update={"rules": kept, "region": parent.region})

    def rule_names(self) -> dict[str, Rule]:
        """Every rule of the chain by id, this file's own version first."""
        out: dict[str, Rule] = {}
        for layer in self.chain():
            for r in layer.rules:
                out.setdefault(r.id, r)
        return out

    def planned_cycles(self) -> list[str]:
        """The diagnoses of planned cycles (chemotherapy, radiotherapy) of the active split
        admission rules of the chain: no side of a split admission, and no readmission in the
        risk scores' readmission rate either (domain notes §A2, one row: planned cycles are
        excluded, the peer alert is the 14-day readmission rate)."""
        codes: set[str] = set()
        for rule in (r for layer in self.chain() for r in layer.active()):
            if isinstance(rule, SplitAdmissionRule):
                codes.update(rule.params.planned_cycle_diagnoses)
        return sorted(codes)

    def lookback_days(self) -> int:
        """The days before a claim's date whose claims its active rules compare it with: a
        split admission's window (counted from the earlier stay's discharge), a calendar
        month of drug purchases (31 days), a run of consecutive purchase days and the
        mutual-recognition window of a repeated test. Claims
        discharged (or seen) on or after that day are read with it (the longest of the
        chain's files: each screens some claims)."""
        days = 0
        for rule in (r for layer in self.chain() for r in layer.active()):
            if isinstance(rule, SplitAdmissionRule):
                days = max(days, int(rule.params.window_days.value))
            elif isinstance(rule, OutpatientAbuseRule):
                days = max(days, 31, int(rule.params.consecutive_days.value))
            elif isinstance(rule, RepeatTestRule):
                days = max(days, int(rule.params.window_days.value))
        return days

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
