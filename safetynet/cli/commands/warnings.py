"""`safetynet warnings ...`: early warning of poverty due to illness from the shell — evaluate a
year (database or a claim file), list and export the monitoring list, run a re-assistance
round. Thin over :mod:`safetynet.early_warning.service`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table as RichTable

from safetynet.cli.bounds import ROW_ID, YEAR
from safetynet.cli.commands.report import LANGS, fail
from safetynet.clock import local_today

warnings_app = typer.Typer(
    help="Early warning of poverty due to illness: evaluate, list, export, re-assistance.",
    no_args_is_help=True,
)
console = Console()

Year = Annotated[int, typer.Option("--year", **YEAR, help="Scheme year.")]
Db = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: SAFETYNET_DATABASE_URL).")
]
Region = Annotated[
    str | None, typer.Option("--region", help="Region code (and everything under it).")
]
Claims = Annotated[
    Path | None,
    typer.Option(
        "--claims", help="Evaluate a claim file settled under --policy, not the database."
    ),
]
PolicyOpt = Annotated[
    str | None, typer.Option("--policy", help="Policy name or file for --claims.")
]
Incomes = Annotated[
    Path | None,
    typer.Option("--incomes", help="With --claims: CSV of household_id,income (yuan)."),
]
Reference = Annotated[
    str | None,
    typer.Option("--reference-income", help="With --claims: per-capita income, yuan."),
]
Lang = Annotated[str, typer.Option("--lang", help="zh_Hans (default) or en.")]


def _engine(db: str | None):  # type: ignore[no-untyped-def]
    from safetynet.config import get_settings
    from safetynet.store.db import make_engine

    return make_engine(db or get_settings().database_url)


def _file_frames(claims: Path, policy: str | None, incomes: Path | None, ref: str | None):  # type: ignore[no-untyped-def]
    from safetynet.claims.fileformat import ClaimFileRejected
    from safetynet.early_warning.claim_file import file_frames
    from safetynet.engine.compile import compile_policy
    from safetynet.money import MoneyError, to_fen
    from safetynet.policy.loader import PolicyError, load_policy
    from safetynet.tabular import ImportRejected

    if policy is None:
        fail("--claims needs --policy")
    try:
        cp = compile_policy(load_policy(policy))
        reference = to_fen(ref) if ref is not None else None
        return file_frames(cp, claims, incomes, reference)
    except ImportRejected as exc:
        fail(f"--incomes {incomes}: {exc.text()}")
    except (PolicyError, ClaimFileRejected, MoneyError, OSError) as exc:
        fail(str(exc))


def _counts(found) -> None:  # type: ignore[no-untyped-def]
    import polars as pl

    table = RichTable("rule", "level", "persons or households")
    for (rule, level), part in found.group_by("rule_id", "level", maintain_order=True):
        table.add_row(str(rule), str(level), f"{part.height:,}")
    console.print(table)
    console.print(
        f"{found.height:,} warnings; {found.filter(pl.col('level') == 'severe').height:,} severe"
    )


@warnings_app.command("evaluate")
def evaluate_cmd(
    year: Year,
    db: Db = None,
    region: Region = None,
    claims: Claims = None,
    policy: PolicyOpt = None,
    incomes: Incomes = None,
    reference_income: Reference = None,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Store new warnings (database only).")
    ] = True,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write every warning to a .csv or .parquet file.")
    ] = None,
) -> None:
    """Evaluate every warning rule over a year; print the counts, store the new warnings."""
    from safetynet.early_warning.evaluate import evaluate
    from safetynet.early_warning.rules import rules_for
    from safetynet.early_warning.service import evaluate_year, record_year

    if claims is not None:
        ledger, homes, keys = _file_frames(claims, policy, incomes, reference_income)
        rules = rules_for(region or "", date(year, 12, 31))
        found = evaluate(rules, ledger, homes)
        found = found.join(
            keys.select("person_id", "person_key").unique(), on="person_id", how="left"
        ).join(keys.select("household_id", "household_key").unique(), on="household_id", how="left")
    else:
        engine = _engine(db)
        with engine.begin() as conn:
            result = evaluate_year(conn, year, region)
        found = result.warnings
        if record:
            from safetynet.store.db import session_scope

            with session_scope(engine) as s:
                new = record_year(s, year, result, local_today())
            console.print(f"{new:,} new warnings recorded")
    _counts(found)
    if out is not None:
        if out.suffix == ".parquet":
            found.write_parquet(out)
        elif out.suffix == ".csv":
            from safetynet.exports.csv_file import write_frame_csv

            write_frame_csv(found, out)
        else:
            fail(f"--out {out}: write a .csv or a .parquet file")


@warnings_app.command("list")
def list_cmd(
    year: Year,
    db: Db = None,
    region: Region = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only warnings whose visit is late.")
    ] = False,
    lang: Lang = "zh_Hans",
) -> None:
    """Print the monitoring list of a year by village, with late visits flagged."""
    import polars as pl

    from safetynet.early_warning.service import monitoring_list
    from safetynet.early_warning.tables import monitoring_table
    from safetynet.exports.table import display
    from safetynet.store.db import session_scope

    if lang not in LANGS:
        fail(f"--lang {lang!r}: use zh_Hans or en")
    with session_scope(_engine(db)) as s:
        frame = monitoring_list(s, year, local_today())
    if region:
        frame = frame.filter(pl.col("region_code").str.starts_with(region))
    if overdue:
        frame = frame.filter(pl.col("overdue"))
    table = monitoring_table(frame, year, lang)
    out = RichTable(*[c.label for c in table.columns], title=table.title)
    for row in table.rows:
        out.add_row(*[display(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    console.print(out)


@warnings_app.command("export")
def export_cmd(
    year: Year,
    out: Annotated[Path, typer.Option("--out", help="The .xlsx or .pdf file to write.")],
    db: Db = None,
    region: Region = None,
    lang: Lang = "zh_Hans",
) -> None:
    """Write the monitoring list of a year to Excel or PDF."""
    import polars as pl

    from safetynet.cli.commands.report import check_document
    from safetynet.early_warning.service import monitoring_list
    from safetynet.early_warning.tables import monitoring_table
    from safetynet.exports.pdf import write_pdf
    from safetynet.exports.xlsx import write_xlsx
    from safetynet.store.db import session_scope

    suffix = check_document(out, lang)
    with session_scope(_engine(db)) as s:
        frame = monitoring_list(s, year, local_today())
    if region:
        frame = frame.filter(pl.col("region_code").str.starts_with(region))
    table = monitoring_table(frame, year, lang)
    if suffix == ".xlsx":
        write_xlsx([table], out)
    else:
        out.write_bytes(write_pdf(table.title, [table]))
    console.print(f"{frame.height:,} warnings written to {out}")


@warnings_app.command("reassist")
def reassist_cmd(
    year: Year,
    db: Db = None,
    region: Region = None,
    claims: Claims = None,
    policy: PolicyOpt = None,
    budget: Annotated[
        str | None, typer.Option("--budget", help="The round's budget, yuan (default: the rules').")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the round to .xlsx, .pdf or .csv.")
    ] = None,
    lang: Lang = "zh_Hans",
) -> None:
    """Compute a re-assistance round: each household's amount, pro rata if the budget is short."""
    from safetynet.early_warning.reassist import compute_round, in_households, window_paid
    from safetynet.early_warning.rules import rules_for
    from safetynet.early_warning.tables import round_table
    from safetynet.exports.pdf import write_pdf
    from safetynet.exports.xlsx import write_xlsx
    from safetynet.money import MoneyError, to_fen

    rules = rules_for(region or "", date(year, 12, 31))
    if rules.re_assistance is None:
        fail(f"the rules {rules.id} have no re-assistance")
    try:
        budget_fen = to_fen(budget) if budget is not None else rules.re_assistance.budget
    except MoneyError as exc:
        fail(f"--budget: {exc}")
    homes: list[int] | None = None  # a region's round pays its households only
    if claims is not None:
        ledger = _file_frames(claims, policy, None, None)[0]
    else:
        from safetynet.early_warning.load import load_ledger, region_households

        with _engine(db).begin() as conn:
            ledger = load_ledger(conn, year, region, by_household=True)
            homes = None if region is None else region_households(conn, region)
    frame = compute_round(rules.re_assistance, ledger, budget_fen, homes)
    owed, paid = int(frame["owed_fen"].sum() or 0), int(frame["amount_fen"].sum() or 0)
    window = window_paid(in_households(ledger, homes))
    console.print(
        f"{frame.height:,} households; owed {owed / 100:,.2f} yuan; budget "
        f"{budget_fen / 100:,.2f}, of which paid at the window {window / 100:,.2f}; "
        f"paid {paid / 100:,.2f}"
    )
    if out is not None:
        table = round_table(frame, year, budget_fen, lang, window)
        if out.suffix == ".xlsx":
            write_xlsx([table], out)
        elif out.suffix == ".pdf":
            out.write_bytes(write_pdf(table.title, [table], subtitle=table.note))
        elif out.suffix == ".csv":
            from safetynet.exports.csv_file import write_frame_csv

            write_frame_csv(frame, out)
        else:
            fail(f"--out {out}: write a .xlsx, .pdf or .csv file")


@warnings_app.command("step")
def step_cmd(
    warning: Annotated[int, typer.Argument(**ROW_ID, help="The warning's number (from list).")],
    step: Annotated[
        str,
        typer.Argument(
            help="visit_confirmed, visit_dismissed, hand_over, "
            "measure, follow_up_below, follow_up_above or close."
        ),
    ],
    on: Annotated[str, typer.Option("--on", help="The step's date, YYYY-MM-DD.")],
    by: Annotated[str, typer.Option("--by", help="Who did it.")],
    measure: Annotated[
        str | None,
        typer.Option(
            "--measure",
            help="With measure: re_assistance, medical_assistance, three_batches or status_change.",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="What was found or done.")] = None,
    db: Db = None,
) -> None:
    """Record a step of a warning's monitoring workflow (audited)."""
    from safetynet.early_warning.rules import rules_for
    from safetynet.early_warning.workflow import WorkflowError, record_step
    from safetynet.store.db import session_scope
    from safetynet.store.models import EarlyWarning

    try:
        day = date.fromisoformat(on)
    except ValueError:
        fail(f"--on {on!r}: write a date as YYYY-MM-DD")
    try:
        with session_scope(_engine(db)) as s:
            # the workflow of the household's county's rules (its own file, else national)
            found = s.get(EarlyWarning, warning)
            flow = rules_for(found.region_code if found is not None else "", day).workflow
            done = record_step(s, warning, step, day, user=by, note=note, measure=measure,
                               workflow=flow)  # fmt: skip
            state = done.state.value
    except WorkflowError as exc:
        fail(f"{exc.code}: {exc}")
    console.print(f"warning {warning}: {step} recorded; now {state}")


@warnings_app.command("packet")
def packet_cmd(
    warning: Annotated[int, typer.Argument(**ROW_ID, help="The warning's number (from list).")],
    out: Annotated[Path, typer.Option("--out", help="The .xlsx or .pdf file to write.")],
    db: Db = None,
    lang: Lang = "zh_Hans",
) -> None:
    """Write a warning's hand-over packet for civil affairs and the poverty office."""
    from safetynet.cli.commands.report import check_document
    from safetynet.early_warning.packet import packet_pdf, packet_xlsx
    from safetynet.store.db import session_scope

    suffix = check_document(out, lang)
    try:
        with session_scope(_engine(db)) as s:
            data = (
                packet_xlsx(s, warning, lang)
                if suffix == ".xlsx"
                else packet_pdf(s, warning, lang, local_today())
            )
    except LookupError as exc:
        fail(str(exc))
    out.write_bytes(data)
    console.print(f"hand-over packet of warning {warning} written to {out}")


@warnings_app.command("indicators")
def indicators_cmd(
    year: Year,
    db: Db = None,
    region: Region = None,
    lang: Lang = "zh_Hans",
) -> None:
    """Print the early-warning indicators of a year, each beside its written definition."""
    from safetynet.early_warning.indicators import compute, load
    from safetynet.early_warning.rules import rules_for
    from safetynet.indicators.definitions import definitions
    from safetynet.store.db import session_scope

    if lang not in LANGS:
        fail(f"--lang {lang!r}: use zh_Hans or en")
    with session_scope(_engine(db)) as s:
        frames = load(s, year, region)
    figures = compute(rules_for(region or "", date(year, 12, 31)), *frames, today=local_today())
    defs = definitions().by_id()
    for found in figures.values():
        listed = found if isinstance(found, list) else [found]
        if listed and listed[0].id == "new_warnings":  # one definition for the months
            d = defs["new_warnings"]
            console.print(f"[bold]{d.name(lang)}[/bold]  {d.formula(lang)}", soft_wrap=True)
        for f in listed:
            if f.id != "new_warnings":
                d = defs[f.id]
                console.print(f"[bold]{d.name(lang)}[/bold]  {d.formula(lang)}", soft_wrap=True)
            parts = [f"{f.id}: {f.value if f.value is not None else '—'}"]
            if f.denominator is not None:
                parts.append(f"({f.numerator} / {f.denominator})")
            if f.line is not None:
                parts.append(f"[{f.line}]")
            console.print("  " + " ".join(parts), markup=False, soft_wrap=True)


@warnings_app.command("reference-income")
def reference_income_cmd(
    region: Annotated[str, typer.Option("--region", help="Region code (county, city...).")],
    year: Year,
    income: Annotated[str, typer.Option("--income", help="Per-capita disposable income, yuan.")],
    source: Annotated[str, typer.Option("--source", help="Where the figure is published.")],
    db: Db = None,
) -> None:
    """Set a region's rural per-capita disposable income of a year (household rules use last
    year's for households without a recorded income)."""
    from sqlalchemy import select

    from safetynet.money import MoneyError, to_fen
    from safetynet.store.db import session_scope
    from safetynet.store.models import ReferenceIncome, Region

    try:
        fen = to_fen(income)
    except MoneyError as exc:
        fail(f"--income: {exc}")
    if fen <= 0:  # at zero or below, every household using it would be above its income
        fail(f"--income {income}: a per-capita income is above zero")
    with session_scope(_engine(db)) as s:
        if s.get(Region, region) is None:
            fail(f"--region {region}: no such region")
        row = s.scalar(select(ReferenceIncome).where(ReferenceIncome.region_code == region,
                                                     ReferenceIncome.year == year))  # fmt: skip
        if row is None:
            s.add(ReferenceIncome(region_code=region, year=year, per_capita_fen=fen,
                                  source=source[:200]))  # fmt: skip
        else:
            row.per_capita_fen, row.source = fen, source[:200]
    console.print(f"{region} {year}: {fen / 100:,.2f} yuan per capita ({source})")


@warnings_app.command("totals")
def totals_cmd(year: Year, db: Db = None) -> None:
    """Rebuild a year's running totals of the online check from the ledger and mark the year
    as kept (the check reads them instead of the ledger). Settlements, refunds and the year
    batch keep them; run it after a bulk write of the ledger by other means (it dropped the
    year's mark) or to repair them; settlements wait while it runs."""
    from safetynet.early_warning import totals
    from safetynet.store.db import session_scope

    with session_scope(_engine(db)) as s:
        try:
            rows = totals.rebuild(s, year)
        except LookupError as exc:
            fail(str(exc))
    console.print(f"{year}: {rows:,} rows of running totals rebuilt from the ledger; year marked")


@warnings_app.command("round")
def round_cmd(
    action: Annotated[str, typer.Argument(help="draft, approve, pay or cancel.")],
    by: Annotated[str, typer.Option("--by", help="Who does it.")],
    year: Annotated[
        int | None, typer.Option("--year", **YEAR, help="draft: the scheme year.")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="draft: the region (a county).")
    ] = None,
    budget: Annotated[
        str | None, typer.Option("--budget", help="draft: budget, yuan (default: the rules').")
    ] = None,
    round_id: Annotated[
        int | None,
        typer.Option("--round", **ROW_ID, help="approve, pay, cancel: the round's number."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="cancel: why the round is cancelled.")
    ] = None,
    db: Db = None,
) -> None:
    """Keep a re-assistance round: draft it from the ledger, approve it (someone else), pay
    it (a third person; posted to the fund journal) or cancel (a paid round's posting
    reversed)."""
    from safetynet.early_warning.rounds import (
        RoundError,
        approve_round,
        cancel_round,
        draft_round,
        pay_round,
    )
    from safetynet.money import MoneyError, to_fen
    from safetynet.store.db import session_scope

    try:
        with session_scope(_engine(db)) as s:
            if action == "draft":
                if year is None or region is None:
                    fail("draft needs --year and --region")
                fen = to_fen(budget) if budget is not None else None
                row = draft_round(s, year, region, user=by, budget_fen=fen)
            elif action in ("approve", "pay") and round_id is not None:
                move = approve_round if action == "approve" else pay_round
                row = move(s, round_id, user=by, on=local_today())
            elif action == "cancel" and round_id is not None:
                row = cancel_round(s, round_id, user=by, on=local_today(), reason=reason or "")
            else:
                fail("use draft (--year, --region) or approve/pay/cancel (--round)")
            owed, paid = f"{row.owed_fen / 100:,.2f}", f"{row.amount_fen / 100:,.2f}"
            line = f"round {row.id} ({row.year}, {row.region_code}): {row.state}; owed {owed}, "
            line += f"paid {paid} yuan"
    except (RoundError, MoneyError) as exc:
        fail(str(exc))
    console.print(line)


@warnings_app.command("simulate")
def simulate_cmd(
    year: Year,
    claims: Annotated[Path, typer.Option("--claims", help="Claims, .jsonl or .parquet.")],
    base: Annotated[str, typer.Option("--base", help="Base policy file or shipped name.")],
    reform: Annotated[str, typer.Option("--reform", help="Reform policy file or name.")],
    incomes: Incomes = None,
    reference_income: Reference = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write a .csv file.")] = None,
    townships: Annotated[
        Path | None,
        typer.Option("--townships", help="CSV household_id,township: counts by township too."),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="The households' county (or a region under it): its own early-warning "
            "file's lines, else the national file's (the default).",
        ),
    ] = None,
) -> None:
    """Persons and households crossing each warning line under a base and a reform policy,
    by category (and by township with ``--townships``)."""
    from safetynet.early_warning.rules import rules_for
    from safetynet.early_warning.simulate import crossings

    try:
        rules = rules_for(region or "", date(year, 12, 31))
    except LookupError as exc:
        fail(str(exc))
    b = _file_frames(claims, base, incomes, reference_income)
    r = _file_frames(claims, reform, incomes, reference_income)
    places = _townships(townships, b[2]) if townships is not None else None
    table = crossings(rules, (b[0], b[1]), (r[0], r[1]), places)
    by_place = places is not None
    head = ["rule", "category", *(["township"] if by_place else []), "persons base", "reform",
            "households base", "reform"]  # fmt: skip
    shown = RichTable(*head)
    for row in table.iter_rows(named=True):
        shown.add_row(row["rule_id"], row["category"], *([row["township"]] if by_place else []),
                      f"{row['persons_base']:,}", f"{row['persons_reform']:,}",
                      f"{row['households_base']:,}", f"{row['households_reform']:,}")  # fmt: skip
    console.print(shown)
    if out is not None:
        from safetynet.exports.csv_file import write_frame_csv

        write_frame_csv(table, out)


def _townships(path: Path, keys: Any) -> Any:
    """The townships file (``household_id,township``, the claim file's household keys) as
    the simulation's household ids → township; read as every import file (UTF-8 with or
    without BOM, GB18030, .xlsx) and refused whole, by row and column, for a household given
    twice (it was counted in both townships), a blank cell, a formula, no such column or an
    empty file."""
    import polars as pl

    from safetynet.i18n import N_
    from safetynet.tabular import ImportRejected
    from safetynet.tabular.columns import Column, bind
    from safetynet.tabular.problems import Severity
    from safetynet.tabular.reading import read_path
    from safetynet.tabular.values import duplicates, require

    if not path.is_file():
        fail(f"--townships {path}: no such file")
    columns = (Column("household_id", ("户编号", "户号", "household_no"), True),
               Column("township", ("乡镇", "乡镇名称"), True))  # fmt: skip
    try:
        bound = bind(read_path(path), columns)
        problems = bound.problems
        if not any(p.severity is Severity.ERROR for p in problems):
            problems += require(bound, "household_id", "township")
            problems += duplicates(
                bound, ["household_id"], "household_id",
                N_("household %(value)s is also on row %(first)s; each household may appear "
                   "only once"),
            )  # fmt: skip
        if any(p.severity is Severity.ERROR for p in problems):
            raise ImportRejected(problems)
    except ImportRejected as exc:
        fail(f"--townships {path}: {exc.text()}")
    given = bound.frame.select(pl.col("household_id").alias("household_key"), "township")
    return (
        keys.select("household_id", "household_key").unique()
        .join(given, on="household_key", how="inner")
        .select("household_id", "township")
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(warnings_app, name="warnings")
