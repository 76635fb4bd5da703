"""The schema of a programme file: batches with their disease lists, designated hospitals and
fixed fees, family-doctor service packages, control targets. Every number names its source.

Some diseases take a patient in only up to an age (``age_bounds``: the children's diseases),
applied wherever a patient is taken in (:func:`safetynet.programmes.screen.within_age`).

A disease list either names a list of :mod:`safetynet.catalogs.diseases` (``catalog_list``)
or gives its ICD-10 codes; each code must be a WHO ICD-10 category or subcode
(:func:`safetynet.catalogs.icd10.is_valid`). Amounts are yuan in the file and fen once read.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from safetynet.catalogs import icd10
from safetynet.catalogs.diseases import list_entries
from safetynet.codes import (
    Batch,
    InstitutionLevel,
    ItemKind,
    PatientState,
    PovertyStatus,
    Service,
)
from safetynet.policy.schema import Fen, Source, Strict
from safetynet.regions import in_region

_ID = r"^[a-z][a-z0-9_]*$"


def prefix_of(code: str) -> str:
    """An ICD-10 code as the catalogs' prefixes are written: upper case, no dot."""
    return code.strip().upper().replace(".", "")


class Disease(Strict):
    """One entry of a list: an ICD-10 code (its subcodes match too) and its names."""

    code: str
    name_zh: str
    name_en: str

    @field_validator("code")
    @classmethod
    def _icd10(cls, v: str) -> str:
        if not icd10.is_valid(v):
            raise ValueError(f"{v!r} is not an ICD-10 code")
        return v.strip().upper()


class DiseaseList(Strict):
    id: str = Field(pattern=_ID)
    title_en: str
    title_zh: str
    source: str
    region: str | None = None  # a county's own list names its region code
    valid_from: dt.date
    valid_to: dt.date | None = None
    catalog_list: str | None = None  # a list of safetynet.catalogs by name
    diseases: list[Disease] = Field(default_factory=list)
    designated_levels: list[InstitutionLevel] = Field(default_factory=list)  # 定点医院

    @model_validator(mode="after")
    def _one_kind(self) -> DiseaseList:
        if (self.catalog_list is None) == (not self.diseases):
            raise ValueError("give either catalog_list or diseases")
        if self.catalog_list is not None:
            try:
                list_entries(self.catalog_list)
            except KeyError as exc:  # names the known lists
                raise ValueError(exc.args[0]) from None
        return self

    def prefixes(self) -> list[str]:
        """The ICD-10 prefixes (upper case, no dot) this list matches."""
        if self.catalog_list is not None:
            return sorted(set(list_entries(self.catalog_list)["icd_prefix"].to_list()))
        return sorted({prefix_of(d.code) for d in self.diseases})

    def applies(self, region_code: str, on: dt.date) -> bool:
        return (self.region is None or in_region(region_code, self.region)) and (
            self.valid_from <= on and (self.valid_to is None or on < self.valid_to)
        )


class AgeBound(Strict):
    """Diseases a patient is taken in for only up to an age (the children's diseases: 儿童白血病,
    儿童先天性心脏病): whole years of age (周岁) on the claim's date at most ``max_age``, in the
    bound's period; a person whose birth date is unknown is not taken in for them."""

    id: str = Field(pattern=_ID)
    codes: list[str] = Field(min_length=1)  # ICD-10 codes; their subcodes are bound too
    max_age: int = Field(ge=0, le=130)  # included
    valid_from: dt.date
    valid_to: dt.date | None = None  # excluded
    source: str

    @field_validator("codes")
    @classmethod
    def _icd10(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if not icd10.is_valid(c)]
        if bad:
            raise ValueError(f"not ICD-10 codes: {bad}")
        return [c.strip().upper() for c in v]

    def prefixes(self) -> list[str]:
        return sorted({prefix_of(c) for c in self.codes})


class BatchRule(Strict):
    """One of the three batches: which diseases (or annual cost) bring a patient into it and
    which state ends it."""

    id: Batch
    title_en: str
    title_zh: str
    source: str
    outcome: PatientState
    lists: list[DiseaseList] = Field(default_factory=list)
    annual_cost_at_least: Fen | None = None  # total cost of the year, for critical illness

    @model_validator(mode="after")
    def _criteria(self) -> BatchRule:
        if not self.lists and self.annual_cost_at_least is None:
            raise ValueError("a batch needs disease lists or annual_cost_at_least")
        if self.outcome not in (PatientState.TREATED, PatientState.MANAGED,
                                PatientState.BACKSTOPPED):  # fmt: skip
            raise ValueError("outcome must be treated, managed or backstopped")
        return self


class FixedFee(Strict):
    """单病种定额: the package price of an admission for a disease at a level."""

    code: str
    name_zh: str
    name_en: str
    level: InstitutionLevel
    fee: Fen  # more than 0: settlement reads a fee of 0 as none, the pathways would price it
    source: str

    @field_validator("code")
    @classmethod
    def _icd10(cls, v: str) -> str:
        if not icd10.is_valid(v):
            raise ValueError(f"{v!r} is not an ICD-10 code")
        return v.strip().upper()

    @field_validator("fee")
    @classmethod
    def _priced(cls, v: int) -> int:
        if v <= 0:
            raise ValueError("a fixed fee must be more than 0 yuan (leave the disease out)")
        return v


# an institution's code as the institutions table keys it (at most 32 characters): letters,
# digits, ``-``, ``_`` and ``.``; a YAML number (``34152201``) is refused, write it quoted
InstitutionCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")]


class Designation(Strict):
    """定点医院 of a pathway for a period: the hospital levels and/or the named hospitals
    (``institutions``, their codes) where its admissions are treated under the pathway and its
    fixed fee; with ``in_county_only`` only the county's own hospitals. A hospital is
    designated when each given condition holds (:meth:`admits`): its level is one of
    ``levels`` (when given), its code one of ``institutions`` (when given), it is in the
    county (with ``in_county_only``). ``valid_to`` is exclusive."""

    levels: list[InstitutionLevel] = Field(default_factory=list)
    institutions: list[InstitutionCode] = Field(default_factory=list)
    in_county_only: bool = False
    valid_from: dt.date
    valid_to: dt.date | None = None
    source: str

    @model_validator(mode="after")
    def _period(self) -> Designation:
        if not self.levels and not self.institutions:
            raise ValueError("a designation needs levels or institutions (or both)")
        if len(set(self.institutions)) != len(self.institutions):
            raise ValueError("an institution is named twice")
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self

    def applies(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)

    def admits_level(self, level: InstitutionLevel) -> bool:
        """Whether a hospital of ``level`` may be designated (the levels, when given)."""
        return not self.levels or level in self.levels

    def admits(self, level: str, in_county: bool | None, institution_code: str | None) -> bool:
        """Whether this designation designates a hospital (one claim; the frames of
        :mod:`~safetynet.programmes.fixed_fee` and :mod:`~safetynet.programmes.pathways`
        test the same three conditions on columns)."""
        return (
            self.admits_level(InstitutionLevel(level))
            and (not self.institutions or institution_code in self.institutions)
            and (not self.in_county_only or bool(in_county))
        )


class Stay(Strict):
    """The expected length of stay (days from admission to discharge) of a pathway."""

    min_days: int = Field(ge=0)
    max_days: int = Field(ge=0)
    source: str

    @model_validator(mode="after")
    def _range(self) -> Stay:
        if self.min_days > self.max_days:
            raise ValueError("min_days must not exceed max_days")
        return self


class Pathway(Strict):
    """临床路径 of a disease: entry by the ICD-10 code (and its subcodes) of an admission in
    the pathway's period; the expected stay, the item kinds its package must contain and its
    designated hospitals."""

    id: str = Field(pattern=_ID)
    code: str
    name_zh: str
    name_en: str
    source: str
    valid_from: dt.date
    valid_to: dt.date | None = None  # exclusive
    stay: Stay
    required_items: list[ItemKind] = Field(default_factory=list)  # the package's contents
    designated: list[Designation] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _icd10(cls, v: str) -> str:
        if not icd10.is_valid(v):
            raise ValueError(f"{v!r} is not an ICD-10 code")
        return v.strip().upper()

    @model_validator(mode="after")
    def _dates(self) -> Pathway:
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        ordered = sorted(self.designated, key=lambda d: d.valid_from)
        for a, b in itertools.pairwise(ordered):
            if a.valid_to is None or a.valid_to > b.valid_from:
                raise ValueError(f"designations overlap: {a.valid_from} and {b.valid_from}")
        return self

    def applies(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)

    def designation(self, on: dt.date) -> Designation | None:
        """The designation in force on a date (None: no hospital is designated then — nor
        outside the pathway's own period, so its fixed fee applies only while it is in
        force, as an admission enters it only then)."""
        if not self.applies(on):
            return None
        return next((d for d in self.designated if d.applies(on)), None)


class PlannedService(Strict):
    kind: Service
    per_year: int = Field(ge=1, le=52)
    lists: list[str] = Field(default_factory=list)  # only for patients of these disease lists


class Package(Strict):
    """A family-doctor service package (服务包): its yearly fee and planned services."""

    id: str = Field(pattern=_ID)
    title_en: str
    title_zh: str
    source: str
    fee: Fen  # yuan a year
    free_for: list[PovertyStatus] = Field(default_factory=list)
    services: list[PlannedService] = Field(min_length=1)


class Control(Strict):
    """When a follow-up counts as controlled."""

    source: str
    systolic_below: int = Field(gt=0)  # mmHg
    diastolic_below: int = Field(gt=0)
    glucose_below: Decimal = Field(gt=0)  # fasting, mmol/L
    hypertension_list: str
    diabetes_list: str


class Contracts(Strict):
    source: str
    target_statuses: list[PovertyStatus] = Field(min_length=1)
    term_months: int = Field(ge=1, le=36)  # a contract's term; renewed yearly
    on_time_days: int = Field(ge=0)  # a follow-up done this late is still on time
    due_soon_days: int = Field(ge=0)  # the worklist shows what falls due this soon


class ProgrammeRules(Strict):
    id: str
    title_en: str
    title_zh: str
    region: str | None = None
    valid_from: dt.date
    valid_to: dt.date | None = None
    sources: dict[str, Source]
    batches: list[BatchRule] = Field(min_length=1)
    fixed_fees: list[FixedFee] = Field(default_factory=list)
    pathways: list[Pathway] = Field(default_factory=list)
    age_bounds: list[AgeBound] = Field(default_factory=list)  # the children's diseases
    packages: list[Package] = Field(min_length=1)
    control: Control
    contracts: Contracts

    @model_validator(mode="after")
    def _references(self) -> ProgrammeRules:
        batches = [b.id for b in self.batches]
        if len(set(batches)) != len(batches):
            raise ValueError("a batch is given twice")
        lists = [dl.id for b in self.batches for dl in b.lists]
        if len(set(lists)) != len(lists):
            raise ValueError(f"list ids repeat: {sorted({i for i in lists if lists.count(i) > 1})}")
        named = [b.source for b in self.batches] + [dl.source for b in self.batches
                                                     for dl in b.lists]  # fmt: skip
        named += [f.source for f in self.fixed_fees] + [p.source for p in self.packages]
        named += [self.control.source, self.contracts.source]
        named += [a.source for a in self.age_bounds]
        for pw in self.pathways:
            named += [pw.source, pw.stay.source, *(d.source for d in pw.designated)]
        unknown = sorted(set(named) - set(self.sources))
        if unknown:
            raise ValueError(f"sources not listed under sources: {unknown}")
        used = {name for p in self.packages for s in p.services for name in s.lists}
        used |= {self.control.hypertension_list, self.control.diabetes_list}
        missing = sorted(used - set(lists))
        if missing:
            raise ValueError(f"disease lists not defined under batches: {missing}")
        fees = [(f.code, f.level) for f in self.fixed_fees]
        if len(set(fees)) != len(fees):
            raise ValueError("a fixed fee is given twice for one disease and level")
        ids = [pw.id for pw in self.pathways]
        if len(set(ids)) != len(ids):
            raise ValueError(f"pathway ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        codes = [pw.code for pw in self.pathways]
        if len(set(codes)) != len(codes):
            raise ValueError("a pathway is given twice for one disease code")
        unpaved = sorted({f.code for f in self.fixed_fees} - set(codes))
        if unpaved:  # a fee applies only at the hospitals its pathway designates
            raise ValueError(f"fixed fees without a pathway (and its designated hospitals): "
                             f"{unpaved}")  # fmt: skip
        return self

    def pathway(self, code: str) -> Pathway | None:
        """The pathway of a disease code (its own, else its category's), if any."""
        found = [pw for pw in self.pathways if prefix_of(code).startswith(prefix_of(pw.code))]
        return max(found, key=lambda pw: len(pw.code)) if found else None

    def applies(self, region_code: str, on: dt.date) -> bool:
        region_ok = self.region is None or in_region(region_code, self.region)
        return (
            region_ok and self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)
        )

    def batch(self, batch: Batch) -> BatchRule:
        return next(b for b in self.batches if b.id == batch)

    def disease_list(self, list_id: str) -> DiseaseList:
        return next(dl for b in self.batches for dl in b.lists if dl.id == list_id)

    def package(self, package_id: str) -> Package:
        found = [p for p in self.packages if p.id == package_id]
        if not found:
            raise KeyError(package_id)
        return found[0]
