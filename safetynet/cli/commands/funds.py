"""`safetynet funds ...`: fund accounts from the shell — post a year to the journal, print the
funds' figures, post a manual entry, statements, budgets and prepayments, the payment round
and the year-end settlement. Thin over :mod:`safetynet.funds`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column
from rich.table import Table as RichTable

from safetynet.cli.bounds import MONTH, ROW_ID, YEAR
from safetynet.cli.commands.report import fail

funds_app = typer.Typer(
    help="Fund accounts: post a year, balances, manual entries, statements, payments.",
    no_args_is_help=True,
)
console = Console()

# a year outside the scheme's (year 0, year 99999) posted its allocations or drafted a round
Year = Annotated[int, typer.Option("--year", help="Scheme year.", **YEAR)]
Db = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: SAFETYNET_DATABASE_URL).")
]
Rules = Annotated[str, typer.Option("--rules", help="Funds file: a shipped name or a path.")]
By = Annotated[str, typer.Option("--by", help="Who posts (recorded on the entries).")]


def _engine(db: str | None):  # type: ignore[no-untyped-def]
    from safetynet.config import get_settings
    from safetynet.store.db import make_engine

    return make_engine(db or get_settings().database_url)


def _rules(name: str):  # type: ignore[no-untyped-def]
    from safetynet.funds.rules import PolicyError, load_rules

    try:
        return load_rules(name)
    except PolicyError as exc:
        fail(str(exc))


def _csv_rows(
    path: Path, columns: tuple[str, ...], required: tuple[str, ...]
) -> list[tuple[str, dict[str, str]]]:
    """The rows of a small CSV file with ``columns``, each with its place (``file:line``),
    every ``required`` column filled (an amount left empty is the amount's reader's to
    refuse); UTF-8 with or without the byte-order mark Excel's "CSV UTF-8" writes; anything
    else (no file, not UTF-8, a column or a value missing) is :func:`fail` naming the file
    and line, before anything is written."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in columns if c not in header]
            if missing:
                fail(f"{path}:1: the header lacks the column {', '.join(missing)}")
            rows = []
            for row in reader:
                where = f"{path}:{reader.line_num}"
                empty = [c for c in required if not (row.get(c) or "").strip()]
                if empty:
                    fail(f"{where}: no {', '.join(empty)}")
                rows.append((where, {k: (v or "").strip() for k, v in row.items() if k}))
    except UnicodeDecodeError:
        fail(f"{path}: the file is not UTF-8 text")
    except (OSError, csv.Error) as exc:
        fail(f"{path}: {exc}")
    return rows


@funds_app.command("post")
def post_cmd(year: Year, db: Db = None, rules: Rules = "county-2018", by: By = "funds") -> None:
    """Post a year to the journal: its settlement ledger (entries not posted yet),
    contributions by source and fiscal allocations. Running it again posts only what is new."""
    from safetynet.funds.service import post
    from safetynet.money import fmt_yuan
    from safetynet.store.db import session_scope

    chart = _rules(rules)
    with session_scope(_engine(db), write_lock=True) as s:
        done = post(s, chart, year, by)
    table = RichTable("posted", "journal entries", "ledger entries", "yuan")
    for part, r in done.items():
        table.add_row(
            part, str(len(r.entries)), f"{r.settlements:,}", fmt_yuan(r.spending_fen + r.income_fen)
        )
    console.print(table)


@funds_app.command("balances")
def balances_cmd(year: Year, db: Db = None, rules: Rules = "county-2018") -> None:
    """Print each fund's income, spending, deductions and recoveries, year-end settlements
    (global budgets, deposits forfeited) and balance of a year."""
    from safetynet.funds.service import fund_figures
    from safetynet.money import fmt_yuan
    from safetynet.store.db import session_scope

    chart = _rules(rules)
    with session_scope(_engine(db)) as s:
        figures = fund_figures(s, chart, year)
    # every figure whole on an 80-column terminal: no rules, nothing wrapped
    heads = ("fund", "income", "spending", "taken back", "year-end", "balance")
    table = RichTable(*(Column(h, no_wrap=True) for h in heads), box=None, pad_edge=False)
    for f in figures:
        table.add_row(
            f.fund,
            fmt_yuan(f.income_fen),
            fmt_yuan(f.spending_fen),
            fmt_yuan(f.taken_back_fen),
            fmt_yuan(f.year_end_fen),
            fmt_yuan(f.balance_fen),
        )
    console.print(table)


@funds_app.command("entry")
def entry_cmd(
    lines: Annotated[Path, typer.Argument(help="CSV: fund,account,amount[,institution][,county].")],
    year: Year,
    on: Annotated[
        str,
        typer.Option("--on", help="Date of the entry, YYYY-MM-DD (2000-01-01 to a year ahead)."),
    ],
    memo: Annotated[str, typer.Option("--memo", help="What the entry is for.")],
    by: By,
    db: Db = None,
    rules: Rules = "county-2018",
    reference: Annotated[
        str | None, typer.Option("--reference", help="Posted once under this reference.")
    ] = None,
) -> None:
    """Post a manual entry from a CSV of lines (yuan, debit positive, credit negative);
    refused whole, with the reason, unless it balances."""
    from safetynet.funds.journal import (
        JournalError,
        Line,
        name_counties,
        post_entry,
        unknown_institutions,
    )
    from safetynet.money import MoneyError, to_fen
    from safetynet.store.db import session_scope

    chart = _rules(rules)
    day = _day(on)
    parsed = []
    places = []
    for where, r in _csv_rows(lines, ("fund", "account", "amount"), ("fund", "account")):
        places.append(where)
        try:
            amount = to_fen(r["amount"])
        except MoneyError as exc:
            fail(f"{where}: amount: {exc}")
        parsed.append(
            Line(r["fund"], r["account"], amount, r.get("institution") or None,
                 payer_region=r.get("county") or None)
        )  # fmt: skip
    try:
        with session_scope(_engine(db)) as s:
            unknown = unknown_institutions(s, parsed)
            if unknown:  # the month's round would pay it: no bank file names it
                i, code = unknown[0]
                fail(f"{places[i]}: no institution {code!r} in the registry; nothing was "
                     "written")  # fmt: skip
            entry = post_entry(
                s,
                chart,
                year=year,
                posted_on=day,
                kind="manual",
                lines=name_counties(s, parsed),
                user=by,
                reference=reference,
                memo=memo,
            )
    except JournalError as exc:
        fail(f"refused: {exc}")
    console.print(f"entry {entry} posted ({len(parsed)} lines)")


Month = Annotated[int, typer.Option("--month", **MONTH, help="Month, 1-12.")]
On = Annotated[str, typer.Option("--on", help="Date, YYYY-MM-DD (2000-01-01 to a year ahead).")]


def _day(on: str):  # type: ignore[no-untyped-def]
    """The ``--on`` date, from the scheme's earliest date to a year from the county's today
    (the web's rule for every "on" date): a payment or an entry dated 9999 was posted."""
    from datetime import date, timedelta

    from safetynet.clock import local_today
    from safetynet.settlement.submission import EARLIEST_DATE

    try:
        day = date.fromisoformat(on)
    except ValueError:
        fail(f"--on {on!r}: write the date as YYYY-MM-DD")
    last = local_today() + timedelta(days=366)
    if not EARLIEST_DATE <= day <= last:
        fail(f"--on {on}: out of range, use a date from {EARLIEST_DATE} to {last}")
    return day


@funds_app.command("statements")
def statements_cmd(
    year: Year,
    month: Month,
    db: Db = None,
    rules: Rules = "county-2018",
    institution: Annotated[
        str | None, typer.Option("--institution", help="One institution's code.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write FILE.xlsx or FILE.pdf.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh_Hans (default) or en.")] = "zh_Hans",
    payer: Annotated[
        str | None,
        typer.Option("--payer", help="The paying county's code: its money only."),
    ] = None,
) -> None:
    """Print or export the month's statement of every institution (or one): claims by fund
    and kind, deductions, recoveries, deposit withheld, prepayments netted, payable; one row
    per paying county (or one county's money with --payer)."""
    from sqlalchemy import select

    from safetynet.cli.commands.report import check_document
    from safetynet.exports.pdf import write_pdf
    from safetynet.exports.table import display
    from safetynet.exports.xlsx import write_xlsx
    from safetynet.funds.journal import JournalError
    from safetynet.funds.statements import statements
    from safetynet.funds.tables import statement_table
    from safetynet.store.db import session_scope
    from safetynet.store.models import Institution

    if not 1 <= month <= 12:
        fail(f"--month {month}: use 1-12")
    suffix = check_document(out, lang) if out is not None else None
    chart = _rules(rules)
    try:
        with session_scope(_engine(db)) as s:
            bp = chart.payments.quality_deposit.share_bp
            rows = statements(s, year, bp, institution, payer)
            names = {c: n for c, n in s.execute(select(Institution.code, Institution.name))}
    except JournalError as exc:
        fail(f"--payer: {exc}")
    table = statement_table(chart, rows, names, year, month, lang)
    if out is None:
        shown = RichTable(*[c.label for c in table.columns])
        for row in table.rows:
            shown.add_row(*[display(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
        console.print(shown)
    elif suffix == ".xlsx":
        write_xlsx([table], out)
    else:
        out.write_bytes(write_pdf(table.title, [table]))


@funds_app.command("budgets")
def budgets_cmd(
    year: Year,
    by: By,
    budgets: Annotated[
        Path | None,
        typer.Argument(help="CSV: institution,budget (yuan); omit with --shared."),
    ] = None,
    fund: Annotated[str, typer.Option("--fund", help="The fund of the budgets.")] = "basic",
    shared: Annotated[
        bool,
        typer.Option(
            "--shared",
            help="Share the funds file's county pot of the fund and year by weighted factors.",
        ),
    ] = False,
    preview: Annotated[
        bool, typer.Option("--preview", help="With --shared: explain the shares, record nothing.")
    ] = False,
    db: Db = None,
    rules: Rules = "county-2018",
) -> None:
    """Record institutions' annual budgets (the global budget and the prepayments' base), from
    a CSV or shared from the funds file's county pot by weighted factors (explained)."""
    from safetynet.funds.journal import JournalError
    from safetynet.funds.payments import set_budgets
    from safetynet.money import MoneyError, to_fen
    from safetynet.store.db import session_scope

    chart = _rules(rules)
    if (budgets is None) == (not shared):
        fail("give either a budgets CSV or --shared")
    try:
        if shared:
            amounts = _shared_budgets(chart, fund, year)
        else:
            assert budgets is not None
            amounts = {}
            for where, r in _csv_rows(budgets, ("institution", "budget"), ("institution",)):
                if r["institution"] in amounts:  # which of the two is meant? refused
                    fail(f"refused: {where}: institution {r['institution']} is given twice")
                try:
                    amounts[r["institution"]] = to_fen(r["budget"])
                except MoneyError as exc:
                    fail(f"{where}: budget: {exc}")
        if preview:
            return
        with session_scope(_engine(db)) as s:
            set_budgets(s, chart, year, fund, amounts, by)
    except (JournalError, MoneyError, KeyError, OSError) as exc:
        fail(f"refused: {exc}")
    console.print(f"{len(amounts)} budgets recorded")


def _shared_budgets(chart, fund: str, year: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The pot's shares, printed factor by factor; institution → budget (fen)."""
    from safetynet.funds.sharing import share_budgets, sharing_of
    from safetynet.money import fmt_yuan

    done = share_budgets(sharing_of(chart, fund, year))
    table = RichTable(
        "institution",
        "factor",
        "weight",
        "value",
        "share",
        "contribution",
        "budget",
        title=f"{fund} {year}: pot {fmt_yuan(done.pot_fen)}",
    )
    for b in done.institutions:
        for p in b.parts:
            table.add_row(
                b.institution,
                p.factor,
                f"{float(p.weight):.2%}",
                f"{p.value:,}",
                f"{float(p.share):.4%}",
                fmt_yuan(round(p.contribution_fen)),
                "",
            )
        table.add_row(
            b.institution, "total", "", "", f"{float(b.share):.4%}", "", fmt_yuan(b.amount_fen)
        )
    console.print(table)
    return done.amounts()


@funds_app.command("prepay")
def prepay_cmd(
    year: Year, month: Month, on: On, by: By, db: Db = None, rules: Rules = "county-2018"
) -> None:
    """Post the month's prepayment of every budget (once per institution and month)."""
    from safetynet.funds.journal import JournalError
    from safetynet.funds.payments import post_prepayments
    from safetynet.store.db import session_scope

    chart = _rules(rules)
    try:
        with session_scope(_engine(db)) as s:
            done = post_prepayments(s, chart, year, month, user=by, on=_day(on))
    except JournalError as exc:
        fail(f"refused: {exc}")
    console.print(f"{len(done)} prepayments posted")


round_app = typer.Typer(
    help="A payment round: make, approve (not the maker), release (not the approver).",
    no_args_is_help=True,
)
funds_app.add_typer(round_app, name="round")
Batch = Annotated[int, typer.Option("--batch", help="The payment batch's number.", **ROW_ID)]


def _round_step(step, db: str | None) -> None:  # type: ignore[no-untyped-def]
    from safetynet.funds.journal import JournalError
    from safetynet.store.db import session_scope

    try:
        with session_scope(_engine(db)) as s:
            batch = step(s)
            console.print(f"batch {batch.id}: {batch.state}")
    except JournalError as exc:
        fail(f"refused: {exc}")


@round_app.command("make")
def round_make(
    year: Year,
    month: Month,
    by: By,
    db: Db = None,
    rules: Rules = "county-2018",
    payer: Annotated[
        str | None,
        typer.Option("--payer", help="The paying county's code: a round of its money only."),
    ] = None,
) -> None:
    """Draft the month's payment batch from the statements (of every paying county, or of
    one with --payer)."""
    from safetynet.funds.payments import make_round

    chart = _rules(rules)
    _round_step(lambda s: make_round(s, chart, year, month, user=by, payer_region=payer), db)


@round_app.command("approve")
def round_approve(batch: Batch, by: By, db: Db = None) -> None:
    """Approve a draft batch (refused for its maker)."""
    from safetynet.funds.payments import approve

    _round_step(lambda s: approve(s, batch, user=by), db)


@round_app.command("release")
def round_release(
    batch: Batch,
    by: By,
    on: On,
    out: Annotated[Path, typer.Option("--out", help="The bank's CSV file to write.")],
    db: Db = None,
    rules: Rules = "county-2018",
) -> None:
    """Release an approved batch (refused for its approver; once): post the payments and
    write the bank's CSV."""
    from safetynet.funds.payments import bank_csv, release

    chart = _rules(rules)
    day = _day(on)

    def step(s):  # type: ignore[no-untyped-def]
        done = release(s, chart, batch, user=by, on=day)
        out.write_text(bank_csv(s, batch), encoding="utf-8")
        return done

    _round_step(step, db)


@funds_app.command("year-end")
def year_end_cmd(year: Year, on: On, by: By, db: Db = None, rules: Rules = "county-2018") -> None:
    """Post each global budget's year-end settlement (once) and print it."""
    from safetynet.funds.journal import JournalError
    from safetynet.funds.payments import settle_global_budgets
    from safetynet.money import fmt_yuan
    from safetynet.store.db import session_scope

    chart = _rules(rules)
    try:
        with session_scope(_engine(db)) as s:
            done = settle_global_budgets(s, chart, year, user=by, on=_day(on))
    except JournalError as exc:
        fail(f"refused: {exc}")
    table = RichTable("institution", "fund", "budget", "approved", "settlement")
    for d in done:
        table.add_row(
            d.institution_code,
            d.fund,
            fmt_yuan(d.budget),
            fmt_yuan(d.approved),
            fmt_yuan(d.adjustment),
        )
    console.print(table)


@funds_app.command("deposits")
def deposits_cmd(
    scores: Annotated[Path, typer.Argument(help="CSV: institution,share (0-1 returned).")],
    year: Year,
    on: On,
    by: By,
    db: Db = None,
    rules: Rules = "county-2018",
) -> None:
    """Return the year's quality deposits by each institution's assessment (the rest is
    forfeited); every institution holding a deposit needs a share; each once."""
    from decimal import Decimal, InvalidOperation

    from safetynet.funds.journal import JournalError
    from safetynet.funds.payments import return_deposits
    from safetynet.money import fmt_yuan
    from safetynet.numerals import numeric_text
    from safetynet.store.db import session_scope

    chart = _rules(rules)
    day = _day(on)
    shares: dict[str, Decimal] = {}
    for where, r in _csv_rows(scores, ("institution", "share"), ("institution", "share")):
        if r["institution"] in shares:  # which of the two is meant? refused
            fail(f"refused: {where}: institution {r['institution']} is given twice")
        try:
            share = Decimal(numeric_text(r["share"]))
            if not share.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            fail(f"{where}: share: {r['share']!r} is not a number (a share from 0 to 1)")
        shares[r["institution"]] = share
    try:
        with session_scope(_engine(db)) as s:
            done = return_deposits(s, chart, year, shares, user=by, on=day)
    except JournalError as exc:
        fail(f"refused: {exc}")
    table = RichTable("institution", "fund", "held", "returned", "forfeited")
    for d in done:
        table.add_row(
            d.institution_code,
            d.fund,
            fmt_yuan(d.held),
            fmt_yuan(d.returned),
            fmt_yuan(d.forfeited),
        )
    console.print(table)


@funds_app.command("budget-round")
def budget_round_cmd(
    year: Year,
    fund: Annotated[str, typer.Option("--fund", help="A budget-limited fund.")] = "re_assistance",
    db: Db = None,
    rules: Rules = "county-2018",
    out: Annotated[Path | None, typer.Option("--out", help="Write FILE.xlsx or FILE.pdf.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh_Hans (default) or en.")] = "zh_Hans",
    payer: Annotated[
        str | None,
        typer.Option("--payer", help="The paying county's code: its residents' round only."),
    ] = None,
) -> None:
    """The year-end round of a budget-limited fund: everything its pot paid in the year (the
    window's layers to persons, re-assistance rounds to households), paid in full within the
    pot, else every payee's amount scaled pro rata, each explained."""
    from safetynet.cli.commands.report import check_document
    from safetynet.exports.pdf import write_pdf
    from safetynet.exports.xlsx import write_xlsx
    from safetynet.funds.budget_round import budget_round, with_residents
    from safetynet.funds.journal import JournalError
    from safetynet.funds.tables import round_table
    from safetynet.money import fmt_yuan
    from safetynet.store.db import session_scope

    suffix = check_document(out, lang) if out is not None else None
    chart = _rules(rules)
    try:
        with session_scope(_engine(db)) as s:
            rnd = budget_round(s, chart, fund, year, payer)
            persons = with_residents(s, rnd.persons)
    except JournalError as exc:
        fail(f"refused: {exc}")
    index = rnd.persons["scale_bp"].max() if rnd.persons.height else 10_000
    console.print(
        f"{fund} {year}: budget {fmt_yuan(rnd.pot_fen)}, claims "
        f"{fmt_yuan(rnd.total_fen)}, {rnd.persons.height} payees, index "
        f"{int(index or 10_000) / 100:.2f}%"
    )
    if out is not None:
        table = round_table(chart, rnd, persons, lang)
        if suffix == ".xlsx":
            write_xlsx([table], out)
        else:
            out.write_bytes(write_pdf(table.title, [table]))


@funds_app.command("alarms")
def alarms_cmd(
    year: Year,
    month: Annotated[
        int, typer.Option("--month", **MONTH, help="Figures to the end of this month.")
    ] = 12,
    db: Db = None,
    rules: Rules = "county-2018",
    payer: Annotated[
        str | None,
        typer.Option("--payer", help="The paying county's code: its funds' alarms only."),
    ] = None,
) -> None:
    """List the funds file's alarms that ring for the year to the end of a month, each with
    the figures behind it (exit status 1 when any rings); of one county's funds with
    --payer (each county's funds are its own), else of every county's money together."""
    from safetynet.funds.journal import JournalError
    from safetynet.funds.watch import alarms
    from safetynet.money import fmt_yuan
    from safetynet.store.db import session_scope

    if not 1 <= month <= 12:
        fail(f"--month {month}: use 1-12")
    chart = _rules(rules)
    try:
        with session_scope(_engine(db)) as s:
            hits = alarms(s, chart, year, month, payer)
    except JournalError as exc:
        fail(f"--payer: {exc}")
    if not hits:
        console.print(f"no alarm for {year} to month {month}")
        return
    table = RichTable("alarm", "fund", "figures")
    for h in hits:
        shown = ", ".join(
            f"{k.removesuffix('_fen')}={fmt_yuan(v) if k.endswith('_fen') and v is not None else v}"
            for k, v in h.figures.items()
        )
        table.add_row(h.alarm.id, h.fund, shown)
    console.print(table)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(funds_app, name="funds")
