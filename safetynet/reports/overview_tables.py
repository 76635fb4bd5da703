"""The overview page's figures as export tables in the reader's language: the tiles as a
figure/value table (each value with its own number format), spending by institution level
and spending by layer. Built from the same :class:`~safetynet.reports.overview.Overview`
the page shows, so the workbook and the page agree."""

from __future__ import annotations

from safetynet import labels
from safetynet.exports.table import Cell, Column, Table
from safetynet.i18n import translations
from safetynet.reports.overview import Overview

LayerNames = dict[str, tuple[str, str]]  # layer id -> (English, Chinese)


def overview_note(ov: Overview, region_name: str, locale: str) -> str:
    """``郎溪县 · 2017 年度`` / ``Langxi County · year 2017``."""
    _ = translations(locale).gettext
    if ov.year is None:
        return region_name
    return " · ".join((region_name, _("year %(year)s") % {"year": ov.year}))


def figures_table(ov: Overview, note: str, locale: str) -> Table:
    """The tiles: one row per figure, the value as a count, an amount or a ratio."""
    _ = translations(locale).gettext
    rows = [
        (_("Persons"), Cell(ov.persons, "count")),
        (_("Households"), Cell(ov.households, "count")),
        (_("Enrolled"), Cell(ov.enrolled, "count")),
        (_("Enrolled, of whom poor"), Cell(ov.enrolled_poor, "count")),
        (_("Claims settled"), Cell(ov.claims, "count")),
        (_("Total cost (yuan)"), Cell(ov.total_fen, "money")),
        (_("Paid by all layers (yuan)"), Cell(ov.paid_fen, "money")),
        (_("Actual compensation ratio"), Cell(ov.compensation_ratio, "ratio")),
        (_("Paid by patients (yuan)"), Cell(ov.out_of_pocket_fen, "money")),
    ]
    columns = [Column("figure", _("Figure"), "text", 34), Column("value", _("Value"), "number")]
    return Table(_("Overview"), columns, list(rows), note=note)


def levels_table(ov: Overview, note: str, locale: str) -> Table:
    _ = translations(locale).gettext
    columns = [
        Column("level", _("Level"), "text", 24),
        Column("visits", _("Outpatient visits"), "count"),
        Column("admissions", _("Admissions"), "count"),
        Column("total_fen", _("Total cost (yuan)"), "money"),
        Column("paid_fen", _("Paid (yuan)"), "money"),
    ]
    rows = [
        (_(labels.LEVEL.get(r.level, r.level)), r.visits, r.admissions, r.total_fen, r.paid_fen)
        for r in ov.levels
    ]
    return Table(_("By institution level"), columns, list(rows), note=note)


def layers_table(ov: Overview, names: LayerNames, note: str, locale: str) -> Table:
    _ = translations(locale).gettext
    pick = 1 if locale == "zh_Hans" else 0
    columns = [
        Column("layer", _("Layer"), "text", 30),
        Column("paid_fen", _("Paid (yuan)"), "money"),
    ]
    rows = [(names.get(lid, (lid, lid))[pick], paid) for lid, paid in ov.layers]
    return Table(_("Spending by layer"), columns, list(rows), note=note)


def overview_tables(ov: Overview, names: LayerNames, region_name: str, locale: str) -> list[Table]:
    note = overview_note(ov, region_name, locale)
    return [
        figures_table(ov, note, locale),
        levels_table(ov, note, locale),
        layers_table(ov, names, note, locale),
    ]
