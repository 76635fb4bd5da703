"""The indicators, computed from :class:`IndicatorFrames` — pure, vectorised Polars, no I/O.

Three group-bys do the work, whatever the breakdown: the ledger entries by (region, category,
period, level, kind, in-county) into sums; the entries by (person, period) for the persons
compensated; the persons by (region, category) for enrollment and contributions. The sums
are pivoted into one wide row per (region, category, period) *cell*; every figure is additive
over regions and categories, so the region's own total and the all-categories rows are sums
of cells. Each indicator is then a numerator and a denominator column of the cells (money in
integer fen, counts as integers) and the long result is their stack, with
``value = numerator / denominator`` as the only floating-point step (``numerator`` itself
when the indicator has no denominator). Rows whose denominator is 0 are left out: the
indicator is undefined there. Definitions: ``definitions.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, get_args

import polars as pl

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus, RegionLevel, code
from safetynet.derived.frames import (
    BREAKDOWN_LEVELS,
    CATEGORIES,
    FUND_TYPES,
    LEVELS,
    PAYER_COLUMNS,
    PAYERS,
    REGION_KEYS,
    IndicatorFrames,
    pay_column,
)
from safetynet.derived.layers import LAYER_TYPES
from safetynet.policy.contribution import Payer
from safetynet.policy.schema import LayerType

Period = Literal["month", "quarter", "year"]
PERIODS: tuple[str, ...] = get_args(Period)
N_PERIODS = {"month": 12, "quarter": 4, "year": 1}
_ORDER = [RegionLevel.PROVINCE, RegionLevel.CITY, *BREAKDOWN_LEVELS]
INPATIENT = code(ClaimKind.INPATIENT)
ORDINARY = code(PovertyStatus.ORDINARY)
KEYS = ["region", "category", "period"]


class QueryError(ValueError):
    """A query the frames cannot answer (a breakdown above the region, an unknown period)."""


@dataclass(frozen=True)
class IndicatorQuery:
    """What to compute: the period granularity, the regions to break down into (``by``: a level
    at or below the frames' region; None = the region itself) and whether to break down by
    person category too (the all-categories rows are always there)."""

    period: Period = "year"
    by: RegionLevel | None = None
    by_category: bool = False


def period_labels(year: int, period: Period) -> list[str]:
    """``2017-01`` … ``2017-12``, ``2017-Q1`` … ``2017-Q4``, or ``2017``."""
    if period == "month":
        return [f"{year}-{m:02d}" for m in range(1, 13)]
    if period == "quarter":
        return [f"{year}-Q{q}" for q in range(1, 5)]
    return [str(year)]


def _period_expr(period: Period) -> pl.Expr:
    month = pl.col("month")
    if period == "month":
        return month
    if period == "quarter":
        return ((month - 1) // 3 + 1).cast(pl.UInt8)
    return pl.lit(1, pl.UInt8)


def region_key(frames: IndicatorFrames, query: IndicatorQuery) -> str | None:
    """The frames' column holding the breakdown region, or None for the region itself."""
    if query.period not in PERIODS:
        raise QueryError(f"unknown period {query.period!r}: one of {', '.join(PERIODS)}")
    if query.by is None:
        return None
    by = RegionLevel(query.by)
    if by not in BREAKDOWN_LEVELS:
        raise QueryError(f"cannot break down by {by.value}: county, township or village")
    scope = frames.scope_level
    if _ORDER.index(by) < _ORDER.index(scope):
        raise QueryError(
            f"cannot break region {frames.region_code} (a {scope.value}) down by {by.value}"
        )
    return None if by == scope else REGION_KEYS[by]


# -- stage 1: sums ---------------------------------------------------------------------------
def _lv(name: str, level: InstitutionLevel) -> str:
    return f"{name}_{level.value}"


def _entry_sums(entries: pl.LazyFrame, region: pl.Expr, period: Period) -> pl.LazyFrame:
    """Sums of the entries by cell, level, kind and in-county; then pivoted into cell columns."""
    sums = entries.group_by(
        region.alias("region"), "category", _period_expr(period).alias("period"),
        "level", "kind", "in_county",
    ).agg(
        pl.col("sign").cast(pl.Int64).sum().alias("n"),
        *(pl.col(c).sum() for c in ("total_fen", "compliant_fen", "paid_fen", "oop_fen")),
        *(pl.col(pay_column(t)).sum() for t in LAYER_TYPES),
    )  # fmt: skip
    n, total, paid = pl.col("n"), pl.col("total_fen"), pl.col("paid_fen")
    inpatient = pl.col("kind") == INPATIENT
    poor = pl.col("category") != ORDINARY
    in_county = pl.col("in_county")

    def when(cond: pl.Expr, value: pl.Expr, name: str) -> pl.Expr:
        return pl.when(cond).then(value).otherwise(0).alias(name)

    cols: list[pl.Expr] = [
        n.alias("claims"),
        when(~inpatient, n, "visits"),
        when(inpatient, n, "admissions"),
        when(~inpatient, total, "visit_cost"),
        when(inpatient, total, "admission_cost"),
        total.alias("total"),
        paid.alias("paid"),
        pl.col("compliant_fen").alias("compliant"),
        when(poor, total, "poor_total"),
        when(poor, paid, "poor_paid"),
        when(poor & inpatient, n, "poor_admissions"),
        when(poor & inpatient, pl.col("oop_fen"), "poor_admission_oop"),
        when(poor & inpatient, total, "poor_admission_cost"),
        when(poor & inpatient, paid, "poor_admission_paid"),
        when(in_county, n, "in_county_claims"),
        when(in_county & inpatient, n, "in_county_admissions"),
        *(pl.col(pay_column(t)).alias(t.value) for t in LAYER_TYPES),
    ]
    for i, lv in enumerate(LEVELS):
        at = pl.col("level") == i
        cols += [
            when(at & ~inpatient, n, _lv("visits", lv)),
            when(at & inpatient, n, _lv("admissions", lv)),
            when(at & ~inpatient, total, _lv("visit_cost", lv)),
            when(at & inpatient, total, _lv("admission_cost", lv)),
            when(at, total, _lv("total", lv)),
            when(at, paid, _lv("paid", lv)),
        ]
    return sums.select(*KEYS, *cols).group_by(KEYS).agg(pl.all().sum())


def _compensated(entries: pl.LazyFrame, region: pl.Expr, period: Period) -> pl.LazyFrame:
    """Persons whose net compensation in the period is positive, counted by cell."""
    keys = ["person_id"] if period == "year" else ["person_id", "period"]
    per_person = (
        entries.with_columns(_period_expr(period).alias("period"))
        .group_by(keys)
        .agg(
            pl.col("paid_fen").sum(),
            region.first().alias("region"),
            pl.col("category").first(),
            *([] if period != "year" else [pl.lit(1, pl.UInt8).alias("period")]),
        )
    )
    return (
        per_person.filter(pl.col("paid_fen") > 0)
        .group_by(KEYS)
        .agg(pl.len().cast(pl.Int64).alias("persons_compensated"))
    )


def _person_sums(persons: pl.LazyFrame, region: pl.Expr) -> pl.LazyFrame:
    return persons.group_by(region.alias("region"), "category").agg(
        pl.col("enrolled").cast(pl.Int64).sum(),
        pl.col("living").cast(pl.Int64).sum(),
        (pl.col("enrolled") & pl.col("living")).cast(pl.Int64).sum().alias("enrolled_living"),
        *(
            pl.col(c).sum().alias(f"raised_{p.value}")
            for p, c in zip(PAYERS, PAYER_COLUMNS, strict=True)
        ),
        pl.col("prior_raised_fen").sum().alias("prior_raised"),
        pl.col("prior_fund_fen").sum().alias("prior_fund"),
    )  # fmt: skip


# -- stage 2: cells ---------------------------------------------------------------------------
def cells(frames: IndicatorFrames, query: IndicatorQuery) -> pl.DataFrame:
    """One wide row per (region, category, period) with every base figure (see the module),
    sorted by region, period and category (null: all categories, first)."""
    key = region_key(frames, query)
    region = pl.col(key) if key else pl.lit(frames.scope_idx, pl.UInt32)
    entries, persons = frames.entries.lazy(), frames.persons.lazy()
    sums, paid_persons, people = pl.collect_all(
        [
            _entry_sums(entries, region, query.period),
            _compensated(entries, region, query.period),
            _person_sums(persons, region),
        ]
    )
    periods = pl.DataFrame(
        {"period": list(range(1, N_PERIODS[query.period] + 1))}, schema={"period": pl.UInt8}
    )
    grid = (
        pl.concat([people.select("region", "category"), sums.select("region", "category")])
        .unique()
        .join(periods, how="cross")
    )
    wide = (
        grid.join(sums, on=KEYS, how="left", nulls_equal=True)
        .join(paid_persons, on=KEYS, how="left", nulls_equal=True)
        .join(people, on=["region", "category"], how="left", nulls_equal=True)
    )
    fund = pl.sum_horizontal(pl.col(t.value) for t in FUND_TYPES)
    wide = (
        wide.with_columns(pl.all().exclude(KEYS).fill_null(0))
        .sort(KEYS, nulls_last=True)
        .with_columns(fund.alias("fund"))
        .with_columns(pl.col("fund").cum_sum().over(["region", "category"]).alias("fund_ytd"))
    )
    rows = _all_categories(wide)
    if query.by_category:
        rows = pl.concat([rows, wide])
    if key is not None:  # the region's own total, then only the regions at the breakdown level
        total = rows.group_by("category", "period").agg(pl.all().exclude("region").sum())
        total = total.with_columns(pl.lit(frames.scope_idx, pl.UInt32).alias("region"))
        rows = pl.concat([rows.filter(pl.col("region").is_not_null()), total], how="diagonal")
    return rows.sort("region", "period", "category", nulls_last=False)


def _all_categories(wide: pl.DataFrame) -> pl.DataFrame:
    return (
        wide.group_by("region", "period")
        .agg(pl.all().exclude("category").sum())
        .with_columns(pl.lit(None, pl.UInt8).alias("category"))
        .select(wide.columns)
    )


# -- stage 3: indicators ------------------------------------------------------------------------
Part = InstitutionLevel | Payer | LayerType
Spec = tuple[str, Part | None, pl.Expr, pl.Expr | None]  # id, part, numerator, denominator
PART_KINDS: dict[type, str] = {
    InstitutionLevel: "institution_level",
    Payer: "payer",
    LayerType: "layer_type",
}


def _c(name: str) -> pl.Expr:
    return pl.col(name)


def specs() -> Iterator[Spec]:
    """Every indicator row of a cell: (indicator id, part, numerator, denominator)."""
    raised = pl.sum_horizontal(_c(f"raised_{p.value}") for p in PAYERS)
    enrolled = _c("enrolled")
    yield "enrolled", None, enrolled, None
    yield "participation_rate", None, _c("enrolled_living"), _c("living")
    yield "funds_raised", None, raised, None
    for p in PAYERS:
        yield "funds_raised", p, _c(f"raised_{p.value}"), None
    yield "fund_utilization_rate", None, _c("fund_ytd"), raised
    balance = _c("prior_raised") + raised - _c("prior_fund") - _c("fund_ytd")
    yield "accumulated_balance_rate", None, balance, raised
    yield "persons_compensated", None, _c("persons_compensated"), None
    yield "benefit_rate", None, _c("persons_compensated"), enrolled
    yield "compensation", None, _c("paid"), None
    for t in LAYER_TYPES:
        yield "compensation", t, _c(t.value), None
    yield "compensation_per_capita", None, _c("paid"), enrolled
    yield "compensation_per_person_compensated", None, _c("paid"), _c("persons_compensated")
    yield "total_cost", None, _c("total"), None
    yield "compensation_ratio", None, _c("paid"), _c("total")
    for lv in LEVELS:
        yield "compensation_ratio", lv, _c(_lv("paid", lv)), _c(_lv("total", lv))
    yield "compensation_ratio_poor", None, _c("poor_paid"), _c("poor_total")
    yield (
        "inpatient_compensation_ratio_poor",
        None,
        _c("poor_admission_paid"),
        _c("poor_admission_cost"),
    )
    yield "policy_range_ratio", None, _c(LayerType.BASIC.value), _c("compliant")
    for lv in LEVELS:
        yield "compensation_share", lv, _c(_lv("paid", lv)), _c("paid")
    yield "visits", None, _c("visits"), None
    yield "admissions", None, _c("admissions"), None
    for lv in LEVELS:
        yield "visit_share", lv, _c(_lv("visits", lv)), _c("visits")
    yield "visits_per_capita", None, _c("visits"), enrolled
    yield "admission_rate", None, _c("admissions"), enrolled
    yield "cost_per_visit", None, _c("visit_cost"), _c("visits")
    for lv in LEVELS:
        yield "cost_per_visit", lv, _c(_lv("visit_cost", lv)), _c(_lv("visits", lv))
    yield "cost_per_admission", None, _c("admission_cost"), _c("admissions")
    for lv in LEVELS:
        yield "cost_per_admission", lv, _c(_lv("admission_cost", lv)), _c(_lv("admissions", lv))
    yield "in_county_rate", None, _c("in_county_claims"), _c("claims")
    yield "in_county_admission_rate", None, _c("in_county_admissions"), _c("admissions")
    yield "oop_per_admission_poor", None, _c("poor_admission_oop"), _c("poor_admissions")


def indicator_ids() -> list[str]:
    """The indicator ids in report order (each once)."""
    return list(dict.fromkeys(s[0] for s in specs()))


def indicator_parts() -> dict[str, str | None]:
    """Each indicator's kind of parts: ``institution_level``, ``payer``, ``layer_type`` or None."""
    out: dict[str, str | None] = {}
    for ind, part, _, _ in specs():
        out.setdefault(ind, None)
        if part is not None:
            out[ind] = PART_KINDS[type(part)]
    return out


PARTS: list[str] = [
    *(lv.value for lv in InstitutionLevel),
    *(p.value for p in PAYERS),
    *(t.value for t in LAYER_TYPES),
]
INDICATOR_ENUM = pl.Enum(indicator_ids())
PART_ENUM = pl.Enum(list(dict.fromkeys(PARTS)))
CATEGORY_ENUM = pl.Enum([c.value for c in CATEGORIES])
RESULT_SCHEMA: dict[str, pl.DataType] = {
    "indicator": INDICATOR_ENUM,
    "part": PART_ENUM,
    "region_code": pl.String(),
    "region_name": pl.String(),
    "period": pl.String(),
    "category": CATEGORY_ENUM,
    "value": pl.Float64(),
    "numerator": pl.Int64(),
    "denominator": pl.Int64(),
}


def _stack(wide: pl.DataFrame) -> pl.DataFrame:
    """The indicators of every cell, stacked in spec order (cells keep their order)."""
    ids = indicator_ids()
    parts = PART_ENUM.categories.to_list()
    frames = []
    for ind, part, num, den in specs():
        frames.append(
            wide.select(
                pl.lit(ids.index(ind), pl.UInt32).alias("indicator"),
                pl.lit(None if part is None else parts.index(part.value), pl.UInt32).alias("part"),
                *KEYS,
                num.cast(pl.Int64).alias("numerator"),
                (den.cast(pl.Int64) if den is not None else pl.lit(None, pl.Int64)).alias(
                    "denominator"
                ),
            )
        )
    long = pl.concat(frames).filter(pl.col("denominator").fill_null(1) != 0)
    num, den = pl.col("numerator"), pl.col("denominator")
    return long.with_columns(
        pl.when(den.is_null()).then(num.cast(pl.Float64)).otherwise(num / den).alias("value")
    )


def compute(frames: IndicatorFrames, query: IndicatorQuery) -> pl.DataFrame:
    """The long result (``RESULT_SCHEMA``): one row per indicator, part, region, period and
    category (null: all categories), in that order."""
    long = _stack(cells(frames, query))
    codes = pl.Enum(frames.regions["code"].to_list())
    names = frames.regions["name"].cast(pl.Categorical)
    labels = pl.Enum(period_labels(frames.year, query.period))
    region = long["region"]
    return pl.DataFrame(
        [
            _to_enum(long["indicator"], INDICATOR_ENUM),
            _to_enum(long["part"], PART_ENUM),
            _to_enum(region, codes).alias("region_code"),
            names.gather(region).alias("region_name"),
            _to_enum(long["period"].cast(pl.UInt32) - 1, labels),
            _to_enum(long["category"], CATEGORY_ENUM),
            long["value"],
            long["numerator"],
            long["denominator"],
        ]
    )


def _to_enum(physical: pl.Series, enum: pl.Enum) -> pl.Series:
    return physical.cast(pl.UInt32).cat.to(enum).alias(physical.name)  # type: ignore[attr-defined]
