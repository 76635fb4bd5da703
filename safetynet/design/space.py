"""The parameters to vary, by their path in a policy, and the variant policies they make.

A path names a value the way the policy loader names it in its errors:
``layers[basic].rules[inpatient_poor].ratio.county`` — keys joined by dots, an item of a
list by its ``id`` in brackets (``[0]`` for lists without ids, such as ``tiers``). Values are
written as in a policy file: ratios as ``65%`` (or ``0.65``), amounts in yuan. A parameter
is given as ``PATH=LOW:HIGH:STEP`` or ``PATH=V1,V2,...``.

A variant is made by writing the values into the base policy's tree and validating it with
the policy schema again (:func:`safetynet.policy.loader.validate_tree`), so every value a
search tries is one the schema accepts; claims are prepared once, which is why only values
under ``layers`` may vary (disease groups and claim grouping change the engine's input).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from safetynet.design.errors import DesignError
from safetynet.i18n import N_
from safetynet.policy.loader import PolicyError, load_policy_tree, validate_tree
from safetynet.policy.schema import Policy

_PART = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\[\]]+)\]")
MAX_VALUES = 1_000  # per parameter
NOT_PARAMETERS = {"id", "type", "source", "name_en", "name_zh", "note", "pool", "base"}
Value = int | str  # as written into a policy file: yuan (int or "12.50") or "65%"


@dataclass(frozen=True)
class Parameter:
    path: str
    values: tuple[Value, ...]

    def label(self, value: Value) -> str:
        return str(value)


def parse_path(path: str) -> list[tuple[str, str]]:
    """``a.b[c].d`` → ``[("key", "a"), ("key", "b"), ("item", "c"), ("key", "d")]``."""
    parts: list[tuple[str, str]] = []
    pos = 0
    while pos < len(path):
        m = _PART.match(path, pos)
        if m is None or (m.group(1) and pos > 0 and path[pos] != "."):
            raise DesignError(
                N_("parameter %(path)s: cannot read the path at %(at)s"),
                path=path,
                at=repr(path[pos:]),
            )
        parts.append(("key", m.group(1)) if m.group(1) else ("item", m.group(2).strip()))
        pos = m.end()
    if not parts or parts[0] != ("key", "layers"):
        raise DesignError(
            N_(
                "parameter %(path)s: only values under layers can vary "
                "(e.g. layers[basic].rules[inpatient].ratio)"
            ),
            path=path,
        )
    if parts[-1][0] == "key" and parts[-1][1] in NOT_PARAMETERS:
        raise DesignError(
            N_("parameter %(path)s: %(what)s names or links an item; it is not a parameter"),
            path=path,
            what=parts[-1][1],
        )
    return parts


def _number(text: str, path: str) -> tuple[Decimal, bool]:
    s = text.strip()
    percent = s.endswith("%")
    try:
        number = Decimal(s[:-1] if percent else s)
    except InvalidOperation:
        number = Decimal("NaN")
    # NaN and infinity (comparing them raised InvalidOperation: a 500) and exponents beyond
    # any amount or ratio (1e999999 was a million-digit value; a step of 1e-999999 overflowed)
    if not number.is_finite() or (number and not -8 <= number.adjusted() <= 12):
        raise DesignError(
            N_("parameter %(path)s: %(text)s is not a number"), path=path, text=repr(text[:40])
        ) from None
    return number, percent


def _value(d: Decimal, percent: bool) -> Value:
    text = format(d.normalize(), "f")
    if percent:
        return f"{text}%"
    return int(d) if d == d.to_integral_value() else text


def parse_parameter(spec: str) -> Parameter:
    """``PATH=LOW:HIGH:STEP`` or ``PATH=V1,V2,...`` (see the module docstring)."""
    path, sep, values = spec.partition("=")
    path = path.strip()
    if not sep or not values.strip():
        raise DesignError(
            N_("parameter %(path)s: write PATH=LOW:HIGH:STEP or PATH=V1,V2,..."), path=spec
        )
    parse_path(path)
    if ":" in values:
        bits = values.split(":")
        if len(bits) != 3:
            raise DesignError(
                N_("parameter %(path)s: a range is LOW:HIGH:STEP, not %(text)s"),
                path=path,
                text=repr(values),
            )
        (lo, p1), (hi, p2), (step, p3) = (_number(b, path) for b in bits)
        if len({p1, p2, p3}) != 1:
            raise DesignError(
                N_("parameter %(path)s: give LOW, HIGH and STEP all in %% or all not"), path=path
            )
        if step <= 0:
            raise DesignError(N_("parameter %(path)s: the step must be positive"), path=path)
        if hi < lo:
            raise DesignError(
                N_("parameter %(path)s: the range's HIGH is below its LOW"), path=path
            )
        count = int((hi - lo) / step) + 1
        if count > MAX_VALUES:
            raise DesignError(
                N_("parameter %(path)s: %(n)s values; at most %(most)s"),
                path=path,
                n=count,
                most=MAX_VALUES,
            )
        out = tuple(_value(lo + i * step, p1) for i in range(count))
    else:
        out = tuple(_value(*_number(v, path)) for v in values.split(",") if v.strip())
    if len(set(out)) != len(out):
        raise DesignError(N_("parameter %(path)s: a value is given twice"), path=path)
    return Parameter(path, out)


def _child(node: Any, kind: str, name: str, path: str, done: str) -> tuple[Any, Any]:
    """The container and key of one step of a path, or a DesignError naming what is there."""
    if kind == "key":
        if isinstance(node, dict) and name in node:
            return node, name
        there = ", ".join(map(str, node)) if isinstance(node, dict) else "a single value"
        raise DesignError(
            N_("parameter %(path)s: the policy has no %(what)s (there: %(there)s)"),
            path=path,
            what=f"{done + '.' if done else ''}{name}",
            there=there,
        )
    if isinstance(node, list):
        ids = [x.get("id") if isinstance(x, dict) else None for x in node]
        if name in ids:
            return node, ids.index(name)
        if not any(ids) and name.isdigit() and int(name) < len(node):
            return node, int(name)
        there = ", ".join(str(i) for i in ids if i) or f"items 0 to {len(node) - 1}"
        raise DesignError(
            N_("parameter %(path)s: the policy has no %(what)s (there: %(there)s)"),
            path=path,
            what=f"{done}[{name}]",
            there=there,
        )
    raise DesignError(N_("parameter %(path)s: %(what)s is not a list"), path=path, what=done)


def locate(tree: Mapping[str, Any], path: str) -> tuple[Any, Any]:
    """The container and key of the value a path names; a DesignError if there is none."""
    node: Any = tree
    container: Any = None
    key: Any = None
    done = ""
    for kind, name in parse_path(path):
        container, key = _child(node, kind, name, path, done)
        node = container[key]
        done = f"{done}[{name}]" if kind == "item" else (f"{done}.{name}" if done else name)
    if isinstance(node, dict | list):
        inner = ", ".join(map(str, node)) if isinstance(node, dict) else "a list"
        raise DesignError(
            N_("parameter %(path)s: names a group of values (%(there)s), not one value"),
            path=path,
            there=inner,
        )
    return container, key


class Space:
    """A base policy and the parameters to vary in it."""

    def __init__(self, base: str, parameters: list[Parameter]) -> None:
        try:
            self.tree, self.sources, self.filename = load_policy_tree(base)
        except PolicyError as exc:
            raise DesignError(N_("base policy rejected: %(reason)s"), reason=str(exc)) from None
        self.base_ref = base
        self.base = self.policy({})
        if not parameters:
            raise DesignError(N_("give at least one parameter to vary"))
        paths = [p.path for p in parameters]
        if len(set(paths)) != len(paths):
            raise DesignError(N_("a parameter path is given twice"))
        self.parameters = parameters
        for p in parameters:
            locate(self.tree, p.path)
        self._check_values()

    @property
    def size(self) -> int:
        n = 1
        for p in self.parameters:
            n *= len(p.values)
        return n

    def rules(self) -> list[tuple[str, str]] | None:
        """The (layer, rule) the varied values sit in; None if one is outside a rule's
        parameters (a layer's, or a rule's ``when``), which can touch any claim."""
        out: list[tuple[str, str]] = []
        for p in self.parameters:
            parts = parse_path(p.path)
            if (
                len(parts) < 5
                or parts[1][0] != "item"
                or parts[2] != ("key", "rules")
                or parts[3][0] != "item"
                or parts[4] == ("key", "when")
            ):
                return None
            out.append((parts[1][1], parts[3][1]))
        return out

    def base_value(self, path: str) -> Any:
        container, key = locate(self.tree, path)
        return container[key]

    def _check_values(self) -> None:
        """Each value, alone in the base policy, must be one the schema accepts."""
        for p in self.parameters:
            for v in p.values:
                reason = self._with({p.path: v}, _schema_reason)
                if reason:
                    raise DesignError(
                        N_(
                            "parameter %(path)s = %(value)s: outside what the policy schema "
                            "allows: %(reason)s"
                        ),
                        path=p.path,
                        value=v,
                        reason=reason,
                    )

    def _with(self, choice: Mapping[str, Value], fn: Callable[[dict[str, Any]], Any]) -> Any:
        """``fn(tree)`` with ``choice`` written into the base tree, which is restored after."""
        saved = []
        try:
            for path, value in choice.items():
                container, key = locate(self.tree, path)
                saved.append((container, key, container[key]))
                container[key] = value
            return fn(self.tree)
        finally:
            for container, key, old in reversed(saved):
                container[key] = old

    def policy(self, choice: Mapping[str, Value]) -> Policy:
        """The base policy with ``choice`` (path → value) written in; ``PolicyError`` if the
        schema rejects the combination."""
        return self._with(choice, lambda t: validate_tree(t, self.sources, self.filename))  # type: ignore[no-any-return]

    def override(self, choice: Mapping[str, Value]) -> dict[str, Any]:
        """The tree that, ``extends``-merged onto the base, gives ``choice``: lists of items
        with ids (layers, rules) are merged item by item; the field a path enters below them
        (``ratio``, ``tiers``, ...) is written whole, with every chosen value in it."""
        changed = _plain(self.tree)
        for path, value in choice.items():
            container, key = locate(changed, path)
            container[key] = value
        out: dict[str, Any] = {}
        for path in choice:
            src: Any = changed
            dst: Any = out
            parts = parse_path(path)
            for i, (kind, name) in enumerate(parts):
                last = i == len(parts) - 1
                if kind == "key":
                    nxt = src[name]
                    with_ids = isinstance(nxt, list) and all(
                        isinstance(x, dict) and "id" in x for x in nxt
                    )
                    if last or not with_ids:  # a field: written whole (a sourced
                        # `{value: ...}` in the base is replaced whole by the merge)
                        dst[name] = copy.deepcopy(nxt)
                        break
                    dst = dst.setdefault(name, [] if isinstance(nxt, list) else {})
                    src = nxt
                else:
                    item = next(x for x in src if x["id"] == name)
                    mine = next((x for x in dst if x["id"] == name), None)
                    if mine is None:
                        mine = {"id": name}
                        dst.append(mine)
                    dst, src = mine, item
        return out


def _schema_reason(tree: dict[str, Any]) -> str | None:
    """The schema's most specific complaint about a tree (the deepest error), or None."""
    try:
        Policy.model_validate(tree, context={"located": True})
    except ValidationError as exc:
        err = max(exc.errors(), key=lambda e: (e["type"] == "value_error", len(e["loc"])))
        return str(err["msg"]).removeprefix("Value error, ")
    return None


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node
