"""What the CLI and the web page call: parse the design, prepare the claims once, search."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from safetynet.design.errors import DesignError
from safetynet.design.figures import ClaimsYear, Figures, thresholds_of
from safetynet.design.search import Progress, Result, search
from safetynet.design.space import Space, Value, parse_parameter
from safetynet.design.targets import (
    Constraint,
    check_consistent,
    parse_constraint,
    parse_objective,
)
from safetynet.engine.compile import compile_policy
from safetynet.i18n import N_
from safetynet.policy.loader import PolicyError


@dataclass
class Design:
    space: Space
    constraints: list[Constraint]
    objective: str


def make_design(base: str, parameters: list[str], targets: list[str], objective: str) -> Design:
    """Check everything that can be checked before the claims are read."""
    space = Space(base, [parse_parameter(p) for p in parameters])
    layers = tuple(layer.id for layer in space.base.layers)
    constraints = [parse_constraint(t, layers) for t in targets]
    check_consistent(constraints)
    return Design(space, constraints, parse_objective(objective))


def evaluator(design: Design, year: ClaimsYear) -> Callable[[Mapping[str, Value]], Figures]:
    """Compile the variant (schema validation again, then the integer tables) and run the
    kernel; a combination the schema rejects is a ``ValueError``."""

    def evaluate(choice: Mapping[str, Value]) -> Figures:
        try:
            policy = design.space.policy(choice)
        except PolicyError as exc:
            raise ValueError(str(exc.problems[0].message if exc.problems else exc)) from None
        return year.figures(compile_policy(policy))

    return evaluate


def prepare(design: Design, batch: pl.DataFrame) -> ClaimsYear:
    if batch.is_empty():
        raise DesignError(N_("the claims year has no claims"))
    return ClaimsYear(
        batch,
        thresholds_of(design.constraints),
        compile_policy(design.space.base),
        design.space.rules(),
    )


def run(
    design: Design,
    year: ClaimsYear,
    *,
    trials: int = 200,
    sampler: str = "auto",
    seed: int = 1,
    progress: Progress | None = None,
) -> Result:
    """Search; ``DesignError`` naming the binding target when no candidate is feasible."""
    if trials < 1:
        raise DesignError(N_("the candidates must number at least 1"))
    result = search(
        design.space.parameters,
        design.constraints,
        design.objective,
        evaluator(design, year),
        trials=trials,
        sampler=sampler,
        seed=seed,
        progress=progress,
    )
    if not result.best(1):
        msgid, values = result.binding()
        raise InfeasibleDesign(result, msgid, **values)
    return result


class InfeasibleDesign(DesignError):
    """No candidate met every target; ``result`` still holds what was tried."""

    def __init__(self, result: Result, msgid: str, **values: object) -> None:
        super().__init__(msgid, **values)
        self.result = result
