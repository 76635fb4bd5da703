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

from safetynet.exports.pdf import write_pdf
from safetynet.exports.table import Column, ColumnKind, Table
from safetynet.exports.xlsx import write_xlsx
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
CATEGORY_NAMES = {
    "en": {
        None: "all",
        "registered_poor": "registered poor",
        "low_income": "low income",
        "extremely_poor": "extremely poor",
        "marginal": "marginal",
        "exited": "exited",
        "returned": "returned to poverty",
        "ordinary": "ordinary",
    },
    "zh": {
        None: "全部",
        "registered_poor": "建档立卡",
        "low_income": "低保",
        "extremely_poor": "特困",
        "marginal": "边缘易致贫",
        "exited": "脱贫",
        "returned": "返贫",
        "ordinary": "普通居民",
    },
}
PART_NAMES = {
    "en": {
        "village": "village clinic", "township": "township", "county": "county",
        "city": "city", "province": "province", "out_of_province": "outside the province",
        "individual": "individual", "central": "central budget",
        "medical_assistance": "medical assistance", "basic_insurance": "basic insurance",
        "critical_illness": "critical illness insurance",
        "government_backstop": "government backstop", "supplementary": "supplementary",
        "re_assistance": "re-assistance",
    },
    "zh": {
        "village": "村卫生室", "township": "乡镇", "county": "县级", "city": "市级",
        "province": "省级", "out_of_province": "省外", "individual": "个人缴费",
        "central": "中央财政", "medical_assistance": "医疗救助",
        "basic_insurance": "基本医保", "critical_illness": "大病保险",
        "government_backstop": "政府兜底", "supplementary": "补充保险",
        "re_assistance": "再救助",
    },
}  # fmt: skip
PAYER_ZH = {"township": "乡镇财政", "county": "县财政", "city": "市财政", "province": "省财政"}
PAYER_EN = {"township": "township budget", "county": "county budget", "city": "city budget",
            "province": "provincial budget"}  # fmt: skip
UNIT_NAMES = {
    "en": {"ratio": "%", "money": "yuan", "money_per": "yuan", "count": "", "count_per": ""},
    "zh": {"ratio": "%", "money": "元", "money_per": "元", "count": "", "count_per": ""},
}


def _lang(locale: str) -> str:
    return "zh" if locale.startswith("zh") else "en"


def category_name(category: str | None, locale: str = "en") -> str:
    return CATEGORY_NAMES[_lang(locale)].get(category, category or "")


def part_name(part: str | None, parts: str | None, locale: str = "en") -> str:
    """A part's label (an institution level, a payer or a layer type); '' for the whole."""
    lang = _lang(locale)
    if part is None:
        return "合计" if lang == "zh" else "total"
    if parts == "payer":
        payer = PAYER_ZH if lang == "zh" else PAYER_EN
        if part in payer:
            return payer[part]
    return PART_NAMES[lang].get(part, part)


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
    zh = _lang(locale) == "zh"
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
        Column("region_code", "地区代码" if zh else "Region code", "text", 14),
        Column("region_name", "地区" if zh else "Region", "text"),
        Column("category", "人员类别" if zh else "Category", "text", 14),
    ]
    if d.parts:
        columns.append(Column("part", "分项" if zh else "Part", "text", 20))
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
    unit = UNIT_NAMES[_lang(locale)][d.unit]
    title = d.name(locale) + (f" ({unit})" if unit else "")
    return Table(
        title=title,
        columns=columns,
        rows=table_rows,  # type: ignore[arg-type]
        note=("公式：" if zh else "Formula: ") + d.formula(locale),
        notes=[("口径：" if zh else "What is counted: ") + d.counted(locale)],
        strong=strong,
    )


def definitions_table(result: IndicatorResult, locale: str = "en") -> Table:
    zh = _lang(locale) == "zh"
    rows = [
        [d.id, d.name(locale), d.unit, d.formula(locale), d.counted(locale)]
        for d in result.definitions()
    ]
    return Table(
        title="指标定义" if zh else "Definitions",
        columns=[
            Column("id", "ID", "text", 30),
            Column("name", "指标" if zh else "Indicator", "text", 30),
            Column("unit", "单位" if zh else "Unit", "text", 10),
            Column("formula", "公式" if zh else "Formula", "text", 50),
            Column("counted", "口径" if zh else "What is counted", "text", 80),
        ],
        rows=rows,  # type: ignore[arg-type]
        notes=[c.text(locale) for c in result.conventions()],
    )


def title_of(result: IndicatorResult, locale: str = "en") -> str:
    if _lang(locale) == "zh":
        return f"{result.region_name}（{result.region_code}）{result.year}年 医疗保障指标"
    return (
        f"Medical security indicators — {result.region_name} ({result.region_code}), {result.year}"
    )


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
        long_frame(result).write_csv(path)
    elif suffix == ".xlsx":
        write_xlsx(tables(result, locale), path)
    else:
        path.write_bytes(write_pdf(title_of(result, locale), tables(result, locale)))
    return path
