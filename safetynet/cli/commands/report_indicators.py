"""`safetynet report indicators`: the county's indicators for a region and year, on the terminal
or written to Excel, PDF or CSV."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from safetynet.cli.bounds import YEAR
from safetynet.cli.commands.report import LANGS, fail, report_app
from safetynet.config import get_settings

console = Console()


def _figures(result, frame) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """(indicator, part, region, period, category) → Figure, for the rows of ``frame``."""
    from safetynet.indicators.result import Figure

    defs = {d.id: d for d in result.definitions()}
    out = {}
    for ind, part, region, period, cat, value, num, den in frame.select(
        "indicator", "part", "region_code", "period", "category", "value", "numerator",
        "denominator",
    ).iter_rows():  # fmt: skip
        out[(ind, part, region, period, cat)] = Figure(defs[ind], value, num, den)
    return out


def _region_table(result, lang: str) -> Table:  # type: ignore[no-untyped-def]
    """The region's own figures (all categories): a row per indicator and part."""
    from safetynet.i18n import gettext_for
    from safetynet.indicators.tables import part_name

    _ = gettext_for(lang)
    f = result.frame
    figs = _figures(
        result, f.filter((f["region_code"] == result.region_code) & f["category"].is_null())
    )
    periods = result.periods()
    table = Table(
        _("Indicator"),
        *periods,
        title=f"{result.region_name} ({result.region_code}) {result.year}",
    )
    for d in result.definitions():
        parts = [None, *dict.fromkeys(k[1] for k in figs if k[0] == d.id and k[1] is not None)]
        for part in parts:
            cells = [figs.get((d.id, part, result.region_code, p, None)) for p in periods]
            label = d.name(lang) if part is None else f"  {part_name(part, d.parts, lang)}"
            table.add_row(label, *(c.display() if c is not None else "—" for c in cells))
    return table


def _breakdown_table(result, show: str, lang: str) -> Table:  # type: ignore[no-untyped-def]
    """One indicator by region and category: a row per (region, category)."""
    from safetynet.i18n import gettext_for
    from safetynet.indicators.tables import category_name

    _ = gettext_for(lang)
    d = result.definition(show)
    f = result.frame
    figs = _figures(result, f.filter((f["indicator"] == show) & f["part"].is_null()))
    periods = result.periods()
    table = Table(
        _("Region"),
        _("Person category"),
        *periods,
        title=f"{d.name(lang)} — {d.formula(lang)}",
    )
    for code, name in result.regions():
        for cat in result.categories():
            cells = [figs.get((show, None, code, p, cat)) for p in periods]
            if all(c is None for c in cells):
                continue
            table.add_row(
                f"{name} ({code})",
                category_name(cat, lang),
                *(c.display() if c is not None else "—" for c in cells),
            )
    return table


@report_app.command("indicators")
def report_indicators(
    region: str = typer.Option(..., "--region", help="Region code (county, township, village)."),
    year: int = typer.Option(..., "--year", help="The scheme year.", **YEAR),
    period: str = typer.Option("year", "--period", help="month, quarter or year."),
    by: str = typer.Option(None, "--by", help="Break down by county, township or village."),
    by_category: bool = typer.Option(False, "--by-category", help="Also by person category."),
    out: Path = typer.Option(None, "--out", help="Write FILE.xlsx, FILE.pdf or FILE.csv."),
    show: str = typer.Option(
        "compensation_ratio",
        "--show",
        help="With --by / --by-category and no --out: the "
        "indicator printed by region and category.",
    ),
    lang: str = typer.Option("zh_Hans", "--lang", help="zh_Hans (default) or en."),
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """The indicators of a region and year (participation, funds, fund utilization and balance,
    persons compensated, compensation ratios, visits, costs by level, in-county rate ...),
    computed from the ledger and the registry, each with its written definition."""
    from safetynet.indicators.definitions import definitions
    from safetynet.indicators.service import IndicatorError, indicators
    from safetynet.indicators.tables import FORMATS, write_report
    from safetynet.store.db import make_engine

    if lang not in LANGS:
        fail(f"--lang {lang!r}: use zh_Hans or en")
    if out is not None and out.suffix.lower() not in FORMATS:
        fail(f"--out {out}: write a .xlsx, .pdf or .csv file")
    if show not in definitions().by_id():
        fail(f"--show {show!r}: not an indicator (see the definitions in docs/cli.md)")
    engine = make_engine(db or get_settings().database_url)
    try:
        with console.status("computing the indicators"):
            result = indicators(engine, region, year, period, by, by_category)
    except IndicatorError as exc:
        options = ("region", "year", "period", "by")
        fail(f"--{exc.field}: {exc.message}" if exc.field in options else exc.message)
        return
    finally:
        engine.dispose()
    if out is not None:
        with console.status(f"writing {out}"):
            write_report(result, out, lang)
        console.print(
            f"wrote {out}: {len(result.definitions())} indicators, {result.frame.height:,} "
            f"figures ({result.region_name}, {result.year}, by {period})"
        )
        return
    console.print(_region_table(result, lang))
    if by is not None or by_category:
        console.print(_breakdown_table(result, show, lang))
        console.print("every indicator by region and category: --out FILE.xlsx")


def register(app: typer.Typer) -> None:
    """The command hangs on ``report_app``; importing this module is enough."""
