"""The search: Optuna over the parameters' grid, one kernel run per candidate (pure: the
candidate's figures come from an ``evaluate`` function the caller gives).

A grid that fits in the trial budget is searched exhaustively (``BruteForceSampler``: every
point once, without ``GridSampler``'s cost per trial that grows with the trials); a larger one
by TPE with the targets as Optuna constraints (``Trial.set_constraint``), which steers sampling
toward feasible reforms. Each parameter is sampled as an index into its ordered values, so
TPE learns that neighbouring values behave alike. A point sampled twice is not settled twice.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import optuna

from safetynet.design.errors import DesignError
from safetynet.design.figures import Figures
from safetynet.design.space import Parameter, Value
from safetynet.design.targets import Constraint, Metric
from safetynet.i18n import N_

Progress = Callable[[int, int], None]  # done, total
Evaluate = Callable[[Mapping[str, Value]], Figures]  # raises ValueError for an invalid policy
PROTECTION = Metric("poor_ratio")  # the frontier's protection axis
COST = Metric("spend")  # and its cost axis


@dataclass
class Candidate:
    number: int
    choice: dict[str, Value]
    figures: Figures | None  # None: the schema rejected the combination
    error: str | None = None
    met: list[bool] = field(default_factory=list)  # per constraint

    @property
    def feasible(self) -> bool:
        return self.figures is not None and all(self.met)


@dataclass
class Result:
    parameters: list[Parameter]
    constraints: list[Constraint]
    objective: str
    candidates: list[Candidate]
    sampler: str

    @property
    def valid(self) -> list[Candidate]:
        return [c for c in self.candidates if c.figures is not None]

    def best(self, k: int = 5) -> list[Candidate]:
        """The feasible candidates, best first (ties: the other axis, then the number)."""
        feasible = [c for c in self.candidates if c.feasible]

        def key(c: Candidate) -> tuple[float, float, int]:
            f = c.figures
            assert f is not None
            if self.objective == "least-spending":
                return (f.spend, -f.poor_ratio, c.number)
            return (-f.poor_ratio, f.spend, c.number)

        return sorted(feasible, key=key)[:k]

    def frontier(self) -> list[Candidate]:
        """Candidates no other beats on both fund cost and the poor's compensation ratio,
        among those meeting every target that is not on one of these two axes."""
        other = [i for i, c in enumerate(self.constraints) if c.metric not in (COST, PROTECTION)]
        pool = [c for c in self.valid if all(c.met[i] for i in other)] or self.valid
        out: list[Candidate] = []
        best_ratio = -1.0
        for c in sorted(pool, key=lambda c: (c.figures.spend, -c.figures.poor_ratio)):  # type: ignore[union-attr]
            assert c.figures is not None
            if c.figures.poor_ratio > best_ratio:
                out.append(c)
                best_ratio = c.figures.poor_ratio
        return out

    def binding(self) -> tuple[str, dict[str, object]]:
        """Why no candidate is feasible, naming the target that binds: a message id and its
        values."""
        valid = self.valid
        if not valid:
            return N_("no feasible reform: the policy schema rejected all %(n)s candidate(s)"), {
                "n": len(self.candidates)
            }
        for c in self.constraints:
            if not any(v.figures.measurable(c.metric) for v in valid):  # type: ignore[union-attr]
                msg = N_(
                    "no feasible reform: target %(t)s is not measurable: the claims have "
                    "nothing to divide by (no cost, or no poor patient)"
                )
                return msg, {"t": repr(c.text)}
        for i, c in enumerate(self.constraints):
            if not any(v.met[i] for v in valid):
                values = [v.figures.value(c.metric) for v in valid]  # type: ignore[union-attr]
                reach = max(values) if c.op == ">=" else min(values)
                msg = N_(
                    "no feasible reform: no candidate meets target %(t)s: the best of %(n)s "
                    "reaches %(reach)s"
                )
                return msg, {"t": repr(c.text), "n": len(valid), "reach": c.metric.show(reach)}
        freed = []
        for i in range(len(self.constraints)):
            n = sum(all(m for j, m in enumerate(v.met) if j != i) for v in valid)
            freed.append((n, i))
        n, i = max(freed)
        msg = N_(
            "no feasible reform: each target is met by some candidate, but none meets all at "
            "once; %(t)s binds: without it %(n)s of %(all)s would be feasible"
        )
        return msg, {"t": repr(self.constraints[i].text), "n": n, "all": len(valid)}


def search(
    parameters: list[Parameter],
    constraints: list[Constraint],
    objective: str,
    evaluate: Evaluate,
    *,
    trials: int = 200,
    sampler: str = "auto",
    seed: int = 1,
    progress: Progress | None = None,
) -> Result:
    """Evaluate up to ``trials`` candidates (the whole grid when it fits and ``sampler`` is
    ``auto`` or ``grid``) and return them all."""
    size = math.prod(len(p.values) for p in parameters)
    if sampler == "auto":
        sampler = "grid" if size <= trials else "tpe"
    names = [f"p{i}" for i in range(len(parameters))]
    cache: dict[tuple[int, ...], Candidate] = {}
    candidates: list[Candidate] = []
    if sampler == "grid":
        with warnings.catch_warnings():  # experimental since 3.1, and far cheaper per trial
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            chosen: optuna.samplers.BaseSampler = optuna.samplers.BruteForceSampler(seed=seed)
        total = size
    elif sampler == "tpe":
        chosen = optuna.samplers.TPESampler(
            seed=seed,
            multivariate=True,
            n_startup_trials=min(20, max(trials // 5, 1)),
        )
        total = trials
    else:
        raise DesignError(N_("sampler %(s)s: use auto, grid or tpe"), s=repr(sampler))
    direction = "minimize" if objective == "least-spending" else "maximize"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction, sampler=chosen)

    def run(trial: optuna.Trial) -> float:
        idx = tuple(
            trial.suggest_int(n, 0, len(p.values) - 1)
            for n, p in zip(names, parameters, strict=True)
        )
        cand = cache.get(idx)
        if cand is None:
            choice = {p.path: p.values[i] for p, i in zip(parameters, idx, strict=True)}
            try:
                figures: Figures | None = evaluate(choice)
                error = None
            except ValueError as exc:
                figures, error = None, str(exc)
            cand = Candidate(len(candidates) + 1, choice, figures, error)
            if figures is not None:
                cand.met = [figures.meets(c) for c in constraints]
            cache[idx] = cand
            candidates.append(cand)
        if progress is not None:
            progress(trial.number + 1, total)
        if cand.figures is None:
            raise optuna.TrialPruned(cand.error)
        for i, c in enumerate(constraints):  # TPE steers toward trials with all values <= 0
            trial.set_constraint(f"c{i}", cand.figures.violation(c))
        return float(cand.figures.spend if direction == "minimize" else cand.figures.poor_ratio)

    study.optimize(run, n_trials=total, gc_after_trial=False)
    return Result(parameters, constraints, objective, candidates, sampler)
