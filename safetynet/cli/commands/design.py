"""`safetynet design`: search policy parameters for the reform that meets the targets at the
least cost; `safetynet bench design`: candidates per second on a county's year."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from safetynet.cli.bounds import CANDIDATES, PERSONS, SEED, SHOWN, WRITTEN, YEAR
from safetynet.cli.commands.bench import bench_app

console = Console()
err = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    err.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(2)


def design(
    base: str = typer.Option(..., "--base", "-b", help="Base policy file or shipped name."),
    vary: list[str] = typer.Option(
        ...,
        "--vary",
        "-v",
        help="A parameter: PATH=LOW:HIGH:STEP or PATH=V1,V2,... (repeat), e.g. "
        "'layers[basic].rules[inpatient].ratio.county=60%:90%:5%'.",
    ),
    target: list[str] = typer.Option(
        [], "--target", "-t", help="A constraint, e.g. 'poor_ratio>=90%' (repeat)."
    ),
    objective: str = typer.Option(
        "least-spending", "--objective", help="least-spending or most-protection."
    ),
    claims: Path = typer.Option(None, "--claims", "-c", help="Claims, .jsonl or .parquet."),
    db: str = typer.Option(None, "--db", help="Or: the claims of --year in this database."),
    year: int = typer.Option(None, "--year", **YEAR, help="With --db: the claims year."),
    trials: int = typer.Option(200, "--trials", **CANDIDATES, help="Candidates to settle at most."),
    sampler: str = typer.Option("auto", "--sampler", help="auto, grid or tpe."),
    seed: int = typer.Option(1, "--seed", **SEED, help="The sampler's seed."),
    best: int = typer.Option(5, "--best", **SHOWN, help="Best reforms to list."),
    write: int = typer.Option(
        1, "--write", **WRITTEN, help="Best reforms to write as policy files."
    ),
    out: Path = typer.Option(
        Path("design"), "--out", "-o", help="Folder for the reforms, design.xlsx, frontier.svg."
    ),
    lang: str = typer.Option("en", "--lang", help="Tables in en or zh_Hans."),
) -> None:
    """Search the parameters' values for the reform that meets every target at the least
    fund spending (or the most protection); write the best as policy files that extend the
    base, the tables as a workbook and the frontier as a chart."""
    from safetynet.claims.fileformat import ClaimFileRejected
    from safetynet.design.errors import DesignError
    from safetynet.design.reform import write_reform
    from safetynet.design.service import make_design, prepare, run
    from safetynet.design.tables import frontier_svg, result_tables, write_xlsx
    from safetynet.engine.compile import compile_policy
    from safetynet.exports.table import display
    from safetynet.i18n import gettext_for

    if lang not in ("en", "zh_Hans"):
        raise _fail(f"--lang {lang!r}: use zh_Hans or en")
    if (claims is None) == (db is None):
        raise _fail("give the claims year: --claims FILE or --db URL --year YEAR")
    try:
        d = make_design(base, vary, target, objective)
        cp = compile_policy(d.space.base)
        if claims is not None:
            from safetynet.design.source import claims_from_file

            batch = claims_from_file(cp, claims)
            where = claims.name
        else:
            if year is None:
                raise DesignError("--db needs --year")
            from safetynet.design.source import claims_from_db
            from safetynet.store.db import make_engine

            batch = claims_from_db(make_engine(db), cp, year)
            where = f"{year} ({db.split('@')[-1]})"
        claims_year = prepare(d, batch)
        with Progress(
            TextColumn("searching"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("search", total=None)
            result = run(
                d,
                claims_year,
                trials=trials,
                sampler=sampler,
                seed=seed,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except ClaimFileRejected as exc:
        raise _fail(f"claims rejected\n{exc}") from None
    except DesignError as exc:
        raise _fail(str(exc)) from None
    title = f"{d.space.base.id} on {where}: {len(result.candidates)} candidates ({result.sampler})"
    for table in result_tables(result, d.space.base, title, lang, best):
        t = Table(*(escape(c.label) for c in table.columns), title=table.sheet, caption=table.note)
        for row in table.rows[:40]:
            t.add_row(
                *(escape(display(v, c.kind)) for c, v in zip(table.columns, row, strict=True))
            )
        console.print(t)
        if len(table.rows) > 40:
            console.print(f"… {len(table.rows) - 40} more rows in the workbook")
    out.mkdir(parents=True, exist_ok=True)
    write_xlsx(result, d.space.base, out / "design.xlsx", title=title, locale=lang)
    (out / "frontier.svg").write_text(frontier_svg(result, gettext_for(lang)), encoding="utf-8")
    for rank, cand in enumerate(result.best(write), 1):
        path = write_reform(d.space, result, cand, rank, out / f"reform-{rank}.yaml", where)
        console.print(f"reform {rank} (candidate {cand.number}) written to {path}")
    console.print(f"tables written to {out / 'design.xlsx'}, chart to {out / 'frontier.svg'}")


@bench_app.command("design")
def bench_design(
    claims: Path = typer.Option(
        None, "--claims", help="A claim file (e.g. claims_settle.parquet of `safetynet synth`)."
    ),
    persons: int = typer.Option(
        1_000_000,
        "--persons",
        "-n",
        **PERSONS,
        help="Without --claims: generate a county this size.",
    ),
    policy: str = typer.Option("anhui-poor-2017", "--policy", help="Base policy."),
    candidates: int = typer.Option(
        200, "--candidates", **CANDIDATES, help="Candidate reforms to settle."
    ),
) -> None:
    """Time a search of ``--candidates`` reforms on a county's year (target: 200 on
    1,000,000 persons in under 60 s); print candidates/s beside the kernel's claims/s."""
    from safetynet.design.service import make_design, prepare, run
    from safetynet.engine.batch import prepare_batch, settle_prepared
    from safetynet.engine.compile import compile_policy

    rule = "layers[basic].rules[inpatient_poor]"
    n_ratio = max(candidates // 10, 1)
    vary = [
        f"{rule}.ratio.county=" + ",".join(f"{50 + i * 40 / n_ratio:.2f}%" for i in range(n_ratio)),
        f"{rule}.deductible.county=" + ",".join(str(100 * i) for i in range(candidates // n_ratio)),
    ]
    d = make_design(
        policy, vary, ["poor_ratio>=0%", "poor_oop_share[5000]<=100%"], "least-spending"
    )
    cp = compile_policy(d.space.base)
    t0 = time.perf_counter()
    if claims is None:
        from safetynet.synth.county import claim_file, generate

        with console.status(f"generating a county of {persons:,}"):
            frame = claim_file(generate(persons, seed=1))
        import tempfile

        tmp = Path(tempfile.mkdtemp()) / "claims.parquet"
        frame.write_parquet(tmp)
        claims = tmp
    from safetynet.design.source import claims_from_file

    with console.status("preparing the claims once"):
        batch = claims_from_file(cp, claims)
        prepared = time.perf_counter()
        every = prepare_batch(batch)  # the kernel on every claim, for comparison
        settle_prepared(cp, every)  # warm the kernel (numba) outside the timing
        k0 = time.perf_counter()
        settle_prepared(cp, every)
        kernel = time.perf_counter() - k0
        del every
        claims_year = prepare(d, batch)
    s0 = time.perf_counter()
    with console.status(f"searching {d.space.size} candidates"):
        result = run(d, claims_year, trials=candidates, sampler="grid")
    searched = time.perf_counter() - s0
    n, m = len(result.candidates), claims_year.n_settled
    table = Table("measure", "value", title=f"design benchmark — {policy}, {claims.name}")
    table.add_row("claims", f"{claims_year.n_claims:,}")
    table.add_row("person-years with claims", f"{claims_year.n_persons:,}")
    table.add_row("reading the claim file (once)", f"{prepared - t0:.2f} s")
    table.add_row(
        "kernel, every claim, one policy",
        f"{kernel:.3f} s = {claims_year.n_claims / kernel:,.0f} claims/s",
    )
    table.add_row(
        "claims settled per candidate (household-years a varied rule can touch)",
        f"{m:,} ({m / max(claims_year.n_claims, 1):.1%})",
    )
    table.add_row("candidates", f"{n:,}")
    table.add_row("[bold]search[/bold]", f"[bold]{searched:.2f} s[/bold]")
    table.add_row("candidates/s", f"{n / searched:.2f}")
    table.add_row("claims settled/s within the search", f"{n * m / searched:,.0f}")
    console.print(table)
    console.print("the machine is shared: figures vary with its load")


def register(app: typer.Typer) -> None:
    app.command("design")(design)
