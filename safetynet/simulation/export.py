"""A simulation comparison as export tables (:mod:`safetynet.exports`): one sheet each for
spending by layer, the ratios, the out-of-pocket bands and percentiles and the catastrophic
cases, every sheet under the same title. The comparison's columns are data keys; the headers
are labels (money in yuan, ratios as percentages with their change in percentage points,
persons as counts). Sheet names, notes, headers, groups and percentiles are English message
ids translated where shown (the Chinese in messages.po); the layers are named by the policies
(:mod:`safetynet.policy.labels`), the ratios by the indicators' definitions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from safetynet.exports.table import Column, ColumnKind, Table
from safetynet.exports.xlsx import write_xlsx as write_tables
from safetynet.i18n import N_, gettext_for
from safetynet.indicators.definitions import definition
from safetynet.indicators.oop_bands import BAND_HEADING
from safetynet.money import yuan_text
from safetynet.policy.labels import layer_name
from safetynet.policy.schema import Policy
from safetynet.simulation.compare import GROUPS, MEASURES, OUT_OF_POCKET, PERCENTILES, Comparison

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
    "band_yuan": BAND_HEADING,
    "base_persons": N_("Base (persons)"), "reform_persons": N_("Reform (persons)"),
    "percentile": N_("Percentile"), "group": N_("Group"),
}  # fmt: skip
TITLE = N_("%(base)s → %(reform)s on %(claims)s")  # the policies compared, the claims file
POINTS = N_("%(points)s pp")  # a change of a ratio, in percentage points
PATIENTS = N_("Patients (out of pocket)")  # the spending table's last row
WIDTHS = {"layer": 30, "measure": 36, "band_yuan": 24}  # the names are long
RATIOS_NOTE = "ratios"  # the ratios' note is their definitions (see _ratios_note)
SHEETS = (  # sheet, the comparison's frame, note (%(threshold)s: the catastrophic threshold)
    (N_("Spending by layer"), "layers", N_("Yuan paid by each layer, and what patients pay.")),
    (N_("Ratios"), "ratios", RATIOS_NOTE),
    (N_("Out-of-pocket"), "oop_bands", N_("Persons by annual out-of-pocket (yuan).")),
    (N_("OOP percentiles"), "oop_percentiles", N_("Annual out-of-pocket per person.")),
    (N_("Catastrophic"), "catastrophic",
     N_("Persons whose annual out-of-pocket exceeds %(threshold)s yuan.")),
)  # fmt: skip


def _names(cmp: Comparison, policies: Sequence[Policy], locale: str) -> dict[str, dict[str, str]]:
    """Text columns whose values are keys: each key's name in ``locale``."""
    _ = gettext_for(locale)

    def layer(lid: str) -> str:
        if lid == OUT_OF_POCKET:
            return _(PATIENTS)
        owner = next((p for p in policies if any(la.id == lid for la in p.layers)), None)
        return lid if owner is None else layer_name(owner, lid, locale)

    return {
        "layer": {lid: layer(lid) for lid in cmp.layers.get_column("layer")},
        "measure": {m: definition(m).name(locale) for m in MEASURES},
        "group": {g: _(g) for g in GROUPS},
        "percentile": {p: _(p) for p in PERCENTILES.values()},
    }


def _ratios_note(locale: str) -> str:
    """The ratios' formulas, as the indicators define them."""
    sep = "；" if locale.startswith("zh") else "; "
    return sep.join(f"{definition(m).name(locale)} = {definition(m).formula(locale)}"
                    for m in MEASURES)  # fmt: skip


def _table(
    title: str, sheet: str, frame: pl.DataFrame, note: str, locale: str, names: dict
) -> Table:
    _ = gettext_for(locale)
    columns = [
        Column(c, _(LABELS[c]) if c in LABELS else c, KINDS.get(c, "text"), WIDTHS.get(c),
               points=_(POINTS) if KINDS.get(c) == "change" else None)
        for c in frame.columns
    ]  # fmt: skip
    for c, named in names.items():
        if c in frame.columns:
            frame = frame.with_columns(pl.col(c).replace_strict(named, default=pl.col(c)))
    return Table(title, columns, list(frame.iter_rows()), note=note, sheet=sheet)


def comparison_tables(
    cmp: Comparison, title: str, locale: str = "en", policies: Sequence[Policy] = ()
) -> list[Table]:
    """The comparison's tables with their sheet names, notes, headers and the names of their
    layers (from ``policies``: the base's, then the reform's), ratios and groups in
    ``locale``."""
    _ = gettext_for(locale)
    threshold = yuan_text(cmp.threshold_fen)
    names = _names(cmp, policies, locale)
    return [
        _table(
            title,
            _(sheet),
            getattr(cmp, frame),
            _ratios_note(locale) if note == RATIOS_NOTE else _(note) % {"threshold": threshold},
            locale,
            names,
        )
        for sheet, frame, note in SHEETS
    ]


def write_xlsx(
    cmp: Comparison,
    path: str | Path,
    *,
    title: str,
    locale: str = "en",
    policies: Sequence[Policy] = (),
) -> None:
    """The comparison as a workbook, one sheet per table of :func:`comparison_tables`."""
    write_tables(comparison_tables(cmp, title, locale, policies), path)
