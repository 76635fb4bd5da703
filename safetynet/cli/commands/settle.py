"""`safetynet policy`, `settle`, `simulate` and `resettle`: the engine from the shell."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from safetynet.cli.bounds import CLAIMS
from safetynet.i18n import N_, gettext_for
from safetynet.money import fmt_yuan, to_fen

if TYPE_CHECKING:
    from safetynet.policy.schema import Policy

console = Console()
err = Console(stderr=True)
policy_app = typer.Typer(help="Policy files: list, check and show them.", no_args_is_help=True)
_T = TypeVar("_T")
LANG_HELP = "Language of the output: zh_Hans (default) or en."
# Sources' confidence, as users read it (English message ids; the Chinese in messages.po).
CONFIDENCE = {"doc": N_("in the document"), "compiled": N_("from a compilation"),
              "recalled": N_("as widely reported, not checked")}  # fmt: skip


def _lang(lang: str) -> Callable[[str], str]:
    """``gettext`` for ``--lang``, or exit 2 on an unknown language."""
    from safetynet.cli.commands.report import LANGS, fail

    if lang not in LANGS:
        fail(f"--lang {lang!r}: use zh_Hans or en")
    return gettext_for(lang)


def _red_green(colour: str, text: str) -> str:
    return f"[{colour}]{escape(text)}[/{colour}]"


def _title(policy: Policy, lang: str) -> str:
    return policy.title_zh if lang.startswith("zh") else policy.title_en


def _compiled(path: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    from safetynet.engine.compile import compile_policy
    from safetynet.policy.loader import PolicyError, load_policy

    try:
        return compile_policy(load_policy(path))
    except PolicyError as exc:
        _ = gettext_for(lang)
        err.print(_red_green("red", _("policy rejected")))
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@policy_app.command("list")
def policy_list(lang: str = typer.Option("zh_Hans", "--lang", help=LANG_HELP)) -> None:
    """List the policy files shipped with SafetyNet: the name to type, then what it is."""
    from safetynet.policy.labels import layer_name
    from safetynet.policy.loader import load_policy, shipped_policies

    _ = _lang(lang)
    sep = "、" if lang.startswith("zh") else ", "
    for name, path in shipped_policies().items():
        p = load_policy(path)
        layers = sep.join(layer_name(p, la.id, lang) for la in p.layers)
        # The name on a line of its own, never cut: it is what `--policy` takes.
        console.print(f"[bold]{escape(name)}[/bold]", soft_wrap=True, highlight=False)
        console.print(f"  {escape(_title(p, lang))}", soft_wrap=True, highlight=False)
        facts = _("region %(region)s, %(start)s – %(end)s") % {
            "region": p.region, "start": p.valid_from, "end": p.valid_to
        }  # fmt: skip
        console.print(f"  {escape(facts)}", soft_wrap=True, highlight=False)
        console.print("  " + escape(_("layers: %(layers)s") % {"layers": layers}),
                      soft_wrap=True, highlight=False)  # fmt: skip


@policy_app.command("check")
def policy_check(
    files: list[Path] = typer.Argument(..., help="Policy files to check."),
    lang: str = typer.Option("zh_Hans", "--lang", help=LANG_HELP),
) -> None:
    """Check policy files; print every problem with its file and line (exit 2 if any)."""
    from safetynet.policy.loader import PolicyError, load_policy

    _ = _lang(lang)
    bad = 0
    for f in files:
        try:
            p = load_policy(f)
            ok = _("%(file)s: %(title)s, %(n)s layers") % {
                "file": f, "title": _title(p, lang), "n": len(p.layers)
            }  # fmt: skip
            console.print(_red_green("green", _("ok")) + " " + escape(ok), soft_wrap=True)
        except PolicyError as exc:
            bad += 1
            n = _("%(n)s problem(s):") % {"n": len(exc.problems)}
            err.print(_red_green("red", _("rejected")) + " " + escape(n), soft_wrap=True)
            err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
    if bad:
        raise typer.Exit(2)


@policy_app.command("show")
def policy_show(
    policy: str = typer.Argument(..., help="A policy file or shipped name."),
    lang: str = typer.Option("zh_Hans", "--lang", help=LANG_HELP),
) -> None:
    """Show a policy's layers and rules, with the source of each."""
    from safetynet.policy.labels import layer_name, rule_name, source_title

    _ = _lang(lang)
    cp = _compiled(policy, lang)
    p = cp.policy
    console.print(f"[bold]{escape(_title(p, lang))}[/bold] ({p.valid_from} – {p.valid_to})")
    table = Table(_("layer"), _("rule"), _("source"), _("confidence"))
    for column in table.columns:  # names wrap in a narrow terminal; none is cut short
        column.overflow = "fold"
    for ref in cp.rules:
        src = p.sources[ref.source]
        table.add_row(
            layer_name(p, ref.layer_id, lang),
            rule_name(p, ref.layer_id, ref.rule_id, lang),
            source_title(p, ref.source, lang),
            _(CONFIDENCE[src.confidence.value]),
        )
    console.print(table)


def default_results_path(claims: Path) -> Path:
    """Where ``settle`` writes without ``--out``: the current directory, named after the
    claims file (``claims.jsonl`` → ``claims.settled.jsonl``)."""
    return Path.cwd() / f"{claims.stem}.settled{claims.suffix}"


ENGINE_HELP = "process (this machine, household batches) or spark."
MASTER_HELP = "Spark master URL with --engine spark (local[*], spark://host:7077, yarn)."
BATCH_HELP = "Claims per household batch in process (memory is bounded by the batch)."


def _scaled(what: str, lang: str, run: Callable[[], _T]) -> _T:
    """Run a scale-out call; bad claims and an unavailable Spark are exit 2 with the reason."""
    from safetynet.claims.fileformat import ClaimFileRejected
    from safetynet.scaleout.spark import SparkUnavailable

    _ = gettext_for(lang)
    try:
        return run()
    except ClaimFileRejected as exc:
        err.print(_red_green("red", _(what)))
        err.print(exc.text(lang), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except SparkUnavailable as exc:
        err.print(_red_green("red", _("Spark unavailable")))
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _engine(engine: str) -> None:
    if engine not in ("process", "spark"):
        err.print(f"--engine {engine}: process | spark", markup=False)
        raise typer.Exit(2)


def settle(
    policy: str = typer.Option(..., "--policy", "-p", help="Policy file or shipped name."),
    claims: str = typer.Option(
        ..., "--claims", "-c", help="Claims, .jsonl or .parquet (with Spark: any URL it reads)."
    ),
    out: str = typer.Option(
        None,
        "--out",
        "-o",
        help="Results file, .jsonl or .parquet (default: CLAIMS.settled.jsonl in the current "
        "directory).",
    ),
    lang: str = typer.Option("zh_Hans", "--lang", help=LANG_HELP),
    engine: str = typer.Option("process", "--engine", help=ENGINE_HELP),
    master: str = typer.Option("local[*]", "--master", help=MASTER_HELP),
    batch_claims: int = typer.Option(5_000_000, "--batch-claims", **CLAIMS, help=BATCH_HELP),
) -> None:
    """Settle a claim file through every layer of a policy; write each claim's layers."""
    from safetynet.policy.labels import layer_name
    from safetynet.scaleout import spark, stream

    _ = _lang(lang)
    _engine(engine)
    cp = _compiled(policy, lang)
    target = out or str(default_results_path(Path(claims)))
    if engine == "spark":  # paths stay strings: hdfs://, s3a://
        nothing = N_("claims rejected, nothing settled")
        run = _scaled(nothing, lang, lambda: spark.settle(cp, claims, target, master=master))
        done = _("%(n)s claims settled on Spark (%(master)s, %(k)s partitions) in %(s)s s")
        values = {"n": f"{run.claims:,}", "master": master, "k": run.partitions}
        console.print(done % {**values, "s": f"{run.seconds:.1f}"}, markup=False)
        where = _("results written to %(path)s") % {"path": target}
        console.print(where, markup=False, highlight=False, soft_wrap=True)
        return
    totals = _scaled(
        N_("claims rejected, nothing settled"),
        lang,
        lambda: stream.settle_file(cp, Path(claims), Path(target), batch_claims=batch_claims),
    )
    title = _("%(n)s claims under %(policy)s") % {
        "n": f"{totals.claims:,}", "policy": _title(cp.policy, lang)
    }  # fmt: skip
    table = Table(_("layer"), _("paid (yuan)"), title=title)
    for lid, paid in totals.layers.items():
        table.add_row(layer_name(cp, lid, lang), fmt_yuan(paid))
    table.add_row(_("institutions (review deductions)"), fmt_yuan(totals.deducted))
    table.add_row(_("patients (out of pocket)"), fmt_yuan(totals.out_of_pocket))
    table.add_row("[bold]" + escape(_("total cost")) + "[/bold]", fmt_yuan(totals.total))
    console.print(table)
    where = _("results written to %(path)s") % {"path": Path(target).resolve()}
    console.print(where, markup=False, highlight=False, soft_wrap=True)


def _threshold(catastrophic: str, _: Callable[[str], str]) -> int:
    """``--catastrophic`` in fen: exact yuan (at most two decimals), zero or more; else exit 2
    before anything is settled."""
    from safetynet.cli.commands.report import fail
    from safetynet.money import MoneyError

    try:
        fen = to_fen(catastrophic)
    except MoneyError:
        fen = -1
    if fen < 0:
        message = _(
            "--catastrophic %(value)s: an amount in yuan, zero or more, at most two decimals"
        )
        fail(message % {"value": repr(catastrophic)})
    return fen


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
    lang: str = typer.Option("zh_Hans", "--lang", help=LANG_HELP),
    engine: str = typer.Option("process", "--engine", help=ENGINE_HELP),
    master: str = typer.Option("local[*]", "--master", help=MASTER_HELP),
    batch_claims: int = typer.Option(5_000_000, "--batch-claims", **CLAIMS, help=BATCH_HELP),
) -> None:
    """Replay the same claims under a base and a reform policy and compare them."""
    from safetynet.exports.table import display
    from safetynet.policy.schema import LayerType
    from safetynet.scaleout import spark, stream
    from safetynet.simulation.compare import compare
    from safetynet.simulation.export import TITLE, comparison_tables
    from safetynet.simulation.export import write_xlsx as write_tables

    _ = _lang(lang)
    _engine(engine)
    threshold_fen = _threshold(catastrophic, _)
    cb, cr = _compiled(base, lang), _compiled(reform, lang)
    nothing = N_("claims rejected, nothing compared")
    if engine == "spark":
        rb, rr, _run = _scaled(nothing, lang, lambda: spark.simulate(cb, cr, claims, master=master))
    else:  # one pass over the claims: each batch prepared once, settled under both
        rb, rr = _scaled(
            nothing,
            lang,
            lambda: stream.simulate_file(cb, cr, Path(claims), batch_claims=batch_claims),
        )
    policies = (cb.policy, cr.policy)
    basic = tuple(dict.fromkeys(
        la.id for p in policies for la in p.layers if la.type == LayerType.BASIC
    ))  # fmt: skip
    cmp = compare(rb, rr, threshold_fen, basic)
    values = {"base": _title(cb.policy, lang), "reform": _title(cr.policy, lang),
              "claims": Path(claims).name}  # fmt: skip
    title = _(TITLE) % values
    console.print(title, markup=False, highlight=False)
    for table in comparison_tables(cmp, title, lang, policies):  # the workbook's sheets
        t = Table(*(c.label for c in table.columns), title=table.sheet, caption=table.note)
        for row in table.rows:
            t.add_row(
                *(
                    escape(display(v, c.kind, c.points))
                    for c, v in zip(table.columns, row, strict=True)
                )
            )
        console.print(t)
    if xlsx:
        write_tables(cmp, xlsx, title=title, locale=lang, policies=policies)
        where = _("comparison written to %(path)s") % {"path": xlsx.resolve()}
        console.print(where, markup=False, highlight=False, soft_wrap=True)


def resettle(
    policy: str = typer.Option(..., "--policy", "-p", help="Policy file or shipped name."),
    claims: Path = typer.Option(..., "--claims", "-c", help="The year's claims, as corrected."),
    settled: Path = typer.Option(
        ..., "--settled", "-s", help="Results written earlier by `safetynet settle`."
    ),
    person: str = typer.Option(None, "--person", help="Only this person's claims (resident ID)."),
    out: Path = typer.Option(None, "--out", "-o", help="Write the differences (.xlsx/.csv)."),
    lang: str = typer.Option("zh_Hans", "--lang", help=LANG_HELP),
) -> None:
    """Year-end re-settlement: replay the year in date order and list what differs."""
    from safetynet.claims.resettle import ResultsFileError
    from safetynet.claims.resettle import resettle as run_resettle

    _ = _lang(lang)
    cp = _compiled(policy, lang)
    try:
        r = _resettle_or_reject(run_resettle, cp, claims, settled, person, lang)
    except ResultsFileError as exc:
        err.print(_red_green("red", _("earlier results unreadable")))
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if r.missing_before:
        missing = _("%(n)s claim(s) were not in the earlier results (counted as unpaid): %(first)s")
        first = ", ".join(r.missing_before[:5]) + ("…" if len(r.missing_before) > 5 else "")
        err.print(
            f"[yellow]{escape(missing % {'n': len(r.missing_before), 'first': first})}[/yellow]"
        )
    title = _("Re-settlement under %(policy)s: %(n)s person(s) differ") % {
        "policy": _title(cp.policy, lang), "n": f"{r.persons.height:,}"
    }  # fmt: skip
    t = Table(
        _("person"), _("claims"), _("paid before"), _("paid now"), _("difference"), title=title
    )
    for pid, n, b, a, d in r.persons.head(50).iter_rows():
        t.add_row(pid, f"{n:,}", fmt_yuan(b), fmt_yuan(a), ("+" if d > 0 else "") + fmt_yuan(d))
    console.print(t)
    top_up = int(r.persons.filter(pl.col("difference") > 0)["difference"].sum())
    recover = int(r.persons.filter(pl.col("difference") < 0)["difference"].sum())
    totals = _("top-ups %(top_up)s yuan, recoveries %(recover)s yuan") % {
        "top_up": fmt_yuan(top_up), "recover": fmt_yuan(-recover)
    }  # fmt: skip
    console.print(totals, markup=False, highlight=False)
    if out:
        frame = r.differences.with_columns(pl.col("date").cast(pl.String))
        if out.suffix == ".xlsx":
            frame.write_excel(out, worksheet="differences (fen)")
        else:
            from safetynet.exports.csv_file import write_frame_csv

            write_frame_csv(frame, out)
        where = _("differences written to %(path)s") % {"path": out.resolve()}
        console.print(where, markup=False, highlight=False, soft_wrap=True)


def _resettle_or_reject(run, cp, claims: Path, settled: Path, person: str | None, lang: str):  # type: ignore[no-untyped-def]
    from safetynet.claims.fileformat import ClaimFileRejected

    try:
        return run(cp, claims, settled, person_id=person)
    except ClaimFileRejected as exc:
        _ = gettext_for(lang)
        err.print(_red_green("red", _("claims rejected, nothing replayed")))
        err.print(exc.text(lang), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
    app.command("settle")(settle)
    app.command("simulate")(simulate)
    app.command("resettle")(resettle)
