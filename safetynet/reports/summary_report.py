"""The annual work summary of a county (or township) and year, as PDF and Excel.

The figures the counties' own summaries report (seeds 001 and 004): enrollment and the funds
raised by source; the fund's use and balance; visits, admissions and costs by institution
level; compensation, persons benefiting and the actual compensation ratio; and the poor under
the comprehensive policy — person-times settled, cost, compensation by layer, ratio,
in-county treatment, out-of-pocket per admission. Opening sentences state the headline
figures; every figure comes from the indicators service (one read of the ledger and the
registry), and the definitions close the document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from reportlab.platypus import Flowable, Spacer

from safetynet import labels
from safetynet.codes import InstitutionLevel, PovertyStatus
from safetynet.exports.pdf import BODY, text, write_pdf
from safetynet.exports.table import Cell, Column, ColumnKind, Table
from safetynet.exports.xlsx import xlsx_bytes
from safetynet.i18n import translations
from safetynet.indicators.result import IndicatorResult, round_fen
from safetynet.indicators.tables import definitions_table, part_name
from safetynet.money import fmt_yuan
from safetynet.policy.schema import LayerType
from safetynet.ratios import percent_text

KIND: dict[str, ColumnKind] = {
    "ratio": "ratio", "money": "money", "money_per": "money", "count": "count",
    "count_per": "number",
}  # fmt: skip
POOR = [s.value for s in PovertyStatus if s is not PovertyStatus.ORDINARY]


@dataclass
class Summary:
    title: str
    sentences: list[str]
    tables: list[Table]


def _poor_sum(res: IndicatorResult, indicator: str, part: str | None = None) -> int:
    """An additive indicator's numerator summed over the poor categories (the region itself)."""
    f = res.frame.filter(
        (pl.col("indicator") == indicator)
        & (pl.col("region_code") == res.region_code)
        & pl.col("category").cast(pl.String).is_in(POOR)
        & (pl.col("part").is_null() if part is None else pl.col("part") == part)
    )
    return int(f["numerator"].sum() or 0)


def build_summary(res: IndicatorResult, locale: str) -> Summary:
    """The summary of an indicator result computed by year with ``by_category=True``."""
    _ = translations(locale).gettext
    lang = "zh" if locale.startswith("zh") else "en"

    def item(indicator: str, part: str | None = None, label: str | None = None) -> tuple:  # type: ignore[type-arg]
        d = res.definition(indicator)
        fig = res.figure(indicator, part=part)
        name = label or (
            d.name(lang) if part is None else f"{d.name(lang)} · {part_name(part, d.parts, lang)}"
        )
        value = None if fig is None else fig.value
        if value is not None and d.unit in ("money", "money_per"):
            value = round_fen(value)
        return (name, Cell(value, KIND[d.unit]), "" if fig is None else fig.explain())

    cols = [Column("item", _("Item"), width=44), Column("value", _("Value"), "number"),
            Column("from", _("Numerator ÷ denominator"), width=40)]  # fmt: skip
    levels = [lv.value for lv in InstitutionLevel]

    def table(title: str, rows: list[tuple]) -> Table:  # type: ignore[type-arg]
        return Table(title, cols, [r for r in rows if r[1].value is not None])

    enrollment = table(_("Enrollment and funds raised"), [
        item("enrolled"), item("participation_rate"), item("funds_raised"),
        *(item("funds_raised", part=p) for p in _parts(res, "funds_raised")),
    ])  # fmt: skip
    fund = table(_("The fund"), [
        item("compensation"), item("fund_utilization_rate"), item("accumulated_balance_rate"),
        item("compensation_per_capita"), item("persons_compensated"), item("benefit_rate"),
        item("compensation_per_person_compensated"),
    ])  # fmt: skip
    use = table(_("Visits and costs by institution level"), [
        item("visits"), item("admissions"), item("visits_per_capita"), item("admission_rate"),
        *(item("visit_share", part=lv) for lv in levels),
        *(item("cost_per_visit", part=lv, label=_level_label(_, lv, "visit")) for lv in levels),
        *(item("cost_per_admission", part=lv, label=_level_label(_, lv, "admission"))
          for lv in levels),
        item("in_county_rate"), item("in_county_admission_rate"),
    ])  # fmt: skip
    compensation = table(_("Compensation"), [
        item("total_cost"), item("compensation"), item("compensation_ratio"),
        item("policy_range_ratio"),
        *(item("compensation_share", part=lv) for lv in levels),
        *(item("compensation_ratio", part=lv, label=_level_label(_, lv, "ratio"))
          for lv in levels),
    ])  # fmt: skip
    poor_visits = _poor_sum(res, "visits") + _poor_sum(res, "admissions")
    poor_cost = _poor_sum(res, "total_cost")
    poor_paid = _poor_sum(res, "compensation")
    poor_by_layer = {t: _poor_sum(res, "compensation", t.value) for t in LayerType}
    by_layer = [
        (_(labels.LAYER_TYPE[t.value]), Cell(paid, "money"), "")
        for t, paid in poor_by_layer.items()
        if paid
    ]
    poor = table(_("The poor under the comprehensive policy"), [
        (_("Person-times settled (visits and admissions)"), Cell(poor_visits, "count"), ""),
        (_("Total cost"), Cell(poor_cost, "money"), ""),
        (_("Compensated by all layers"), Cell(poor_paid, "money"), ""),
        *by_layer,
        item("compensation_ratio_poor"), item("inpatient_compensation_ratio_poor"),
        item("oop_per_admission_poor"),
    ])  # fmt: skip
    sentences = _sentences(res, _, poor_visits, poor_cost, poor_paid)
    title = _("Annual work summary: %(region)s, %(year)s") % {
        "region": res.region_name, "year": res.year,
    }  # fmt: skip
    return Summary(title, sentences, [enrollment, fund, use, compensation, poor,
                                      definitions_table(res, locale)])  # fmt: skip


def _parts(res: IndicatorResult, indicator: str) -> list[str]:
    f = res.frame.filter(
        (pl.col("indicator") == indicator)
        & pl.col("part").is_not_null()
        & (pl.col("region_code") == res.region_code)
        & pl.col("category").is_null()
    )
    return [str(p) for p in f["part"].unique(maintain_order=True).to_list()]


def _level_label(_: Callable[[str], str], level: str, what: str) -> str:
    name = _(labels.LEVEL[level])
    if what == "visit":
        return _("Average cost per outpatient visit, %(level)s") % {"level": name}
    if what == "admission":
        return _("Average cost per admission, %(level)s") % {"level": name}
    return _("Actual compensation ratio, %(level)s") % {"level": name}


def _pct(v: float | None) -> str:
    return percent_text(v, 2)


def _sentences(
    res: IndicatorResult, _: Callable[[str], str], visits: int, cost: int, paid: int
) -> list[str]:
    v = res.value
    out = [
        _("%(enrolled)s persons were enrolled, a participation rate of %(rate)s; the fund "
           "raised %(raised)s yuan.") % {
            "enrolled": f"{int(v('enrolled') or 0):,}", "rate": _pct(v("participation_rate")),
            "raised": fmt_yuan(int(v("funds_raised") or 0)),
        },
        _("All layers together compensated %(paid)s yuan of a total cost of %(cost)s yuan: an "
           "actual compensation ratio of %(ratio)s; %(persons)s persons benefited (%(rate)s).") % {
            "paid": fmt_yuan(int(v("compensation") or 0)),
            "cost": fmt_yuan(int(v("total_cost") or 0)),
            "ratio": _pct(v("compensation_ratio")),
            "persons": f"{int(v('persons_compensated') or 0):,}", "rate": _pct(v("benefit_rate")),
        },
    ]  # fmt: skip
    if visits:
        out.append(_(
            "The poor were settled %(visits)s times under the comprehensive policy: total cost "
            "%(cost)s yuan, compensated %(paid)s yuan, an actual compensation ratio of "
            "%(ratio)s; %(in_county)s of all visits were in the county.") % {
            "visits": f"{visits:,}", "cost": fmt_yuan(cost), "paid": fmt_yuan(paid),
            "ratio": _pct(paid / cost if cost else None), "in_county": _pct(v("in_county_rate")),
        })  # fmt: skip
    return out


def summary_pdf(s: Summary, locale: str) -> bytes:
    intro: list[Flowable] = [text(line, BODY) for line in s.sentences]
    intro.append(Spacer(1, 8))
    return write_pdf(s.title, s.tables, intro=intro)


def summary_xlsx(s: Summary) -> bytes:
    head = Table(s.title, [Column("text", "", width=120)], [(line,) for line in s.sentences])
    return xlsx_bytes([head, *s.tables])
