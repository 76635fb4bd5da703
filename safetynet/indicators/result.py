"""The result interfaces read: the long frame of figures, with lookups and the definitions.

``IndicatorResult.frame`` has one row per indicator, part, region, period and category
(``compute.RESULT_SCHEMA``). ``value`` is in the indicator's unit: a fraction for ratios, fen
for money (totals and averages), a count or an average count otherwise; ``numerator`` and
``denominator`` (integers: fen or counts) say where it comes from and re-aggregate. A row
that is absent is an indicator undefined there (its denominator would be 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from safetynet.indicators.compute import IndicatorQuery, period_labels
from safetynet.indicators.definitions import Convention, Definition, definitions
from safetynet.money import fmt_yuan


@dataclass(frozen=True)
class Figure:
    """One number with what it is made of and its definition."""

    definition: Definition
    value: float
    numerator: int
    denominator: int | None

    def display(self) -> str:
        """The value as shown: a percentage, yuan, a count or an average."""
        unit = self.definition.unit
        if unit == "ratio":
            return f"{self.value * 100:.2f}%"
        if unit in ("money", "money_per"):
            return fmt_yuan(round_fen(self.value))
        if unit == "count":
            return f"{int(self.value):,}"
        return f"{self.value:,.2f}"

    def explain(self) -> str:
        """``numerator ÷ denominator`` in the unit's terms (yuan for money)."""
        unit = self.definition.unit
        money_num = unit in ("money", "money_per") or (
            unit == "ratio" and self.definition.id in _MONEY_RATIOS
        )
        num = fmt_yuan(self.numerator) if money_num else f"{self.numerator:,}"
        if self.denominator is None:
            return num
        money_den = unit == "ratio" and self.definition.id in _MONEY_RATIOS
        den = fmt_yuan(self.denominator) if money_den else f"{self.denominator:,}"
        return f"{num} ÷ {den}"


_MONEY_RATIOS = {
    "fund_utilization_rate",
    "accumulated_balance_rate",
    "compensation_ratio",
    "compensation_ratio_poor",
    "inpatient_compensation_ratio_poor",
    "policy_range_ratio",
    "compensation_share",
}


def round_fen(value: float) -> int:
    """A fen amount (an average) to whole fen, half up."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def _text(v: str | StrEnum | None) -> str | None:
    return None if v is None else str(v.value if isinstance(v, StrEnum) else v)


@dataclass(frozen=True)
class IndicatorResult:
    """The indicators of a region and year, by the query's periods, regions and categories."""

    frame: pl.DataFrame
    region_code: str
    region_name: str
    year: int
    query: IndicatorQuery

    # -- what is in it -------------------------------------------------------------------
    def periods(self) -> list[str]:
        return period_labels(self.year, self.query.period)

    def regions(self) -> list[tuple[str, str]]:
        """(code, name) of the breakdown regions, in code order, then the region itself."""
        pairs = self.frame.select("region_code", "region_name").unique().sort("region_code")
        rows = [(str(c), str(n)) for c, n in pairs.iter_rows() if c != self.region_code]
        return [*rows, (self.region_code, self.region_name)]

    def categories(self) -> list[str | None]:
        """None (all categories) first, then the categories present."""
        found = self.frame["category"].drop_nulls().unique().sort().to_list()
        return [None, *(str(c) for c in found)]

    def definitions(self) -> list[Definition]:
        """Every indicator's definition, in report order."""
        return list(definitions().indicators)

    def definition(self, indicator_id: str) -> Definition:
        return definitions().by_id()[indicator_id]

    def conventions(self) -> list[Convention]:
        return list(definitions().conventions)

    # -- lookups -------------------------------------------------------------------------
    def rows(
        self,
        indicator_id: str,
        *,
        region_code: str | None = None,
        period: str | None = None,
        category: str | StrEnum | None = None,
        part: str | StrEnum | None = None,
        every_part: bool = False,
    ) -> pl.DataFrame:
        """The rows of an indicator for a region (default: the region itself), period
        (default: the only one), category (None: all) and part (None: the whole; with
        ``every_part`` the parts too)."""
        region = region_code or self.region_code
        if period is None:
            labels = self.periods()
            if len(labels) != 1:
                raise ValueError(f"give a period: one of {labels[0]} … {labels[-1]}")
            period = labels[0]
        f = self.frame
        checks = {
            "indicator": indicator_id,
            "region_code": region,
            "period": period,
            "category": _text(category),
            "part": _text(part),
        }
        for col, want in checks.items():
            if want is not None and want not in f.schema[col].categories:  # type: ignore[attr-defined]
                return f.clear()
        cond = (
            (pl.col("indicator") == indicator_id)
            & (pl.col("region_code") == region)
            & (pl.col("period") == period)
        )
        cat = checks["category"]
        cond &= pl.col("category").is_null() if cat is None else pl.col("category") == cat
        if not every_part:
            p = checks["part"]
            cond &= pl.col("part").is_null() if p is None else pl.col("part") == p
        return f.filter(cond)

    def figure(
        self,
        indicator_id: str,
        region_code: str | None = None,
        period: str | None = None,
        category: str | StrEnum | None = None,
        part: str | StrEnum | None = None,
    ) -> Figure | None:
        """The number with its numerator, denominator and definition; None where undefined."""
        found = self.rows(
            indicator_id, region_code=region_code, period=period, category=category, part=part
        )
        if found.is_empty():
            return None
        row = found.row(0, named=True)
        return Figure(
            self.definition(indicator_id), row["value"], row["numerator"], row["denominator"]
        )

    def value(
        self,
        indicator_id: str,
        region_code: str | None = None,
        period: str | None = None,
        category: str | StrEnum | None = None,
        part: str | StrEnum | None = None,
    ) -> float | None:
        """The value (unit of the definition: fraction, fen, count); None where undefined."""
        fig = self.figure(indicator_id, region_code, period, category, part)
        return None if fig is None else fig.value
