"""`safetynet programmes ...`: the three batches and family-doctor contracts from the shell —
screen a year, generate a synthetic county's programme, import and export contracts and
follow-ups, print the rates. Thin over :mod:`safetynet.programmes`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

from safetynet.cli.bounds import SEED, YEAR
from safetynet.cli.commands.registry_import import _command
from safetynet.cli.commands.report import LANGS, fail
from safetynet.i18n import N_

programmes_app = typer.Typer(
    help="Three batches and family-doctor contracts: screen, import, export, rates, pathways.",
    no_args_is_help=True,
)
import_app = typer.Typer(
    help="Import teams, contracts or follow-ups (CSV or .xlsx) whole or not at all.",
    no_args_is_help=True,
)
export_app = typer.Typer(help="Export contracts or follow-ups as CSV or .xlsx.",
                         no_args_is_help=True)  # fmt: skip
console = Console()

Year = Annotated[int, typer.Option("--year", help="Scheme year.", **YEAR)]
Db = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: SAFETYNET_DATABASE_URL).")
]
Region = Annotated[str | None, typer.Option("--region", help="Region code (default: the county).")]
By = Annotated[str, typer.Option("--by", help="Who does it (recorded with the rows).")]
Lang = Annotated[str, typer.Option("--lang", help="zh_Hans (default) or en.")]


def _engine(db: str | None):  # type: ignore[no-untyped-def]
    from safetynet.config import get_settings
    from safetynet.store.db import make_engine

    return make_engine(db or get_settings().database_url)


def _region(session, region: str | None, year: int | None = None) -> str:  # type: ignore[no-untyped-def]
    """The region asked for (or the county); with ``year``, one the programme files cover
    at the year's end (else exit 2 naming the year, not a traceback)."""
    from sqlalchemy import func, select

    from safetynet.programmes.rules import rules_for
    from safetynet.store.models import Region as R

    if region is not None:
        if session.get(R, region) is None:
            fail(f"--region {region}: no such region")
        code = region
    else:
        code = session.scalar(select(func.min(R.code)).where(R.level == "county"))
        if code is None:
            fail("the database has no county; load the registry first")
    if year is not None:
        try:
            rules_for(str(code), dt.date(year, 12, 31))
        except LookupError:
            fail(f"--year {year}: no programme file covers region {code} then")
    return str(code)


def screen(year: Year, region: Region = None, db: Db = None, by: By = "cli",
           lang: Lang = "zh_Hans") -> None:  # fmt: skip
    """Screen the year's claims of the target population into the three batches (only
    persons not yet in a batch of the year are added)."""
    from sqlalchemy.orm import Session

    from safetynet.i18n import gettext_for
    from safetynet.programmes.patients import screen_year
    from safetynet.reports.programme_tables import BATCH_NAMES

    if lang not in LANGS:
        fail(f"--lang {lang!r}: use zh_Hans or en")
    _ = gettext_for(lang)
    with Session(_engine(db)) as s, s.begin():
        got = screen_year(s, year, _region(s, region, year), by=by)
    table = RichTable(_(N_("Batch")), _(N_("Persons found")))
    for batch, n in got.by_batch.items():  # a batch by its name in the language, not its id
        table.add_row(_(BATCH_NAMES[batch]) if batch in BATCH_NAMES else batch, f"{n:,}")
    console.print(table)
    console.print(_(N_("%(found)s found, %(added)s added"))
                  % {"found": f"{got.found:,}", "added": f"{got.added:,}"})  # fmt: skip


def generate(year: Year, seed: Annotated[int, typer.Option("--seed", **SEED)] = 1,
             db: Db = None) -> None:  # fmt: skip
    """Generate a synthetic county's programme (teams, contracts, services, patients through
    their states) over its registry and claims; rates from the seeds."""
    from sqlalchemy.orm import Session

    from safetynet.programmes.synthetic import generate_programme

    with Session(_engine(db)) as s, s.begin():
        got = generate_programme(s, year, seed=seed)
    console.print(f"{got.teams:,} teams, {got.contracts:,} contracts, {got.services:,} "
                  f"services, {got.patients:,} patients {got.by_state}")  # fmt: skip


def _export(what: str, year: int, out: Path, region: str | None, db: str | None,
            lang: str) -> None:  # fmt: skip
    from sqlalchemy.orm import Session

    from safetynet.programmes import exports

    if lang not in LANGS:
        fail(f"--lang {lang!r}: use zh_Hans or en")
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    with Session(_engine(db)) as s:
        code = _region(s, region)
        if out.suffix == ".csv":
            make = exports.contracts_csv if what == "contracts" else exports.follow_ups_csv
            body = make(s, code, start, end)
        elif out.suffix == ".xlsx":
            body = exports.workbook(s, code, start, end, lang)
        else:
            fail(f"{out}: write a .csv or .xlsx file")
            return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    console.print(f"wrote {out}")


def export_contracts(
    year: Year, out: Annotated[Path, typer.Option("--out", help="A .csv or .xlsx file.")],
    region: Region = None, db: Db = None, lang: Lang = "zh_Hans",
) -> None:  # fmt: skip
    """Contracts in force in the year of persons in the region (CSV: the import's columns)."""
    _export("contracts", year, out, region, db, lang)


def export_follow_ups(
    year: Year, out: Annotated[Path, typer.Option("--out", help="A .csv or .xlsx file.")],
    region: Region = None, db: Db = None, lang: Lang = "zh_Hans",
) -> None:  # fmt: skip
    """Services done in the year for persons in the region (CSV: the import's columns)."""
    _export("follow-ups", year, out, region, db, lang)


def show_rates(
    year: Year, region: Region = None, db: Db = None,
    level: Annotated[str, typer.Option("--level", help="county, township or village.")] = (
        "county"),
    by_month: Annotated[bool, typer.Option("--by-month", help="One figure per month.")] = False,
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write the rows here.")] = None,
    lang: Lang = "zh_Hans",
) -> None:  # fmt: skip
    """The programme's indicators with numerator and denominator (definitions:
    safetynet/indicators/definitions.yaml, section programmes)."""
    from sqlalchemy.orm import Session

    from safetynet.i18n import gettext_for
    from safetynet.indicators.definitions import definitions
    from safetynet.programmes.rates import LEVELS
    from safetynet.programmes.service import rates
    from safetynet.reports.programme_tables import BATCH_NAMES

    if level not in LEVELS:
        fail(f"--level {level!r}: use county, township or village")
    if lang not in LANGS:
        fail(f"--lang {lang!r}: use zh_Hans or en")
    _ = gettext_for(lang)
    with Session(_engine(db)) as s:
        frame = rates(s, year, _region(s, region, year), level=level, by_month=by_month)
    defs = definitions().by_id()
    heads = (N_("Indicator"), N_("Batch"), N_("Region"), N_("Period"), N_("Value"),
             N_("Numerator"), N_("Denominator"))  # fmt: skip
    table = RichTable(*(_(h) for h in heads))
    for r in frame.to_dicts():
        d = defs[r["indicator"]]
        value = (
            "—"
            if r["value"] is None
            else (
                f"{r['value'] * 100:.2f}%"
                if d.unit == "ratio"
                else f"{r['value'] / 100:,.2f}"
                if d.unit == "money"
                else f"{r['value']:,.0f}"
            )
        )
        part = _(BATCH_NAMES[r["part"]]) if r["part"] else ""  # a batch by its name
        table.add_row(d.name(lang), part, r["region_code"], str(r["period"]), value,
                      f"{r['numerator']:,}", f"{r['denominator']:,}")  # fmt: skip
    Console().print(table)  # sized to the terminal now (COLUMNS), not at the module's import
    if csv is not None:
        from safetynet.exports.csv_file import write_frame_csv

        write_frame_csv(frame, csv)
        console.print(f"wrote {csv}")


def show_pathways(
    year: Year, region: Region = None, db: Db = None,
    everyone: Annotated[bool, typer.Option(
        "--everyone", help="All admissions, not only those of verified programme patients.")] = (
        False),
    deviations: Annotated[bool, typer.Option(
        "--deviations", help="Only the admissions that deviate from their pathway.")] = False,
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write the rows here.")] = None,
    lang: Lang = "zh_Hans",
) -> None:  # fmt: skip
    """The year's admissions that entered a clinical pathway, with the facts of each deviation
    (stay against the expected range, designated hospital, cost against the fixed fee, package
    items missing)."""
    import polars as pl
    from sqlalchemy.orm import Session

    from safetynet.i18n import gettext_for
    from safetynet.labels import LEVEL
    from safetynet.programmes.rules import rules_for
    from safetynet.programmes.service import pathway_admissions
    from safetynet.programmes.tables import REASON_NAMES

    if lang not in LANGS:
        fail(f"--lang {lang!r}: use zh_Hans or en")
    _ = gettext_for(lang)
    with Session(_engine(db)) as s:
        code = _region(s, region, year)
        found = pathway_admissions(s, year, code, patients_only=not everyone)
    # a pathway and a level by their names in the language, not their ids
    names = {pw.id: pw.name_zh if lang.startswith("zh") else pw.name_en
             for pw in rules_for(code, dt.date(year, 12, 31)).pathways}  # fmt: skip
    if deviations:
        found = found.filter(~pl.col("completed"))
    heads = (N_("Claim"), N_("Date"), N_("Pathway"), N_("Institution"), N_("Level"),
             N_("In county"), N_("Stay (days)"), N_("Expected stay"), N_("Total"),
             N_("Fixed fee"), N_("Deviations"))  # fmt: skip
    table = RichTable(*(_(h) for h in heads))
    for r in found.to_dicts():
        table.add_row(
            r["claim_no"], str(r["start_date"]), names.get(r["pathway"], r["pathway"]),
            r["institution_code"], _(LEVEL[r["level"]]) if r["level"] in LEVEL else r["level"],
            _(N_("yes")) if r["in_county"] else _(N_("no")), str(r["stay_days"]),
            f"{r['min_days']}-{r['max_days']}", f"{r['total_fen'] / 100:,.2f}",
            "" if r["fee_fen"] is None else f"{r['fee_fen'] / 100:,.2f}",
            "; ".join(_(REASON_NAMES[x]) for x in r["reasons"]),
        )  # fmt: skip
    out = Console()  # sized to the terminal now (COLUMNS), not when the module was imported
    out.print(table)
    done = int(found["completed"].sum())
    out.print(_(N_("%(n)s admissions, %(done)s completed")) % {"n": found.height, "done": done})
    if csv is not None:
        from safetynet.exports.csv_file import write_frame_csv

        write_frame_csv(
            found.with_columns(
                pl.col("reasons").list.join(";"), pl.col("missing_items").list.join(";")
            ),
            csv,
        )
        console.print(f"wrote {csv}")


def check(
    files: Annotated[list[Path] | None, typer.Argument(
        help="Programme files (default: those shipped).")] = None,
    db: Db = None,
) -> None:  # fmt: skip
    """Load programme files strictly and check the hospitals their pathways name against the
    database's institutions; each problem as file:line: path: what is wrong (exit 1)."""
    from sqlalchemy.orm import Session

    from safetynet.policy.loader import PolicyError
    from safetynet.programmes.named import institution_codes, unknown_institutions
    from safetynet.programmes.rules import shipped_rules

    paths = files or list(shipped_rules().values())
    with Session(_engine(db)) as s:
        known = institution_codes(s)
    problems = []
    for path in paths:
        try:
            problems += unknown_institutions(path, known)
        except PolicyError as exc:
            problems += exc.problems
    for p in problems:
        typer.echo(str(p))
    if problems:
        raise typer.Exit(1)
    console.print(f"{len(paths)} programme files, the hospitals they name all known")


def register(app: typer.Typer) -> None:
    programmes_app.command("screen")(screen)
    programmes_app.command("generate")(generate)
    programmes_app.command("rates")(show_rates)
    programmes_app.command("pathways")(show_pathways)
    programmes_app.command("check")(check)
    import_app.command("teams")(_command("doctor-teams", "family-doctor teams"))
    import_app.command("contracts")(_command("contracts", "family-doctor contracts"))
    import_app.command("follow-ups")(
        _command("follow-ups", "follow-ups, health checks and drug deliveries")
    )
    export_app.command("contracts")(export_contracts)
    export_app.command("follow-ups")(export_follow_ups)
    programmes_app.add_typer(import_app, name="import")
    programmes_app.add_typer(export_app, name="export")
    app.add_typer(programmes_app, name="programmes")
