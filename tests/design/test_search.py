"""The search recovers a known answer; a returned reform, settled by `safetynet settle`,
meets every target it was found under, to the fen; bad input is a clear error."""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.design.errors import DesignError
from safetynet.design.service import make_design, prepare, run
from safetynet.design.source import claims_from_file
from safetynet.engine.batch import settle_batch
from safetynet.engine.compile import compile_policy
from safetynet.simulation.compare import POOR_MASK
from tests.design.helpers import write_claims

BASE = "anhui-poor-2017"
RULE = "layers[basic].rules[inpatient_poor]"
RATIO = f"{RULE}.ratio.county"
DEDUCTIBLE = f"{RULE}.deductible.county"
VARY = [f"{RATIO}=60%:90%:10%", f"{DEDUCTIBLE}=0,250,800"]
# the others' rule: no backstop evens out its spending, so no two grid points cost the same
OTHERS = "layers[basic].rules[inpatient]"
VARY_OTHERS = [f"{OTHERS}.ratio.county=60%:90%:10%", f"{OTHERS}.deductible.county=0,250,800"]


def _brute_force(claims: Path) -> list[tuple[dict, int, int, int]]:
    """Every grid point settled by the public batch engine: (choice, spend, paid, total)."""
    d = make_design(BASE, VARY_OTHERS, [], "least-spending")
    batch = claims_from_file(compile_policy(d.space.base), claims)
    out = []
    paths = [p.path for p in d.space.parameters]
    for values in itertools.product(*(p.values for p in d.space.parameters)):
        choice = dict(zip(paths, values, strict=True))
        res = settle_batch(compile_policy(d.space.policy(choice)), batch)
        paid = res.select(pl.sum_horizontal(pl.col("^pay_.*$"))).to_series()
        out.append((choice, int(paid.sum()), int(paid.sum()), int(res["total_fen"].sum())))
    return out


def _known_answer(points: list[tuple[dict, int, int, int]]) -> tuple[str, dict]:
    """A target ``ratio>=X`` under which exactly one grid point is the cheapest feasible."""
    for choice, _spend, paid, total in sorted(points, key=lambda p: p[1]):
        bp = paid * 10_000 // total  # the point's own ratio, rounded down to 0.01 %
        feasible = [p for p in points if p[2] * 10_000 >= bp * p[3]]
        cheapest = min(p[1] for p in feasible)
        winners = [p for p in feasible if p[1] == cheapest]
        if len(winners) == 1 and winners[0][0] == choice and len(feasible) not in (1, len(points)):
            return f"ratio>={bp / 100:.2f}%", choice
    raise AssertionError("no grid point makes a unique known answer")


def test_search_recovers_the_known_cheapest_feasible_point(tmp_path: Path) -> None:
    claims = write_claims(tmp_path / "claims.jsonl")
    points = _brute_force(claims)
    assert len({p[1] for p in points}) == len(points)  # no two points cost the same
    target, expected = _known_answer(points)
    d = make_design(BASE, VARY_OTHERS, [target], "least-spending")
    year = prepare(d, claims_from_file(compile_policy(d.space.base), claims))
    result = run(d, year, trials=200)
    assert result.sampler == "grid" and len(result.candidates) == 12
    assert result.best(1)[0].choice == expected
    # and TPE, given the whole budget, finds it too
    tpe = run(d, year, trials=40, sampler="tpe", seed=3)
    assert tpe.best(1)[0].choice == expected


def test_settled_reform_meets_every_target_to_the_fen(tmp_path: Path) -> None:
    claims = write_claims(tmp_path / "claims.jsonl")
    out = tmp_path / "out"
    targets = ["poor_ratio>=83.1%", "poor_oop_share[2000]<=96%", "spend[basic]<=1600000"]
    runner = CliRunner()
    args = ["design", "--base", BASE, "--claims", str(claims), "--out", str(out)]
    for v in VARY:
        args += ["--vary", v]
    for t in targets:
        args += ["--target", t]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    reform = out / "reform-1.yaml"
    text = reform.read_text(encoding="utf-8")
    assert (
        text.startswith("# Reform 1 of anhui-poor-2017") and "extends: anhui-poor-2017.yaml" in text
    )
    assert (out / "design.xlsx").stat().st_size > 0 and "<svg" in (out / "frontier.svg").read_text()
    assert runner.invoke(app, ["policy", "check", str(reform)]).exit_code == 0
    settled = tmp_path / "settled.parquet"
    r = runner.invoke(
        app, ["settle", "--policy", str(reform), "--claims", str(claims), "--out", str(settled)]
    )
    assert r.exit_code == 0, r.output
    res = pl.read_parquet(settled)
    pays = [c for c in res.columns if c.startswith("pay_")]
    res = res.with_columns(
        pl.sum_horizontal(pays).alias("paid"),
        ((pl.col("status_mask") & POOR_MASK) != 0).alias("poor"),
    )
    poor = res.filter(pl.col("poor"))
    assert int(poor["paid"].sum()) * 10_000 >= 8_310 * int(poor["total_fen"].sum())
    annual = poor.group_by("person_id").agg(pl.col("out_of_pocket_fen").sum())
    assert (annual["out_of_pocket_fen"] > 200_000).sum() * 100 <= 96 * annual.height
    assert int(res["pay_basic"].sum()) <= 160_000_000
    # the figures written in the reform's comment are the settled ones, to the fen
    spend = int(res.select(pays).sum().sum_horizontal()[0])
    assert f"fund spending {spend / 100:,.2f} yuan" in text


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, ["design", "--base", BASE, *args])
    return r.exit_code, r.output


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    claims = str(write_claims(tmp_path / "claims.jsonl", persons=10))
    code, out = _cli("--claims", claims, "--vary", f"{RULE}.ratios.county=60%,70%")
    assert code == 2 and "the policy has no layers[basic].rules[inpatient_poor].ratios" in out
    code, out = _cli("--claims", claims, "--vary", "layers[basic].rules[nope].ratio=60%")
    assert code == 2 and "rules[nope]" in out and "inpatient_poor" in out
    code, out = _cli("--claims", claims, "--vary", f"{RATIO}=80%:120%:10%")
    assert code == 2 and "110%" in out and "between 0% and 100%" in out
    code, out = _cli("--claims", claims, "--vary", f"{DEDUCTIBLE}=-100,0")
    assert code == 2 and "may not be negative" in out
    code, out = _cli(
        "--claims", claims, "--vary", f"{RATIO}=60%,70%", "--target", "poor_ratio>=99%"
    )
    assert code == 2 and "no feasible reform" in out and "'poor_ratio>=99%'" in out
    code, out = _cli(
        "--claims", claims, "--vary", f"{RATIO}=60%,70%",
        "--target", "spend<=1", "--target", "poor_ratio>=10%",
    )  # fmt: skip
    assert code == 2 and "no feasible reform" in out and "spend<=1" in out
    code, out = _cli(
        "--claims", claims, "--vary", f"{RATIO}=60%,70%",
        "--target", "poor_ratio>=90%", "--target", "poor_ratio<=80%",
    )  # fmt: skip
    assert code == 2 and "contradict" in out
    code, out = _cli("--claims", claims, "--vary", f"{RATIO}=60%", "--target", "speed<=1")
    assert code == 2 and "no metric 'speed'" in out


def test_jointly_infeasible_targets_name_the_binding_one(tmp_path: Path) -> None:
    claims = write_claims(tmp_path / "claims.jsonl", persons=20)
    d0 = make_design(BASE, VARY, [], "least-spending")
    year0 = prepare(d0, claims_from_file(compile_policy(d0.space.base), claims))
    spends = sorted(c.figures.spend for c in run(d0, year0).candidates)  # type: ignore[union-attr]
    ratios = sorted(c.figures.poor_ratio for c in run(d0, year0).candidates)  # type: ignore[union-attr]
    # each alone is met (the cheapest point; the most generous), both at once by none
    targets = [
        f"spend<={spends[0] / 100:.2f}",
        f"poor_ratio>={int(ratios[-1] * 10_000) / 100:.2f}%",
    ]
    d = make_design(BASE, VARY, targets, "least-spending")
    with pytest.raises(DesignError, match="none meets all at once"):
        run(d, prepare(d, claims_from_file(compile_policy(d.space.base), claims)))


def test_restricting_to_affected_households_gives_the_full_figures(tmp_path: Path) -> None:
    """Only household-years a varied rule can touch are settled again; the sums equal a
    settlement of every claim."""
    claims = write_claims(tmp_path / "claims.jsonl")
    d = make_design(
        BASE,
        VARY,
        ["poor_oop_share[2000]<=100%", "catastrophic_households[3000]>=0"],
        "least-spending",
    )
    cp = compile_policy(d.space.base)
    batch = claims_from_file(cp, claims)
    year = prepare(d, batch)
    assert year.n_settled < year.n_claims
    full = type(year)(batch, year.thresholds, cp, None)
    variant = compile_policy(d.space.policy({RATIO: "70%", DEDUCTIBLE: 800}))
    assert year.figures(variant) == full.figures(variant)


def test_most_protection_within_a_budget(tmp_path: Path) -> None:
    """The objective the other way round: the highest poor's ratio whose spending fits."""
    claims = write_claims(tmp_path / "claims.jsonl")
    d0 = make_design(BASE, VARY, [], "least-spending")
    year0 = prepare(d0, claims_from_file(compile_policy(d0.space.base), claims))
    every = run(d0, year0).candidates
    spends = sorted(c.figures.spend for c in every)  # type: ignore[union-attr]
    budget = spends[len(spends) // 2]
    d = make_design(BASE, VARY, [f"spend<={budget / 100:.2f}"], "most-protection")
    best = run(d, prepare(d, claims_from_file(compile_policy(d.space.base), claims))).best(1)[0]
    fits = [c for c in every if c.figures.spend <= budget]  # type: ignore[union-attr]
    top = max(c.figures.poor_ratio for c in fits)  # type: ignore[union-attr]
    assert best.figures is not None and best.figures.spend <= budget
    assert best.figures.poor_ratio == top
    assert top > min(c.figures.poor_ratio for c in every)  # type: ignore[union-attr]


def test_a_tier_and_a_ceiling_vary_and_the_reform_file_is_the_searched_policy(
    tmp_path: Path,
) -> None:
    """Items of a list without ids (tiers) are named by index; the reform file writes the
    whole list, and loads to exactly the policy the search settled (write_reform checks)."""
    claims = write_claims(tmp_path / "claims.jsonl")
    vary = [
        "layers[critical].rules[poor].tiers[1].ratio=60%,65%",
        'layers[backstop].rules["351"].ceiling.county=2000,3000',
    ]
    r = CliRunner().invoke(
        app,
        ["design", "--base", BASE, "--claims", str(claims), "--out", str(tmp_path / "o"),
         "--vary", vary[0], "--vary", vary[1].replace('"', ""), "--write", "2"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    text = (tmp_path / "o" / "reform-2.yaml").read_text(encoding="utf-8")
    assert "tiers:" in text and "from: 100000" in text  # the whole list
    code, out = _cli("--claims", str(claims), "--vary", "layers[critical].rules[poor].id=x")
    assert code == 2 and "not a parameter" in out
