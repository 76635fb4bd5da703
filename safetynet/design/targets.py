"""Targets as constraints on a candidate's figures, and the objective.

A constraint is written ``METRIC>=VALUE`` or ``METRIC<=VALUE``:

* ``spend`` — every fund layer's spending together (yuan); ``spend[LAYER]`` one layer's;
* ``ratio`` / ``poor_ratio`` — the actual compensation ratio (reimbursed / total cost) of
  everyone / of the poor (e.g. ``poor_ratio>=90%``);
* ``poor_oop_share[YUAN]`` — share of the poor (persons with claims) whose annual
  out-of-pocket exceeds YUAN (e.g. ``poor_oop_share[5000]<=1%``);
* ``catastrophic_households[YUAN]`` / ``catastrophic_persons[YUAN]`` — households / persons
  whose annual out-of-pocket exceeds YUAN (a count).

Ratios are compared exactly (integers: reimbursed × 10,000 against basis points × cost), so a
constraint met in the search is met to the fen by ``safetynet settle`` of the same policy.
The objectives: ``least-spending`` (total fund spending) or ``most-protection`` (the poor's
actual compensation ratio, usually with a ``spend<=BUDGET`` constraint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from safetynet.design.errors import DesignError
from safetynet.i18n import N_
from safetynet.money import MoneyError, fmt_yuan, to_bp, to_fen, yuan_text

Kind = Literal["money", "ratio", "count"]
# name → (kind, argument: None, "layer" or "yuan")
METRICS: dict[str, tuple[Kind, str | None]] = {
    "spend": ("money", "layer?"),
    "ratio": ("ratio", None),
    "poor_ratio": ("ratio", None),
    "poor_oop_share": ("ratio", "yuan"),
    "catastrophic_households": ("count", "yuan"),
    "catastrophic_persons": ("count", "yuan"),
}
OBJECTIVES = ("least-spending", "most-protection")
_CONSTRAINT = re.compile(r"^\s*([a-z_]+)(?:\[([^\]]+)\])?\s*(>=|<=)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Metric:
    name: str
    arg: str | None = None  # a layer id, or an amount in fen (as text)

    @property
    def kind(self) -> Kind:
        return METRICS[self.name][0]

    @property
    def text(self) -> str:
        if self.arg is None:
            return self.name
        arg = yuan_text(int(self.arg)) if self.name != "spend" else self.arg
        return f"{self.name}[{arg}]"

    def show(self, value: int | float | None) -> str:
        if value is None:  # a ratio with nothing to divide by
            return "—"
        if self.kind == "money":
            return f"{fmt_yuan(int(value))} yuan"
        if self.kind == "ratio":
            return f"{float(value) * 100:.2f} %"
        return f"{int(value):,}"


@dataclass(frozen=True)
class Constraint:
    metric: Metric
    op: Literal[">=", "<="]
    bound: int  # fen, basis points or a count
    text: str

    @property
    def bound_value(self) -> int | float:
        return self.bound / 10_000 if self.metric.kind == "ratio" else self.bound


def parse_constraint(text: str, layers: tuple[str, ...]) -> Constraint:
    m = _CONSTRAINT.match(text)
    if m is None:
        raise DesignError(N_("target %(t)s: write METRIC>=VALUE or METRIC<=VALUE"), t=repr(text))
    name, arg, op, value = m.groups()
    if name not in METRICS:
        raise DesignError(
            N_("target %(t)s: no metric %(name)s (metrics: %(there)s)"),
            t=repr(text),
            name=repr(name),
            there=", ".join(METRICS),
        )
    kind, wants = METRICS[name]
    if wants == "yuan":
        if arg is None:
            raise DesignError(
                N_("target %(t)s: give the amount, e.g. %(name)s[5000]"), t=repr(text), name=name
            )
        try:
            arg = str(to_fen(arg.replace(",", "")))
        except MoneyError as exc:
            raise DesignError(
                N_("target %(t)s: %(reason)s"), t=repr(text), reason=str(exc)
            ) from None
    elif wants == "layer?":
        if arg is not None and arg not in layers:
            raise DesignError(
                N_("target %(t)s: the policy has no layer %(layer)s (layers: %(there)s)"),
                t=repr(text),
                layer=repr(arg),
                there=", ".join(layers),
            )
    elif arg is not None:
        raise DesignError(N_("target %(t)s: %(name)s takes no [...]"), t=repr(text), name=name)
    try:
        if kind == "money":
            bound = to_fen(value.replace(",", ""))
        elif kind == "ratio":
            bound = to_bp(value)
        else:
            bound = int(value.replace(",", ""))
    except (MoneyError, ValueError):
        raise DesignError(
            N_("target %(t)s: %(value)s is not a value of this metric"),
            t=repr(text),
            value=repr(value),
        ) from None
    if kind == "ratio" and not 0 <= bound <= 10_000:
        raise DesignError(N_("target %(t)s: a ratio lies between 0%% and 100%%"), t=repr(text))
    if bound < 0:
        raise DesignError(N_("target %(t)s: the value may not be negative"), t=repr(text))
    return Constraint(Metric(name, arg), op, bound, text.strip())  # type: ignore[arg-type]


def check_consistent(constraints: list[Constraint]) -> None:
    """Two bounds on the same metric that no value can meet together are an error."""
    for a in constraints:
        for b in constraints:
            if a.metric == b.metric and a.op == ">=" and b.op == "<=" and a.bound > b.bound:
                raise DesignError(
                    N_("targets %(a)s and %(b)s contradict each other: no reform can meet both"),
                    a=repr(a.text),
                    b=repr(b.text),
                )


def parse_objective(text: str) -> str:
    if text not in OBJECTIVES:
        raise DesignError(
            N_("objective %(o)s: use %(there)s"), o=repr(text), there=" or ".join(OBJECTIVES)
        )
    return text
