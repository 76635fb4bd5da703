"""The fund-accounts file schema (pydantic): funds, income sources, funding rules.

A funds file is YAML like a settlement policy: an id, a region, validity dates, its sources,
the funds (one per layer of the policy, each naming the layers it pays), the fund a layer no
fund names is charged to, how each source of contributions is split between funds (weights,
apportioned to the fen), the fixed fiscal allocations of a year (yuan) and the payment
methods (monthly prepayment, quality deposit, global-budget settlement, fixed fee per
disease, budget-limited funds), the alarms over the funds' figures and the sharing of a
county's global-budget pot between institutions by weighted factors. Every fund, rule
and allocation names a source listed under ``sources``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from safetynet.money import to_fen
from safetynet.sources import Names, Source

# the enrollment's contribution columns, without ``_fen``: the income accounts of a fund
# (safetynet.policy.contribution.COLUMN names the columns)
IncomeSource = Literal[
    "individual",
    "subsidy_central",
    "subsidy_province",
    "subsidy_city",
    "subsidy_county",
    "subsidy_township",
    "medical_assistance",
]
CONTRIBUTION_SOURCES: tuple[str, ...] = get_args(IncomeSource)
FUND_ID = r"^[a-z][a-z0-9_]*$"
# the most an amount of the file may be (yuan): what one journal line may hold
# (safetynet.funds.journal.MAX_LINE_FEN is this in fen)
MAX_AMOUNT_YUAN = Decimal(10**12)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fund(_Strict):
    id: str = Field(pattern=FUND_ID, max_length=32)
    name: Names
    layers: list[str]
    source: str
    note: str | None = None


class ContributionRule(_Strict):
    """One source of contributions split between funds by weights."""

    income: IncomeSource
    shares: dict[str, int] = Field(min_length=1)
    source: str
    note: str | None = None

    @model_validator(mode="after")
    def _weights(self) -> ContributionRule:
        if any(w < 0 for w in self.shares.values()) or sum(self.shares.values()) <= 0:
            raise ValueError("shares are weights of zero or more with a positive sum")
        return self


class Allocation(_Strict):
    """A fixed fiscal allocation of a year to one county's fund, in yuan. Each county's fund
    is its own (one special account per county, seed 001): the allocation names the county
    that receives it (``region``, its 6-digit code), else it is the file's county's; a file
    for every region must name it, since one allocation cannot be every county's."""

    fund: str
    # yuan and fen, at most one journal line (MAX_LINE_FEN): a third decimal or a larger
    # amount was accepted here and failed when the year was posted, with no file or line
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT_YUAN, decimal_places=2)
    source: str
    region: str | None = Field(default=None, pattern=r"^\d{6}$")
    note: str | None = None

    def county(self, file_region: str | None) -> str | None:
        """The county whose fund receives it: its own, else the file's county (None: the
        file names no county either)."""
        if self.region:
            return self.region
        return file_region[:6] if file_region and len(file_region) >= 6 else None

    @property
    def amount_fen(self) -> int:
        return to_fen(self.amount)


class Prepayment(_Strict):
    """A monthly advance of ``1 / months`` of an institution's annual budget, netted against
    its approved claims (the fen left over by the division go to the earliest months)."""

    months: int = Field(ge=1, le=12)
    source: str
    note: str | None = None


class QualityDeposit(_Strict):
    """A share of each month's approved claims withheld, returned at year end by assessment:
    ``share × approved`` rounded half up to the fen; the share is given to a basis point."""

    share: Decimal = Field(
        ge=0, le=1, decimal_places=4, description="fraction withheld, e.g. 0.05 (to a basis point)"
    )
    source: str
    note: str | None = None

    @property
    def share_bp(self) -> int:
        return int(self.share * 10_000)


class GlobalBudget(_Strict):
    """Year-end settlement of a global budget (总额预算): of the overspend the fund bears
    ``overspend_fund_share`` (the institution the rest); of the underspend the institution
    keeps ``underspend_kept_share`` (the fund the rest)."""

    # to a basis point (4 decimals): the shares are applied in basis points, and a finer
    # share is refused rather than truncated
    overspend_fund_share: Decimal = Field(ge=0, le=1, decimal_places=4)
    underspend_kept_share: Decimal = Field(ge=0, le=1, decimal_places=4)
    source: str
    note: str | None = None

    @property
    def over_bp(self) -> int:
        return int(self.overspend_fund_share * 10_000)

    @property
    def under_bp(self) -> int:
        return int(self.underspend_kept_share * 10_000)


class FixedFee(_Strict):
    """A fixed fee per disease (单病种定额): the institution bears what a case costs above it.
    The fees are the programmes' policy data and the overrun is borne at settlement (the
    claim is settled on its fee: :mod:`safetynet.programmes.fixed_fee`); here only who bears
    it."""

    overrun_borne_by: Literal["institution"] = "institution"
    source: str
    note: str | None = None


class BudgetLimited(_Strict):
    """A fund with an annual pot (its allocation): claims are paid in full while it lasts and
    scaled pro rata in a year-end round when the year's claims exceed it."""

    fund: str
    source: str
    note: str | None = None


class Payments(_Strict):
    prepayment: Prepayment
    quality_deposit: QualityDeposit
    global_budget: GlobalBudget
    fixed_fee: FixedFee | None = None
    budget_limited: list[BudgetLimited] = []


AlarmKind = Literal[
    "utilization_below",
    "current_balance_above",
    "accumulated_balance_above",
    "cover_below",
    "deficit_projected",
    "pot_exhausted_projected",
]


class Alarm(_Strict):
    """One alarm over the funds' figures of a year: ``threshold`` is a fraction (rates), a
    number of months (cover) or unused (projections); ``funds`` names the funds (or the
    group ``insurance``: the funds financed by contributions) it watches."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: AlarmKind
    threshold: Decimal | None = None
    funds: list[str] = Field(min_length=1)
    source: str
    note: str | None = None

    @model_validator(mode="after")
    def _threshold(self) -> Alarm:
        needs = self.kind not in ("deficit_projected", "pot_exhausted_projected")
        if needs and self.threshold is None:
            raise ValueError(f"alarm {self.id}: a {self.kind} alarm needs a threshold")
        return self


SharingFactor = Literal["last_year_spending", "admissions", "population_served", "level"]


class FactorWeight(_Strict):
    """One weighted factor of a global-budget share: ``weight`` is a fraction (the factors of
    a pot sum to exactly 1)."""

    factor: SharingFactor
    weight: Decimal = Field(gt=0, le=1)
    source: str
    note: str | None = None


class BudgetSharing(_Strict):
    """A county pot of a fund and year (yuan) shared between institutions by weighted factors:
    each institution gets ``Σ weight × its value ÷ all institutions' values`` of the pot,
    apportioned to the fen by largest remainder. ``institutions`` gives each institution's
    value of every factor (spending in yuan, admissions, persons served, level points)."""

    fund: str
    year: int = Field(ge=2000, le=2100)
    pot: Decimal = Field(gt=0, le=MAX_AMOUNT_YUAN, decimal_places=2)  # as an allocation
    source: str
    factors: list[FactorWeight] = Field(min_length=1)
    institutions: dict[str, dict[str, Decimal]] = Field(min_length=1)
    note: str | None = None

    @property
    def pot_fen(self) -> int:
        return to_fen(self.pot)

    @model_validator(mode="after")
    def _factors(self) -> BudgetSharing:
        names = [f.factor for f in self.factors]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"factors weighted twice: {', '.join(twice)}")
        total = sum(f.weight for f in self.factors)
        if total != 1:
            raise ValueError(f"the factors' weights sum to {total}, not 1")
        for code, values in sorted(self.institutions.items()):
            unknown = sorted(set(values) - set(names))
            if unknown:
                raise ValueError(
                    f"institution {code}: unknown factor {', '.join(unknown)}"
                    f" (this pot weighs {', '.join(names)})"
                )
            missing = [n for n in names if n not in values]
            if missing:
                raise ValueError(f"institution {code}: no value for {', '.join(missing)}")
            if any(v < 0 for v in values.values()):
                raise ValueError(f"institution {code}: a factor value is negative")
        for name in names:
            if sum(v[name] for v in self.institutions.values()) <= 0:
                raise ValueError(f"factor {name}: every institution's value is zero")
        return self


class FundRules(_Strict):
    """One funds file."""

    id: str
    title_en: str
    title_zh: str
    region: str | None = Field(default=None, pattern=r"^\d{2,12}$")
    valid_from: dt.date
    valid_to: dt.date | None = None
    source: str
    sources: dict[str, Source]
    funds: list[Fund] = Field(min_length=1)
    unassigned_fund: str
    deductions_fund: str
    contributions: list[ContributionRule] = []
    allocations: list[Allocation] = []
    payments: Payments
    alarms: list[Alarm] = []
    budget_sharing: list[BudgetSharing] = []

    @field_validator("allocations")
    @classmethod
    def _each_allocation_one_county(
        cls, allocations: list[Allocation], info: ValidationInfo
    ) -> list[Allocation]:
        """Every allocation is one county's: refused (the whole file, naming the allocation)
        when neither it nor the file names a county, or when it names one outside the
        file's region — counted in every county's figures it would be counted many times."""
        region = info.data.get("region")
        for i, a in enumerate(allocations, 1):
            if a.county(region) is None:
                raise ValueError(
                    f"allocation {i} ({a.fund}, {a.amount} yuan) names no county: give the "
                    "6-digit code of the county whose fund receives it (region: ...); a file "
                    "for every region cannot give one allocation to every county"
                )
            if (
                region
                and a.region
                and not (a.region.startswith(region) or region.startswith(a.region))
            ):
                raise ValueError(
                    f"allocation {i} ({a.fund}) names county {a.region}, outside the "
                    f"file's region {region}"
                )
        return allocations

    @model_validator(mode="after")
    def _references(self) -> FundRules:
        ids = [f.id for f in self.funds]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"fund ids used twice: {', '.join(twice)}")
        layers = [lay for f in self.funds for lay in f.layers]
        twice = sorted({x for x in layers if layers.count(x) > 1})
        if twice:
            raise ValueError(f"layers in two funds: {', '.join(twice)}")
        named = [self.unassigned_fund, self.deductions_fund]
        named += [f for r in self.contributions for f in r.shares]
        named += [a.fund for a in self.allocations]
        named += [b.fund for b in self.payments.budget_limited]
        named += [f for a in self.alarms for f in a.funds if f != "insurance"]
        named += [b.fund for b in self.budget_sharing]
        unknown = sorted({f for f in named if f not in ids})
        if unknown:
            raise ValueError(f"funds not listed under `funds`: {', '.join(unknown)}")
        incomes = [r.income for r in self.contributions]
        twice = sorted({i for i in incomes if incomes.count(i) > 1})
        if twice:
            raise ValueError(f"contribution sources split twice: {', '.join(twice)}")
        cited = [self.source, *(f.source for f in self.funds)]
        cited += [r.source for r in self.contributions] + [a.source for a in self.allocations]
        pay = self.payments
        cited += [pay.prepayment.source, pay.quality_deposit.source, pay.global_budget.source]
        cited += [pay.fixed_fee.source] if pay.fixed_fee else []
        cited += [b.source for b in pay.budget_limited] + [a.source for a in self.alarms]
        cited += [b.source for b in self.budget_sharing]
        cited += [f.source for b in self.budget_sharing for f in b.factors]
        pots = [(b.fund, b.year) for b in self.budget_sharing]
        twice_pots = sorted({f"{f} {y}" for f, y in pots if pots.count((f, y)) > 1})
        if twice_pots:
            raise ValueError(f"budget pots shared twice: {', '.join(twice_pots)}")
        alarm_ids = [a.id for a in self.alarms]
        twice = sorted({i for i in alarm_ids if alarm_ids.count(i) > 1})
        if twice:
            raise ValueError(f"alarm ids used twice: {', '.join(twice)}")
        missing = sorted({s for s in cited if s not in self.sources})
        if missing:
            raise ValueError(f"sources not listed under `sources`: {', '.join(missing)}")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self

    def fund_of_layer(self) -> dict[str, str]:
        """Each named layer's fund."""
        return {lay: f.id for f in self.funds for lay in f.layers}

    def fund_ids(self) -> list[str]:
        return [f.id for f in self.funds]

    def insurance_funds(self) -> list[str]:
        """The funds financed by contributions (what the indicators call the basic medical
        insurance fund: basic and critical illness insurance)."""
        return sorted({f for r in self.contributions for f in r.shares})
