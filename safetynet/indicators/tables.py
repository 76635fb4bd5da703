"""An indicator result as export tables (``safetynet.exports.table.Table``) and files.

One table per indicator — rows: region (the breakdown, then the region itself as a total),
person category and part; one column per period, in the indicator's unit (so Excel gets a
real number format per column: percentages, yuan, counts) — with the formula as the note and
what is counted as a footnote; then a table of every definition. CSV is the long frame
itself: one row per figure with its numerator and denominator.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from safetynet.exports.csv_file import write_frame_csv
from safetynet.exports.pdf import write_pdf
from safetynet.exports.table import Column, ColumnKind, Table
from safetynet.exports.xlsx import write_xlsx
from safetynet.i18n import N_, gettext_for
from safetynet.indicators.definitions import Definition
from safetynet.indicators.result import IndicatorResult, round_fen

FORMATS = (".xlsx", ".csv", ".pdf")
KIND: dict[str, ColumnKind] = {
    "ratio": "ratio",
    "money": "money",
    "money_per": "money",
    "count": "count",
    "count_per": "number",
}
# Labels (English message ids, translated where shown; the Chinese in messages.po).
CATEGORY_NAMES: dict[str | None, str] = {
    None: N_("all"),
    "registered_poor": N_("registered poor persons"),
    "low_income": N_("low-income persons"),
    "extremely_poor": N_("extremely poor persons"),
    "marginal": N_("persons prone to poverty"),
    "exited": N_("persons out of poverty"),
    "returned": N_("persons returned to poverty"),
    "ordinary": N_("ordinary residents"),
}
# A part: an institution level, a payer or a layer type.
PART_NAMES = {
    "village": N_("village clinic"), "township": N_("township level"),
    "county": N_("county level"), "city": N_("city level"),
    "province": N_("province level"), "out_of_province": N_("out of province"),
    "individual": N_("individual contributions"), "central": N_("central budget"),
    "medical_assistance": N_("medical assistance"), "basic_insurance": N_("basic insurance"),
    "critical_illness": N_("critical illness insurance"),
    "government_backstop": N_("government backstop"), "supplementary": N_("supplementary"),
    "re_assistance": N_("re-assistance"),
}  # fmt: skip
PAYER_NAMES = {
    "township": N_("township budget"), "county": N_("county budget"),
    "city": N_("city budget"), "province": N_("provincial budget"),
}  # fmt: skip
UNIT_NAMES = {"ratio": "%", "money": N_("yuan"), "money_per": N_("yuan"), "count": "",
              "count_per": ""}  # fmt: skip
# the unit of each indicator as the definitions table names it (never the code)
UNIT_LABELS = {"ratio": N_("percent"), "money": N_("yuan"), "money_per": N_("yuan per unit"),
               "count": N_("number"), "count_per": N_("number per unit")}  # fmt: skip


def category_name(category: str | None, locale: str = "en") -> str:
    name = CATEGORY_NAMES.get(category)
    return gettext_for(locale)(name) if name else category or ""


def part_name(part: str | None, parts: str | None, locale: str = "en") -> str:
    """A part's label (an institution level, a payer or a layer type); "total" for the whole."""
    _ = gettext_for(locale)
    if part is None:
        return _("total")
    if parts == "payer" and part in PAYER_NAMES:
        return _(PAYER_NAMES[part])
    return _(PART_NAMES[part]) if part in PART_NAMES else part


def _cell(value: float | None, d: Definition) -> float | int | None:
    if value is None:
        return None
    if d.unit in ("money", "money_per"):
        return round_fen(value)
    if d.unit == "count":
        return int(value)
    return value


def indicator_table(result: IndicatorResult, indicator_id: str, locale: str = "en") -> Table:
    """One indicator: a row per region, category and part, a column per period."""
    _ = gettext_for(locale)
    d = result.definition(indicator_id)
    rows = result.frame.filter(pl.col("indicator") == indicator_id)
    periods = result.periods()
    regions = result.regions()
    wide = (
        rows.select(
            pl.col("region_code").cast(pl.String),
            pl.col("category").cast(pl.String),
            pl.col("part").cast(pl.String),
            pl.col("period").cast(pl.String),
            "value",
        ).pivot(on="period", index=["region_code", "category", "part"], values="value")
        if rows.height
        else pl.DataFrame()
    )
    lookup = {(r[0], r[1], r[2]): r[3:] for r in wide.iter_rows()} if wide.height else {}
    cols = [c for c in wide.columns if c not in ("region_code", "category", "part")]
    order = {p: i for i, p in enumerate(cols)}
    kind = KIND[d.unit]
    columns = [
        Column("region_code", _("Region code"), "text", 14),
        Column("region_name", _("Region"), "text"),
        Column("category", _("Person category"), "text", 14),
    ]
    if d.parts:
        columns.append(Column("part", _("Part"), "text", 20))
    columns += [Column(p, p, kind) for p in periods]
    parts = [None, *dict.fromkeys(p for p in rows["part"].cast(pl.String) if p is not None)]
    table_rows: list[list[object]] = []
    strong: set[int] = set()
    for code, name in regions:
        for cat in result.categories():
            for part in parts:
                found = lookup.get((code, cat, part))
                if found is None:
                    continue
                cells = [_cell(found[order[p]], d) if p in order else None for p in periods]
                row: list[object] = [code, name, category_name(cat, locale)]
                if d.parts:
                    row.append(part_name(part, d.parts, locale))
                if code == result.region_code and cat is None and part is None:
                    strong.add(len(table_rows))
                table_rows.append(row + cells)
    unit = _(UNIT_NAMES[d.unit]) if UNIT_NAMES[d.unit] else ""
    title = d.name(locale) + (f" ({unit})" if unit else "")
    return Table(
        title=title,
        columns=columns,
        rows=table_rows,  # type: ignore[arg-type]
        note=_("Formula: %(formula)s") % {"formula": d.formula(locale)},
        notes=[_("What is counted: %(counted)s") % {"counted": d.counted(locale)}],
        strong=strong,
    )


def definitions_table(result: IndicatorResult, locale: str = "en") -> Table:
    _ = gettext_for(locale)
    rows = [
        [d.name(locale), _(UNIT_LABELS[d.unit]), d.formula(locale), d.counted(locale)]
        for d in result.definitions()
    ]
    return Table(
        title=_("Definitions"),
        columns=[
            Column("name", _("Indicator"), "text", 30),
            Column("unit", _("Unit"), "text", 10),
            Column("formula", _("Formula"), "text", 50),
            Column("counted", _("Scope"), "text", 80),
        ],
        rows=rows,  # type: ignore[arg-type]
        notes=[c.text(locale) for c in result.conventions()],
    )


def title_of(result: IndicatorResult, locale: str = "en") -> str:
    _ = gettext_for(locale)
    return _("Medical security indicators — %(region)s (%(code)s), %(year)s") % {
        "region": result.region_name, "code": result.region_code, "year": result.year,
    }  # fmt: skip


def tables(result: IndicatorResult, locale: str = "en") -> list[Table]:
    """Every indicator's table, then the definitions."""
    return [
        *(indicator_table(result, d.id, locale) for d in result.definitions()),
        definitions_table(result, locale),
    ]


def long_frame(result: IndicatorResult) -> pl.DataFrame:
    """The figures as plain columns (CSV): ids, labels, unit, value, numerator, denominator."""
    units = {d.id: d.unit for d in result.definitions()}
    return result.frame.with_columns(
        pl.col("indicator").cast(pl.String).replace_strict(units).alias("unit")
    ).select(
        pl.col("indicator").cast(pl.String),
        pl.col("part").cast(pl.String),
        pl.col("region_code").cast(pl.String),
        pl.col("region_name").cast(pl.String),
        pl.col("period").cast(pl.String),
        pl.col("category").cast(pl.String).fill_null("all"),
        "unit",
        "value",
        "numerator",
        "denominator",
    )


def write_report(result: IndicatorResult, path: str | Path, locale: str = "en") -> Path:
    """Write the result as .xlsx (a sheet per indicator), .pdf or .csv (the long frame)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: write a .xlsx, .csv or .pdf file")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        write_frame_csv(long_frame(result), path)
    elif suffix == ".xlsx":
        write_xlsx(tables(result, locale), path)
    else:
        path.write_bytes(write_pdf(title_of(result, locale), tables(result, locale)))
    return path
