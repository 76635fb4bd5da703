"""`safetynet policy`, `settle`, `simulate` and `resettle`: the engine from the shell."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from safetynet.money import fmt_yuan, to_fen

console = Console()
err = Console(stderr=True)
policy_app = typer.Typer(help="Policy files: list, check and show them.", no_args_is_help=True)


def _compiled(path: str):  # type: ignore[no-untyped-def]
    from safetynet.policy.compile import compile_policy
    from safetynet.policy.loader import PolicyError, load_policy

    try:
        return compile_policy(load_policy(path))
    except PolicyError as exc:
        err.print(f"[red]policy rejected[/red]\n{exc}")
        raise typer.Exit(2) from None


@policy_app.command("list")
def policy_list() -> None:
    """List the policy files shipped with SafetyNet."""
    from safetynet.policy.loader import load_policy, shipped_policies

    table = Table("file", "title", "region", "valid", "layers")
    for name, path in shipped_policies().items():
        p = load_policy(path)
        table.add_row(
            name,
            p.title_en,
            p.region,
            f"{p.valid_from} – {p.valid_to}",
            ", ".join(layer.id for layer in p.layers),
        )
    console.print(table)


@policy_app.command("check")
def policy_check(files: list[Path] = typer.Argument(..., help="Policy files to check.")) -> None:
    """Check policy files; print every problem with its file and line (exit 2 if any)."""
    from safetynet.policy.loader import PolicyError, load_policy

    bad = 0
    for f in files:
        try:
            p = load_policy(f)
            console.print(f"[green]ok[/green] {f}: {p.id}, {len(p.layers)} layers")
        except PolicyError as exc:
            bad += 1
            err.print(f"[red]rejected[/red] {exc}")
    if bad:
        raise typer.Exit(2)


@policy_app.command("show")
def policy_show(policy: str = typer.Argument(..., help="A policy file or shipped name.")) -> None:
    """Show a policy's layers and rules, with the source of each."""
    cp = _compiled(policy)
    p = cp.policy
    console.print(f"[bold]{p.title_en}[/bold] / {p.title_zh} ({p.valid_from} – {p.valid_to})")
    table = Table("layer", "rule", "source", "confidence")
    for ref in cp.rules:
        src = p.sources[ref.source]
        table.add_row(ref.layer_id, ref.rule_id, src.document, src.confidence.value)
    console.print(table)


ENGINE_HELP = "process (this machine, household batches) or spark."
MASTER_HELP = "Spark master URL with --engine spark (local[*], spark://host:7077, yarn)."
BATCH_HELP = "Claims per household batch in process (memory is bounded by the batch)."


def _engine(engine: str) -> None:
    if engine not in ("process", "spark"):
        err.print(f"[red]--engine {engine!r}: use process or spark[/red]")
        raise typer.Exit(2)


def _run_or_reject(what: str, run):  # type: ignore[no-untyped-def]
    """Run a scale-out call; bad claims and an unreachable Spark are exit 2 with the reason."""
    from safetynet.claims.fileformat import ClaimFileRejected
    from safetynet.scaleout.spark import SparkUnavailable

    try:
        return run()
    except ClaimFileRejected as exc:
        err.print(f"[red]claims rejected, nothing {what}[/red]\n{exc}")
        raise typer.Exit(2) from None
    except SparkUnavailable as exc:
        err.print(f"[red]Spark unavailable, nothing {what}[/red]\n{exc}")
        raise typer.Exit(2) from None


def settle(
    policy: str = typer.Option(..., "--policy", "-p", help="Policy file or shipped name."),
    claims: str = typer.Option(
        ..., "--claims", "-c", help="Claims, .jsonl or .parquet (with Spark: any URL it reads)."
    ),
    out: str = typer.Option(
        None, "--out", "-o", help="Results file, .jsonl or .parquet (default: beside the claims)."
    ),
    engine: str = typer.Option("process", "--engine", help=ENGINE_HELP),
    master: str = typer.Option("local[*]", "--master", help=MASTER_HELP),
    batch_claims: int = typer.Option(5_000_000, "--batch-claims", help=BATCH_HELP),
) -> None:
    """Settle a claim file through every layer of a policy; write each claim's layers."""
    from safetynet.scaleout import spark, stream

    _engine(engine)
    cp = _compiled(policy)
    src = Path(claims)
    out = out or str(src.with_name(src.stem + ".settled" + src.suffix))
    if engine == "spark":  # paths stay strings: hdfs://, s3a://
        run = _run_or_reject("settled", lambda: spark.settle(cp, claims, out, master=master))
        console.print(
            f"{run.claims:,} claims settled on Spark ({master}, {run.partitions} partitions) "
            f"in {run.seconds:.1f} s; results written to the folder {out}"
        )
        return
    totals = _run_or_reject(
        "settled", lambda: stream.settle_file(cp, src, Path(out), batch_claims=batch_claims)
    )
    table = Table("layer", "paid (yuan)", title=f"{totals.claims:,} claims under {cp.policy.id}")
    for lid, paid in totals.layers.items():
        table.add_row(lid, fmt_yuan(paid))
    table.add_row("institution (review deductions)", fmt_yuan(totals.deducted))
    table.add_row("patients", fmt_yuan(totals.out_of_pocket))
    table.add_row("[bold]total cost[/bold]", fmt_yuan(totals.total))
    console.print(table)
    console.print(f"results written to {out}")


def simulate(
    base: str = typer.Option(..., "--base", "-b", help="Base policy file or shipped name."),
    reform: str = typer.Option(..., "--reform", "-r", help="Reform policy (often `extends` base)."),
    claims: str = typer.Option(
        ..., "--claims", "-c", help="Claims, .jsonl or .parquet (with Spark: any URL it reads)."
    ),
    xlsx: Path = typer.Option(None, "--xlsx", help="Also write the comparison to this workbook."),
    catastrophic: str = typer.Option(
        "10000", help="Annual out-of-pocket (yuan) above which a person counts as catastrophic."
    ),
    lang: str = typer.Option("zh_Hans", "--lang", help="zh_Hans (default) or en."),
    engine: str = typer.Option("process", "--engine", help=ENGINE_HELP),
    master: str = typer.Option("local[*]", "--master", help=MASTER_HELP),
    batch_claims: int = typer.Option(5_000_000, "--batch-claims", help=BATCH_HELP),
) -> None:
    """Replay the same claims under a base and a reform policy and compare them."""
    from safetynet.cli.commands.report import LANGS, fail
    from safetynet.exports.table import display
    from safetynet.i18n import gettext_for
    from safetynet.simulation.compare import compare
    from safetynet.simulation.export import TITLE, comparison_tables
    from safetynet.simulation.export import write_xlsx as write_tables

    if lang not in LANGS:
        fail(f"--lang {lang!r}: use zh_Hans or en")
    from safetynet.scaleout import spark, stream

    _engine(engine)
    cb, cr = _compiled(base), _compiled(reform)
    if engine == "spark":
        rb, rr, _ = _run_or_reject(
            "compared", lambda: spark.simulate(cb, cr, claims, master=master)
        )
    else:  # one pass over the claims: each batch prepared once, settled under both
        rb, rr = _run_or_reject(
            "compared",
            lambda: stream.simulate_file(cb, cr, Path(claims), batch_claims=batch_claims),
        )
    cmp = compare(rb, rr, to_fen(catastrophic))
    values = {"base": cb.policy.id, "reform": cr.policy.id, "claims": Path(claims).name}
    title = gettext_for(lang)(TITLE) % values
    console.print(title)
    for table in comparison_tables(cmp, title, lang):  # the workbook's sheets, on the terminal
        t = Table(*(c.label for c in table.columns), title=table.sheet, caption=table.note)
        for row in table.rows:
            t.add_row(*(display(v, c.kind) for c, v in zip(table.columns, row, strict=True)))
        console.print(t)
    if xlsx:
        write_tables(cmp, xlsx, title=title, locale=lang)
        console.print(f"comparison written to {xlsx}")


def resettle(
    policy: str = typer.Option(..., "--policy", "-p", help="Policy file or shipped name."),
    claims: Path = typer.Option(..., "--claims", "-c", help="The year's claims, as corrected."),
    settled: Path = typer.Option(
        ..., "--settled", "-s", help="Results written earlier by `safetynet settle`."
    ),
    person: str = typer.Option(None, "--person", help="Only this person's claims (resident ID)."),
    out: Path = typer.Option(None, "--out", "-o", help="Write the differences (.xlsx/.csv)."),
) -> None:
    """Year-end re-settlement: replay the year in date order and list what differs."""
    from safetynet.claims.resettle import ResultsFileError
    from safetynet.claims.resettle import resettle as run_resettle

    cp = _compiled(policy)
    try:
        r = _resettle_or_reject(run_resettle, cp, claims, settled, person)
    except ResultsFileError as exc:
        err.print(f"[red]earlier results unreadable[/red]\n{exc}")
        raise typer.Exit(2) from None
    if r.missing_before:
        err.print(
            f"[yellow]{len(r.missing_before)} claim(s) were not in the earlier results "
            f"(counted as unpaid): {', '.join(r.missing_before[:5])}…[/yellow]"
        )
    t = Table(
        "person",
        "claims",
        "paid before",
        "paid now",
        "difference",
        title=f"Re-settlement under {cp.policy.id}: {r.persons.height:,} person(s) differ",
    )
    for pid, n, b, a, d in r.persons.head(50).iter_rows():
        t.add_row(pid, f"{n:,}", fmt_yuan(b), fmt_yuan(a), ("+" if d > 0 else "") + fmt_yuan(d))
    console.print(t)
    top_up = int(r.persons.filter(pl.col("difference") > 0)["difference"].sum())
    recover = int(r.persons.filter(pl.col("difference") < 0)["difference"].sum())
    console.print(f"top-ups {fmt_yuan(top_up)} yuan, recoveries {fmt_yuan(-recover)} yuan")
    if out:
        frame = r.differences.with_columns(pl.col("date").cast(pl.String))
        if out.suffix == ".xlsx":
            frame.write_excel(out, worksheet="differences (fen)")
        else:
            frame.write_csv(out)
        console.print(f"differences written to {out}")


def _resettle_or_reject(run, cp, claims: Path, settled: Path, person: str | None):  # type: ignore[no-untyped-def]
    from safetynet.claims.fileformat import ClaimFileRejected

    try:
        return run(cp, claims, settled, person_id=person)
    except ClaimFileRejected as exc:
        err.print(f"[red]claims rejected, nothing replayed[/red]\n{exc}")
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
    app.command("settle")(settle)
    app.command("simulate")(simulate)
    app.command("resettle")(resettle)
