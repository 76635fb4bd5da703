"""The programme's figures as report tables for the dashboard, its workbook and the annual
summary (the web only renders them): one row per indicator and batch, with value, numerator,
denominator and definition; and one row per clinical pathway with its rules (expected stay,
designated hospitals, fixed fees) and its patients' admissions: entered, completed, and how
many deviated for each reason."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy.orm import Session

from safetynet.exports.table import Cell, Column, Table
from safetynet.i18n import N_, gettext_for
from safetynet.indicators.definitions import definitions
from safetynet.labels import LEVEL
from safetynet.money import fmt_yuan, yuan_text
from safetynet.programmes.named import institution_names
from safetynet.programmes.pathways import REASONS
from safetynet.programmes.rates import COMPUTED
from safetynet.programmes.rules import rules_for
from safetynet.programmes.service import pathway_admissions, rates
from safetynet.programmes.tables import REASON_NAMES

BATCH_NAMES = {"serious": N_("serious diseases"), "critical": N_("critical illness"),
               "chronic": N_("chronic diseases")}  # fmt: skip
KIND = {"count": "count", "money": "money", "ratio": "ratio"}


def programme_rows(frame: pl.DataFrame) -> list[dict[str, object]]:
    """The whole-region rows of a year (period = the year) in definition order."""
    order = {k: i for i, k in enumerate(COMPUTED)}
    parts = ["serious", "critical", "chronic", None]
    rows = frame.to_dicts()
    return sorted(rows, key=lambda r: (order[r["indicator"]], parts.index(r["part"])))


def programme_table(session: Session, region_code: str, year: int, locale: str) -> Table | None:
    """The table of the region's year; None when the region has no programme data."""
    frame = rates(session, year, region_code)
    if frame.is_empty() or not frame["denominator"].sum():
        return None
    _ = gettext_for(locale)
    defs = definitions().by_id()
    rows = []
    for r in programme_rows(frame):
        d = defs[r["indicator"]]
        kind = KIND[d.unit]
        part = _(BATCH_NAMES[r["part"]]) if r["part"] else _("all")
        shown = r["value"] if d.unit != "count" else r["numerator"]
        explain = ""
        if r["indicator"] == "fixed_fee_cost_ratio":
            explain = f"{fmt_yuan(r['numerator'])} ÷ {fmt_yuan(r['denominator'])}"
        elif d.unit == "ratio":
            explain = f"{r['numerator']:,} ÷ {r['denominator']:,}"
        rows.append((d.name(locale), part, Cell(shown, kind), explain, d.formula(locale)))
    columns = [
        Column("indicator", _("Indicator"), "text", 28), Column("part", _("Batch"), "text", 14),
        Column("value", _("Value"), "number", 14),
        Column("explain", _("Numerator ÷ denominator"), "text", 24),
        Column("definition", _("Definition"), "text", 60),
    ]  # fmt: skip
    title = _("Three batches and family-doctor contracts, %(year)s") % {"year": year}
    return Table(title, columns, rows, sheet=_("Three batches"))


def pathway_table(session: Session, region_code: str, year: int, locale: str) -> Table | None:
    """The clinical pathways of the region's year and their programme patients' admissions;
    None when no pathway is in force."""
    rules = rules_for(region_code, dt.date(year, 12, 31))
    if not rules.pathways:
        return None
    _ = gettext_for(locale)
    found = pathway_admissions(session, year, region_code)
    zh = locale.startswith("zh")
    rows = []
    for pw in rules.pathways:
        mine = found.filter(pl.col("pathway") == pw.id)
        where = pw.designation(dt.date(year, 12, 31))
        if where is None:
            designated = _("none")
        else:
            sep = "、" if zh else ", "
            names = institution_names(session, where.institutions)  # a named hospital
            levels = sep.join([*(_(LEVEL[lv.value]) for lv in where.levels),
                               *(names.get(c, c) for c in where.institutions)])  # fmt: skip
            designated = _("%(levels)s, in the county only") % {"levels": levels} if (
                where.in_county_only) else levels  # fmt: skip
        fees = " / ".join(
            f"{_(LEVEL[f.level.value])} {yuan_text(f.fee)}"
            for f in rules.fixed_fees if f.code == pw.code
        )  # fmt: skip
        reasons = mine.get_column("reasons").explode().drop_nulls().to_list()
        rows.append((
            f"{pw.name_zh if zh else pw.name_en} ({pw.code})",
            _("%(low)s–%(high)s days") % {"low": pw.stay.min_days, "high": pw.stay.max_days},
            designated, fees, mine.height, int(mine.get_column("completed").sum()),
            *(reasons.count(r) for r in REASONS),
        ))  # fmt: skip
    columns = [
        Column("pathway", _("Clinical pathway"), "text", 24),
        Column("stay", _("Expected stay"), "text", 12),
        Column("designated", _("Designated hospitals"), "text", 24),
        Column("fee", _("Fixed fee (yuan)"), "text", 20),
        Column("entered", _("Admissions entered"), "count", 10),
        Column("completed", _("Completed"), "count", 10),
        *(Column(r, _(REASON_NAMES[r]), "count", 12) for r in REASONS),
    ]
    title = _("Clinical pathways of programme patients, %(year)s") % {"year": year}
    return Table(title, columns, rows, sheet=_("Clinical pathways"))
