"""The dashboard's figures: indicator results shaped for its charts and tables, in the user's
language.

One read of the indicator frames (:func:`safetynet.indicators.load.load_frames`), then pure
computation: the year broken down one level below the region (townships of a county,
villages of a township), the region by month, and the distribution of persons by their
annual out-of-pocket. The same numbers feed the page's charts (a JSON blob), its table of
key figures with their definitions, and the Excel download.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from safetynet import labels
from safetynet.codes import PovertyStatus, RegionLevel, code
from safetynet.derived.frames import IndicatorFrames
from safetynet.derived.memo import remembered
from safetynet.exports.table import Column, Table
from safetynet.i18n import translations
from safetynet.indicators.compute import IndicatorQuery
from safetynet.indicators.definitions import Definition
from safetynet.indicators.load import load_frames
from safetynet.indicators.oop_bands import BAND_HEADING, OOP_BANDS_YUAN, band_labels, band_of
from safetynet.indicators.result import Figure, IndicatorResult, round_fen
from safetynet.indicators.service import NoData, result_of
from safetynet.policy.schema import LayerType

KEY_FIGURES = (
    "enrolled",
    "participation_rate",
    "funds_raised",
    "fund_utilization_rate",
    "accumulated_balance_rate",
    "persons_compensated",
    "benefit_rate",
    "compensation",
    "compensation_per_capita",
    "total_cost",
    "compensation_ratio",
    "compensation_ratio_poor",
    "policy_range_ratio",
    "visits_per_capita",
    "in_county_rate",
    "oop_per_admission_poor",
)
CHILD = {
    RegionLevel.COUNTY: RegionLevel.TOWNSHIP,
    RegionLevel.TOWNSHIP: RegionLevel.VILLAGE,
}
ORDINARY = code(PovertyStatus.ORDINARY)


@dataclass
class KeyFigure:
    definition: Definition
    figure: Figure | None


@dataclass
class Dashboard:
    region_code: str
    region_name: str
    year: int
    key: list[KeyFigure]
    charts: dict[str, Any]
    tables: list[Table] = field(default_factory=list)


def _yuan(fen: float | int | None) -> float:
    """A sum in fen as yuan (a sum over nothing is 0), to the fen by :func:`round_fen`."""
    return 0.0 if fen is None else round_fen(fen) / 100


def _yuan_or_none(fen: float | None) -> float | None:
    """An average or per-capita figure in fen as yuan, rounded to the fen half up by the
    indicators' one rule (:func:`round_fen`, as their report shows it); None (a dash, no bar)
    when it has nothing to divide by (no enrolled person, no visit), never 0."""
    return None if fen is None else round_fen(fen) / 100


def oop_distribution(frames: IndicatorFrames) -> pl.DataFrame:
    """Persons with a claim in the year by band of annual out-of-pocket, poor and others; net
    of refunds (a reversal entry has ``sign`` −1), so a person whose every claim was refunded
    has no claim and is not counted."""
    per_person = (
        frames.entries.group_by("person_id")
        .agg(
            pl.col("oop_fen").sum(),
            pl.col("category").first(),
            pl.col("sign").cast(pl.Int64).sum().alias("claims"),
        )
        .filter(pl.col("claims") > 0)
    )
    banded = per_person.with_columns(
        band_of(pl.col("oop_fen")).alias("band"), (pl.col("category") != ORDINARY).alias("poor")
    )
    counts = banded.group_by("band").agg(
        pl.col("poor").sum().alias("poor"), (~pl.col("poor")).sum().alias("others")
    )
    return (
        pl.DataFrame({"band": list(range(len(OOP_BANDS_YUAN)))}, schema={"band": pl.Int64})
        .join(counts, on="band", how="left")
        .fill_null(0)
        .sort("band")
    )


def _value(res: IndicatorResult, ind: str, **kw: Any) -> float | None:
    return res.value(ind, **kw)


def build_dashboard(db: Session, region_code: str, year: int, locale: str) -> Dashboard:
    """Every figure of the dashboard for a region and scheme year (``NoData`` when empty)."""
    _ = translations(locale).gettext
    zh = locale == "zh_Hans"
    frames = load_frames(db, region_code, year)
    if frames.is_empty():
        raise NoData(f"no enrollment and no settlements in {year} for region {region_code}", "year")
    by = CHILD.get(frames.scope_level)
    yearly = result_of(frames, IndicatorQuery("year", by, False))
    monthly = result_of(frames, IndicatorQuery("month", None, False))
    key = [KeyFigure(yearly.definition(i), yearly.figure(i)) for i in KEY_FIGURES]

    paid_by_type = {t.value: _value(yearly, "compensation", part=t.value) for t in LayerType}
    layers = [
        {"id": t, "name": _(labels.LAYER_TYPE[t]), "yuan": _yuan(paid)}
        for t, paid in paid_by_type.items()
        if paid
    ]
    levels = [
        {
            "id": lv,
            "name": _(labels.LEVEL[lv]),
            "reimbursement_share": _value(yearly, "compensation_share", part=lv),
            "visit_share": _value(yearly, "visit_share", part=lv),
            "cost_per_visit_yuan": _yuan_or_none(_value(yearly, "cost_per_visit", part=lv)),
            "cost_per_admission_yuan": _yuan_or_none(_value(yearly, "cost_per_admission", part=lv)),
        }
        for lv in labels.LEVEL
    ]
    months = [
        {
            "period": p,
            "compensation_yuan": _yuan(_value(monthly, "compensation", period=p)),
            "visits": int(_value(monthly, "visits", period=p) or 0),
            "ratio_all": _value(monthly, "compensation_ratio", period=p),
            "ratio_poor": _value(monthly, "compensation_ratio_poor", period=p),
        }
        for p in monthly.periods()
    ]
    regions = [
        {
            "code": c,
            "name": n,
            "compensation_yuan": _yuan(_value(yearly, "compensation", region_code=c)),
            "ratio": _value(yearly, "compensation_ratio", region_code=c),
            "per_capita": _yuan_or_none(_value(yearly, "compensation_per_capita", region_code=c)),
        }
        for c, n in yearly.regions()
        if c != region_code
    ]
    ratios = [r["ratio"] for r in regions if r["ratio"] is not None]
    oop = (
        oop_distribution(frames)
        if frames.version is None
        else remembered(("oop", frames.version), lambda: oop_distribution(frames))
    )
    bands = band_labels()
    oop_rows = [
        {"band": bands[b], "poor": int(p), "others": int(o)}
        for b, p, o in oop.select("band", "poor", "others").iter_rows()
    ]
    charts = {
        "labels": {
            "paid": _("Paid (yuan)"),
            "reimbursement_share": _("Share of reimbursement"),
            "visit_share": _("Share of visits"),
            "compensation_yuan": _("Compensation (yuan)"),
            "visits": _("Visits"),
            "ratio_all": _("Actual compensation ratio, everyone"),
            "ratio_poor": _("Actual compensation ratio, the poor"),
            "oop_band": _(BAND_HEADING),
            # the chart's axis: short (the table's heading states the bands' convention)
            "oop_band_axis": _("Annual out-of-pocket (yuan)"),
            "persons": _("Persons"),
            "poor": _("Poor"),
            "everyone": _("Everyone"),
            "others": _("Others"),
            "per_capita": _("Compensation per enrolled person (yuan)"),
        },
        "layers": layers,
        "levels": levels,
        "months": months,
        "townships": regions,
        "ratio_range": [min(ratios, default=0.0), max(ratios, default=1.0)],
        "oop": oop_rows,
    }
    dash = Dashboard(region_code, yearly.region_name, year, key, charts)
    dash.tables = _tables(dash, zh, _)
    return dash


def _tables(d: Dashboard, zh: bool, _: Any) -> list[Table]:
    locale = "zh" if zh else "en"
    c = d.charts
    key_rows = []
    for k in d.key:
        f, unit = k.figure, k.definition.unit
        value = None if f is None else f.value
        key_rows.append(
            (
                k.definition.name(locale),
                value if unit == "ratio" else None,
                round_fen(value) if value is not None and unit in ("money", "money_per") else None,
                value if value is not None and unit in ("count", "count_per") else None,
                "" if f is None else f.explain(),
                k.definition.formula(locale),
            )
        )
    where = f"{d.region_name} · {d.year}"
    return [
        Table(
            _("Key figures"),
            [
                Column("name", _("Indicator"), width=34),
                Column("ratio", _("Ratio"), "ratio"),
                Column("money", _("Yuan"), "money"),
                Column("count", _("Number"), "number"),
                Column("explain", _("Numerator ÷ denominator"), width=34),
                Column("formula", _("Definition"), width=60),
            ],
            key_rows,
            note=where,
        ),
        Table(
            _("Spending by layer"),
            [
                Column("name", _("Layer"), width=30),
                Column("paid", _("Paid (yuan)"), "number"),
            ],
            [(r["name"], r["yuan"]) for r in c["layers"]],
            note=where,
        ),
        Table(
            _("By institution level"),
            [
                Column("name", _("Level"), width=24),
                Column("reimbursement_share", _("Share of reimbursement"), "ratio"),
                Column("visit_share", _("Share of visits"), "ratio"),
                Column("cost_per_visit", _("Average cost per visit (yuan)"), "number"),
                Column("cost_per_admission", _("Average cost per admission (yuan)"), "number"),
            ],
            [
                (
                    r["name"],
                    r["reimbursement_share"],
                    r["visit_share"],
                    r["cost_per_visit_yuan"],
                    r["cost_per_admission_yuan"],
                )
                for r in c["levels"]
            ],
            note=where,
        ),
        Table(
            _("Monthly trend"),
            [
                Column("period", _("Month")),
                Column("compensation", _("Compensation (yuan)"), "number"),
                Column("visits", _("Visits"), "count"),
                Column("ratio_all", _("Actual compensation ratio, everyone"), "ratio"),
                Column("ratio_poor", _("Actual compensation ratio, the poor"), "ratio"),
            ],
            [
                (r["period"], r["compensation_yuan"], r["visits"], r["ratio_all"], r["ratio_poor"])
                for r in c["months"]
            ],
            note=where,
        ),
        Table(
            _("By region"),
            [
                Column("code", _("Code")),
                Column("name", _("Region"), width=24),
                Column("compensation", _("Compensation (yuan)"), "number"),
                Column("ratio", _("Actual compensation ratio, everyone"), "ratio"),
                Column("per_capita", _("Compensation per enrolled person (yuan)"), "number"),
            ],
            [
                (r["code"], r["name"], r["compensation_yuan"], r["ratio"], r["per_capita"])
                for r in c["townships"]
            ],
            note=where,
        ),
        Table(
            _("Out-of-pocket distribution"),
            [
                Column("band", _(BAND_HEADING)),
                Column("poor", _("Poor"), "count"),
                Column("others", _("Others"), "count"),
            ],
            [(r["band"], r["poor"], r["others"]) for r in c["oop"]],
            note=where,
        ),
    ]
