"""A simulation comparison as export tables (:mod:`safetynet.exports`): one sheet each for
spending by layer, the ratios, the out-of-pocket bands and percentiles and the catastrophic
cases, every sheet under the same title. The headers are the comparison's column names with
``_fen`` shown as ``_yuan``: money in yuan, ratios as percentages (their change signed),
persons as counts."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from safetynet.exports.table import Column, ColumnKind, Table
from safetynet.exports.xlsx import write_xlsx as write_tables
from safetynet.simulation.compare import Comparison

KINDS: dict[str, ColumnKind] = {
    "base_fen": "money", "reform_fen": "money", "change_fen": "money",
    "base": "ratio", "reform": "ratio", "change": "change",
    "base_persons": "count", "reform_persons": "count",
}  # fmt: skip
WIDTHS = {"measure": 36}  # the ratios' names are long
SHEETS = (  # sheet, the comparison's frame, note ({threshold}: the catastrophic threshold)
    ("Spending by layer", "layers", "Yuan paid by each layer, and what patients pay."),
    ("Ratios", "ratios", "Actual compensation ratio = reimbursed / total cost; "
                         "policy-range = compliant / total."),
    ("Out-of-pocket", "oop_bands", "Persons by annual out-of-pocket (yuan)."),
    ("OOP percentiles", "oop_percentiles", "Annual out-of-pocket per person."),
    ("Catastrophic", "catastrophic",
     "Persons whose annual out-of-pocket exceeds {threshold} yuan."),
)  # fmt: skip


def _table(title: str, sheet: str, frame: pl.DataFrame, note: str) -> Table:
    columns = [
        Column(c, c.replace("_fen", "_yuan"), KINDS.get(c, "text"), WIDTHS.get(c))
        for c in frame.columns
    ]
    return Table(title, columns, list(frame.iter_rows()), note=note, sheet=sheet)


def comparison_tables(cmp: Comparison, title: str) -> list[Table]:
    threshold = f"{cmp.threshold_fen / 100:,.0f}"
    return [
        _table(title, sheet, getattr(cmp, frame), note.format(threshold=threshold))
        for sheet, frame, note in SHEETS
    ]


def write_xlsx(cmp: Comparison, path: str | Path, *, title: str) -> None:
    """The comparison as a workbook, one sheet per table of :func:`comparison_tables`."""
    write_tables(comparison_tables(cmp, title), path)
