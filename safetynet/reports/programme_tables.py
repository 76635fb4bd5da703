"""The programme's figures as a report table (one row per indicator and batch, with value,
numerator, denominator and definition) for the dashboard, its workbook and the annual
summary; the web only renders it."""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from safetynet.exports.table import Cell, Column, Table
from safetynet.i18n import N_, gettext_for
from safetynet.indicators.definitions import definitions
from safetynet.programmes.rates import COMPUTED
from safetynet.programmes.service import rates

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
            explain = f"{r['numerator'] / 100:,.2f} ÷ {r['denominator'] / 100:,.2f}"
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
