"""A simulation comparison as export tables (:mod:`safetynet.exports`): one sheet each for
spending by layer, the ratios, the out-of-pocket bands and percentiles and the catastrophic
cases, every sheet under the same title. The comparison's columns are data keys; the headers
are labels (money in yuan, ratios as percentages with their change signed, persons as counts).
Sheet names, notes, headers and the measures' and groups' names are English message ids
translated where shown (the Chinese in messages.po)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from safetynet.exports.table import Column, ColumnKind, Table
from safetynet.exports.xlsx import write_xlsx as write_tables
from safetynet.i18n import N_, gettext_for
from safetynet.simulation.compare import GROUPS, MEASURES, Comparison

KINDS: dict[str, ColumnKind] = {
    "base_fen": "money", "reform_fen": "money", "change_fen": "money",
    "base": "ratio", "reform": "ratio", "change": "change",
    "base_persons": "count", "reform_persons": "count",
}  # fmt: skip
LABELS = {  # the comparison's column → its header
    "layer": N_("Layer"),
    "base_fen": N_("Base (yuan)"), "reform_fen": N_("Reform (yuan)"),
    "change_fen": N_("Change (yuan)"),
    "measure": N_("Measure"), "base": N_("Base"), "reform": N_("Reform"),
    "change": N_("Change"),
    "band_yuan": N_("Annual out-of-pocket (yuan)"),
    "base_persons": N_("Base (persons)"), "reform_persons": N_("Reform (persons)"),
    "percentile": N_("Percentile"), "group": N_("Group"),
}  # fmt: skip
TITLE = N_("%(base)s → %(reform)s on %(claims)s")  # the policies compared, the claims file
WIDTHS = {"measure": 36, "band_yuan": 24}  # the ratios' names are long
SHEETS = (  # sheet, the comparison's frame, note (%(threshold)s: the catastrophic threshold)
    (N_("Spending by layer"), "layers", N_("Yuan paid by each layer, and what patients pay.")),
    (N_("Ratios"), "ratios", N_("Actual compensation ratio = reimbursed / total cost; "
                                "policy-range = compliant / total.")),
    (N_("Out-of-pocket"), "oop_bands", N_("Persons by annual out-of-pocket (yuan).")),
    (N_("OOP percentiles"), "oop_percentiles", N_("Annual out-of-pocket per person.")),
    (N_("Catastrophic"), "catastrophic",
     N_("Persons whose annual out-of-pocket exceeds %(threshold)s yuan.")),
)  # fmt: skip
NAMES = {"measure": MEASURES, "group": GROUPS}  # text columns whose values are labels too


def _table(title: str, sheet: str, frame: pl.DataFrame, note: str, locale: str) -> Table:
    _ = gettext_for(locale)
    columns = [
        Column(c, _(LABELS[c]) if c in LABELS else c, KINDS.get(c, "text"), WIDTHS.get(c))
        for c in frame.columns
    ]
    for c, names in NAMES.items():
        if c in frame.columns:
            frame = frame.with_columns(pl.col(c).replace_strict({n: _(n) for n in names}))
    return Table(title, columns, list(frame.iter_rows()), note=note, sheet=sheet)


def comparison_tables(cmp: Comparison, title: str, locale: str = "en") -> list[Table]:
    """The comparison's tables with their sheet names, notes and headers in ``locale``."""
    _ = gettext_for(locale)
    threshold = f"{cmp.threshold_fen / 100:,.0f}"
    return [
        _table(title, _(sheet), getattr(cmp, frame), _(note) % {"threshold": threshold}, locale)
        for sheet, frame, note in SHEETS
    ]


def write_xlsx(cmp: Comparison, path: str | Path, *, title: str, locale: str = "en") -> None:
    """The comparison as a workbook, one sheet per table of :func:`comparison_tables`."""
    write_tables(comparison_tables(cmp, title, locale), path)
