"""`safetynet review`: fund supervision — screening rules over a claim file or a county's year.

``review screen`` runs every rule of a supervision-rule file over a claim file (with a persons
file for sex and date of death) or over the database's claims of a region and year, and
writes the hits as Parquet, CSV or xlsx; ``review rules`` lists a rule file's rules.
Claim review (``safetynet/review``): ``review sample`` draws a spot-check sample,
``review export`` writes decisions, deductions or sanction cases, ``review cases`` lists the
sanction cases.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from safetynet.cli.bounds import SEED, SHOWN, YEAR
from safetynet.config import get_settings
from safetynet.money import fmt_yuan

if TYPE_CHECKING:
    from safetynet.supervision.schema import RuleSet

console = Console()
err = Console(stderr=True)
review_app = typer.Typer(
    help="Fund supervision and claim review: screening, spot checks, decisions, cases.",
    no_args_is_help=True,
)
RULES_HELP = "A supervision-rule file, or the name of a shipped one (default anhui-langxi-2021)."


def _fail(message: str) -> None:
    err.print(f"[red]{escape(message)}[/red]", soft_wrap=True)
    raise typer.Exit(2)


def _rules(name: str):  # type: ignore[no-untyped-def]
    from safetynet.policy.tree import PolicyError
    from safetynet.supervision.rules import load_rules

    try:
        return load_rules(name)
    except PolicyError as exc:
        _fail(f"rule file rejected:\n{exc}")


@review_app.command("rules")
def rules_list(
    rules: str = typer.Option("anhui-langxi-2021", "--rules", "-r", help=RULES_HELP),
) -> None:
    """List the rules of a supervision-rule file: kind, severity, article, name."""
    ruleset = _rules(rules)
    console.print(escape(f"{ruleset.id}: {ruleset.title_en} / {ruleset.title_zh}"))
    for r in ruleset.rules:
        line = f"{r.id}  {r.kind}  {r.severity}  art. {r.article}  {r.name.en} / {r.name.zh}"
        console.print(escape(line), soft_wrap=True)


@review_app.command("screen")
def screen_cmd(
    claims: Path = typer.Option(None, "--claims", "-c", help="A claim file (.jsonl or .parquet)."),
    persons: Path = typer.Option(
        None,
        "--persons",
        help="Persons file (CSV, .xlsx or Parquet: person_id, sex, deceased_on, phone, "
        "village); refused whole by row and column (a person twice, a date that is none).",
    ),
    db: str = typer.Option(None, "--db", help="Screen the database's claims (with --year)."),
    region: str = typer.Option(None, "--region", help="With --db: the region (default: all)."),
    year: int = typer.Option(
        None, "--year", "-y", **YEAR, help="With --db: the year of the claims."
    ),
    rules: str = typer.Option("anhui-langxi-2021", "--rules", "-r", help=RULES_HELP),
    rule: list[str] = typer.Option(None, "--rule", help="Only this rule id (repeatable)."),
    out: Path = typer.Option(
        None, "--out", "-o", help="Write the hits: FILE.parquet, FILE.csv or FILE.xlsx."
    ),
    lang: str = typer.Option("en", "--lang", help="xlsx language: en or zh_Hans."),
) -> None:
    """Screen claims with every rule of a rule file and write the hits (rule, claim, amount at
    stake and the facts that triggered each) as Parquet, CSV or xlsx."""
    from safetynet.claims.fileformat import ClaimFileRejected, read_claim_file
    from safetynet.money import fmt_yuan
    from safetynet.supervision.frames import ScreenInputError, from_claim_file, read_persons
    from safetynet.supervision.indicators import supervision_indicators
    from safetynet.supervision.output import SUFFIXES, write_hits
    from safetynet.supervision.screen import screen

    if (claims is None) == (db is None):
        _fail("give --claims FILE or --db URL (with --year)")
    if out is not None and out.suffix not in SUFFIXES:
        _fail(f"--out {out}: write .parquet, .csv or .xlsx")
    ruleset = _rules(rules)
    known = set(ruleset.rule_names())
    unknown = [r for r in rule or [] if r not in known]
    if unknown:
        _fail(f"--rule {', '.join(unknown)}: not in {ruleset.id} ({', '.join(sorted(known))})")
    try:
        if claims is not None:
            people = read_persons(persons) if persons is not None else None
            data = from_claim_file(read_claim_file(claims), people)
        else:
            if year is None:
                _fail("--db needs --year")
            data = _from_db(db or get_settings().database_url, region, year, ruleset)
        hits = screen(ruleset, data, only=rule or None)
    except ClaimFileRejected as exc:
        _fail(exc.text("en"))
        return
    except ScreenInputError as exc:
        _fail(str(exc))
        return
    if db is not None:
        from safetynet.supervision.load import in_year

        hits = in_year(hits, year)
    summary = Table("rule", "severity", "hits", "claims", "amount at stake (yuan)")
    for (rule_id, severity), part in sorted(hits.group_by("rule_id", "severity")):
        summary.add_row(
            str(rule_id),
            str(severity),
            f"{part.height:,}",
            f"{part['claim_no'].n_unique():,}",
            fmt_yuan(int(part["amount_fen"].sum())),
        )
    console.print(summary)
    claims_of = data.claims if db is None else data.claims.filter(pl.col("date").dt.year() == year)
    indicators = supervision_indicators(claims_of, hits)
    per_1000 = indicators.filter(
        (pl.col("indicator") == "flagged_per_1000_claims") & pl.col("part").is_null()
    )["value"][0]
    console.print(
        f"{hits.height:,} hits on {hits['claim_no'].n_unique():,} of "
        f"{claims_of.height:,} claims ({per_1000:.2f} per 1,000)"
    )
    if out is not None:
        write_hits(hits, out, ruleset, lang, indicators)
        console.print(f"wrote {out}")


@review_app.command("scores")
def scores_cmd(
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
    region: str = typer.Option(None, "--region", help="The region (default: all)."),
    year: int = typer.Option(..., "--year", "-y", **YEAR, help="The year of the claims."),
    rules: str = typer.Option("anhui-langxi-2021", "--rules", "-r", help=RULES_HELP),
    out: Path = typer.Option(
        None, "--out", "-o", help="Write the scorecard: FILE.xlsx, FILE.csv or FILE.parquet."
    ),
    lang: str = typer.Option("en", "--lang", help="xlsx language: en or zh_Hans."),
    top: int = typer.Option(3, "--top", **SHOWN, help="Units shown per level and kind."),
) -> None:
    """Risk scores of institutions and doctors against peers of their level: robust z-scores
    of each metric and a composite in which every metric's contribution is shown."""
    from safetynet.exports.xlsx import write_xlsx
    from safetynet.store.db import make_engine
    from safetynet.supervision.load import admissions_after, in_year, load_catchment, load_year
    from safetynet.supervision.scorecard_table import scorecard_table
    from safetynet.supervision.scores import scorecard
    from safetynet.supervision.screen import screen

    if out is not None and out.suffix not in (".xlsx", ".csv", ".parquet"):
        _fail(f"--out {out}: write .xlsx, .csv or .parquet")
    ruleset = _rules(rules)
    engine = make_engine(db or get_settings().database_url)
    with engine.connect() as conn:
        data = load_year(conn, region, year, ruleset)
        enrolled = load_catchment(conn, region, year)
        days = int(ruleset.scoring.readmission_days.value)
        after = admissions_after(data, conn, region, year, days)  # a December stay's readmission
    # screened with the look-back (a January readmission after a December discharge), scored
    # on the year's own claims (as the web's scorecard, ``supervision.service.year_scores``)
    hits = in_year(screen(ruleset, data), year)
    data = type(data)(
        data.claims.filter(pl.col("date").dt.year() == year), data.lines, data.persons
    )
    card = scorecard(data, hits, enrolled, scoring=ruleset.scoring, after=after,
                     planned=ruleset.planned_cycles())  # fmt: skip
    for (unit_type, level), part in sorted(card.group_by("unit_type", "level")):
        for row in part.head(top).iter_rows(named=True):
            drivers = sorted(
                ((k[2:], v) for k, v in row.items() if k.startswith("c_") and v > 0),
                key=lambda kv: -kv[1],
            )[:3]
            why = ", ".join(f"{k} {v:.1f}" for k, v in drivers)
            if row["abnormal"]:
                why += "; abnormal: " + ", ".join(row["abnormal"])
            if row["readmission_alert"]:
                why += "; readmission rate above its peers' percentile"
            console.print(
                escape(f"{unit_type} {level} #{row['rank']} {row['unit']}: "
                       f"score {row['score']:.1f} ({why})"),
                soft_wrap=True,
            )  # fmt: skip
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".xlsx":
            write_xlsx([scorecard_table(card, lang)], out)
        elif out.suffix == ".csv":  # a CSV cell holds no list: the abnormal metrics joined
            from safetynet.exports.csv_file import write_frame_csv

            write_frame_csv(card.with_columns(pl.col("abnormal").list.join(";")), out)
        else:
            card.write_parquet(out)
        console.print(f"wrote {out}")


EXPORTS = ("decisions", "deductions", "cases")


@review_app.command("sample")
def sample_cmd(
    region: str = typer.Option(..., "--region", help="The region whose closed claims to sample."),
    start: datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"], help="First day."),
    end: datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"], help="Last day."),
    seed: int = typer.Option(
        ..., "--seed", **SEED, help="The random seed (the same seed, the same sample)."
    ),
    params: str = typer.Option(
        "langxi-2021", "--params", help="A review-parameter file or the name of a shipped one."
    ),
    user: str = typer.Option("cli", "--user", help="Recorded as the one who drew it."),
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """Draw and store a spot-check sample of a region's closed claims of a period, stratified
    by risk score plus a random share (the parameter file's strata and shares)."""
    from safetynet.policy.tree import PolicyError
    from safetynet.review.errors import ReviewError
    from safetynet.review.params import load_params
    from safetynet.review.spot_checks import draw_spot_check, sample
    from safetynet.store.db import make_engine, session_scope

    try:
        rules = load_params(params)
    except PolicyError as exc:
        _fail(f"parameter file rejected:\n{exc}")
        return
    engine = make_engine(db or get_settings().database_url)
    try:
        with session_scope(engine, write_lock=True) as s:
            check = draw_spot_check(s, region=region, start=start.date(), end=end.date(),
                                    seed=seed, by=user, params=rules)  # fmt: skip
            drawn = sample(s, check.id)
            table = Table("stratum", "claims", "amount (yuan)", "drawn", "by random share")
            for stratum, part in check.strata.items():
                mine = [d for d in drawn if d.stratum == stratum]
                by_random = sum(d.by_random_share for d in mine)
                table.add_row(stratum, f"{part['claims']:,}", fmt_yuan(int(part["amount_fen"])),
                              f"{len(mine):,}", f"{by_random:,}")  # fmt: skip
            check_id = check.id
    except ReviewError as exc:
        _fail(exc.message)
        return
    console.print(table)
    console.print(f"spot check {check_id}: {len(drawn):,} claims drawn (seed {seed})")


@review_app.command("export")
def export_cmd(
    what: str = typer.Argument(..., help="decisions, deductions or cases."),
    out: Path = typer.Option(..., "--out", "-o", help="FILE.xlsx or FILE.pdf."),
    start: datetime = typer.Option(
        None, "--from", formats=["%Y-%m-%d"], help="First day (decisions, deductions)."
    ),
    end: datetime = typer.Option(
        None, "--to", formats=["%Y-%m-%d"], help="Last day (decisions, deductions)."
    ),
    institution: str = typer.Option(
        None, "--institution", help="Only this institution (decisions, cases)."
    ),
    lang: str = typer.Option("en", "--lang", help="Language: en or zh_Hans."),
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """Export the review's line decisions, the deductions per institution per month, or the
    sanction cases with their recoveries, as xlsx or PDF."""
    from safetynet.review import tables
    from safetynet.store.db import make_engine, session_scope

    if what not in EXPORTS:
        _fail(f"export {what}: one of {', '.join(EXPORTS)}")
    if out.suffix not in (".xlsx", ".pdf"):
        _fail(f"--out {out}: write .xlsx or .pdf")
    if what != "cases" and (start is None or end is None):
        _fail(f"export {what} needs --from and --to")
    engine = make_engine(db or get_settings().database_url)
    with session_scope(engine) as s:
        if what == "decisions":
            table = tables.decisions_table(s, start.date(), end.date(), lang, institution)
        elif what == "deductions":
            table = tables.deductions_table(s, start.date(), end.date(), lang)
        else:
            table = tables.cases_table(s, lang, institution)
    tables.write([table], out, table.title)
    console.print(f"wrote {out} ({len(table.rows):,} rows)")


@review_app.command("cases")
def cases_cmd(
    institution: str = typer.Option(None, "--institution", help="Only this institution's cases."),
    db: str = typer.Option(None, "--db", help="Database URL (default: SAFETYNET_DATABASE_URL)."),
) -> None:
    """List the sanction cases (Decree No. 735): article, loss, fine, recovered, outstanding."""
    from safetynet.review.sanctions import case_rows
    from safetynet.store.db import make_engine, session_scope

    engine = make_engine(db or get_settings().database_url)
    with session_scope(engine) as s:
        rows = case_rows(s, institution)
    for r in rows:
        times = f" ({r.fine_multiple}×)" if r.fine_multiple else ""  # art. 39: a fixed fine
        line = (f"#{r.id} {r.party} art. {r.article} {r.state}: loss {fmt_yuan(r.loss_fen)}, "
                f"fine {fmt_yuan(r.fine_fen)}{times}, recovered "
                f"{fmt_yuan(r.recovered_fen)}, outstanding {fmt_yuan(r.outstanding_fen)} — "
                f"{r.finding}")  # fmt: skip
        console.print(escape(line), soft_wrap=True)
    console.print(
        f"{len(rows):,} cases, outstanding {fmt_yuan(sum(r.outstanding_fen for r in rows))} yuan"
    )


def _from_db(url: str, region: str | None, year: int, rules: RuleSet):  # type: ignore[no-untyped-def]
    from safetynet.store.db import make_engine
    from safetynet.supervision.load import load_year

    engine = make_engine(url)
    with engine.connect() as conn:
        return load_year(conn, region, year, rules)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
