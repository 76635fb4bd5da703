"""Checks of a policy file that need its lines: references, ids, pools, and shadowed rules.

They run on the composed tree (after ``extends`` and ``before:`` / ``after:``), whether or
not the schema accepts the rest of the file, so one run of ``safetynet policy check``
reports every problem, each at the line that has it — an unknown source at the line with the
typo, not at the top of its layer.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
from safetynet.policy.schema import When
from safetynet.policy.tree import Problem, TreeMap, TreeSeq

DEFAULT_POOL = "annual"


def _where(node: TreeMap, key: str) -> tuple[str, int]:
    return node.where.get(key, node.at)


def _label(path: str, part: Any) -> str:
    return f"{path}[{part}]" if path else f"[{part}]"


def _maybe(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}known: {', '.join(known) or 'none'}"


def _walk(node: Any, path: str = ""):  # type: ignore[no-untyped-def]
    """Every mapping of the tree with its readable path (``layers[basic].rules[inpatient]``)."""
    if isinstance(node, TreeMap):
        yield node, path
        for key, value in node.items():
            if path == "" and key == "sources":
                continue  # the definitions, not references
            yield from _walk(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, TreeSeq):
        for i, item in enumerate(node):
            label = item.get("id", i) if isinstance(item, dict) else i
            yield from _walk(item, _label(path, label))


def check_tree(tree: TreeMap) -> list[Problem]:
    """Problems of references and ids, located; drops a bad ``layer_order`` from the tree so
    the schema reports the rest."""
    problems: list[Problem] = []
    sources = (
        [str(k) for k in tree.get("sources") or {}] if isinstance(tree.get("sources"), dict) else []
    )
    groups = (
        [str(k) for k in tree.get("diseases") or {}]
        if isinstance(tree.get("diseases"), dict)
        else []
    )
    for node, path in _walk(tree):
        source = node.get("source")
        if isinstance(source, str | int) and str(source) not in sources:
            file, line = _where(node, "source")
            msg = (
                f"unknown source {str(source)!r}: define it under `sources` "
                f"({_maybe(str(source), sources)})"
            )
            problems.append(Problem(file, line, f"{path}.source" if path else "source", msg))
        when = node.get("when")
        if isinstance(when, TreeMap) and isinstance(when.get("diseases"), TreeSeq):
            for name, (file, line) in zip(when["diseases"], when["diseases"].where, strict=True):
                if str(name) not in groups:
                    msg = (
                        f"disease group {str(name)!r} is not defined in `diseases` "
                        f"({_maybe(str(name), groups)})"
                    )
                    problems.append(Problem(file, line, f"{path}.when.diseases", msg))
    layers = tree.get("layers")
    if isinstance(layers, TreeSeq):
        problems += _layers(layers)
        if not layers:
            problems.append(
                Problem(*tree.where["layers"], "layers", "a policy needs at least one layer")
            )
        problems += _layer_order(tree, layers)
    start, end = tree.get("valid_from"), tree.get("valid_to")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        problems.append(Problem(*_where(tree, "valid_to"), "valid_to", "is before valid_from"))
    return problems


def _duplicates(items: TreeSeq, what: str, path: str) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for item, (file, line) in zip(items, items.where, strict=True):
        if isinstance(item, dict) and "id" in item:
            if str(item["id"]) in seen:
                out.append(
                    Problem(
                        file,
                        line,
                        _label(path, item["id"]),
                        f"{what} id {str(item['id'])!r} is used twice",
                    )
                )
            seen.add(str(item["id"]))
    return out


def _layers(layers: TreeSeq) -> list[Problem]:
    problems = _duplicates(layers, "layer", "layers")
    for layer in layers:
        if not isinstance(layer, TreeMap) or not isinstance(layer.get("rules"), TreeSeq):
            continue
        path = _label("layers", layer.get("id"))
        rules: TreeSeq = layer["rules"]
        problems += _duplicates(rules, "rule", f"{path}.rules")
        named = (
            [str(p) for p in layer.get("pools") or {}]
            if isinstance(layer.get("pools"), dict)
            else []
        )
        for rule in rules:
            pool = rule.get("pool") if isinstance(rule, TreeMap) else None
            if isinstance(pool, str) and pool != DEFAULT_POOL and pool not in named:
                file, line = _where(rule, "pool")
                msg = (
                    f"pool {pool!r} has no name: add `pools: {{{pool}: {{name_en: ..., "
                    f"name_zh: ...}}}}` to layer {str(layer.get('id'))!r}"
                )
                problems.append(
                    Problem(file, line, f"{_label(f'{path}.rules', rule.get('id'))}.pool", msg)
                )
    return problems


def _layer_order(tree: TreeMap, layers: TreeSeq) -> list[Problem]:
    order = tree.get("layer_order")
    if not isinstance(order, list):
        return []
    ids = [str(la.get("id")) for la in layers if isinstance(la, dict)]
    if sorted(map(str, order)) == sorted(ids):
        return []
    del tree["layer_order"]
    msg = f"must name every layer exactly once (the layers: {', '.join(ids)})"
    return [Problem(*_where(tree, "layer_order"), "layer_order", msg)]


# --- shadowed rules ------------------------------------------------------------------------


def _values(given: list[Any], every: list[str]) -> set[str]:
    return {str(v) for v in given} if given else set(every)


_EVERY = {
    "statuses": [s.value for s in PovertyStatus],
    "kinds": [k.value for k in ClaimKind],
    "levels": [x.value for x in InstitutionLevel],
}


def covers(first: When, later: When) -> bool:
    """Whether every claim ``later`` matches is matched by ``first`` too (so a rule with
    ``later`` placed after a rule with ``first`` never applies)."""
    for name, every in _EVERY.items():
        if not _values(getattr(later, name), every) <= _values(getattr(first, name), every):
            return False
    if first.diseases and not (later.diseases and set(later.diseases) <= set(first.diseases)):
        return False
    for flag in ("in_county", "referral"):
        if getattr(first, flag) is not None and getattr(first, flag) != getattr(later, flag):
            return False
    lo_first, lo_later = first.age_from or 0, later.age_from or 0
    hi_first, hi_later = first.age_to or 10_000, later.age_to or 10_000
    return lo_first <= lo_later and hi_later <= hi_first


def shadowed_rules(tree: TreeMap) -> list[Problem]:
    """A rule that an earlier rule of its layer always matches first never applies: reject it,
    naming the rule that shadows it and where that is."""
    problems: list[Problem] = []
    layers = tree.get("layers")
    for layer in layers if isinstance(layers, TreeSeq) else []:
        rules = layer.get("rules") if isinstance(layer, TreeMap) else None
        if not isinstance(rules, TreeSeq):
            continue
        seen: list[tuple[str, When, tuple[str, int]]] = []
        for rule, where in zip(rules, rules.where, strict=True):
            if not isinstance(rule, TreeMap):
                continue
            try:
                when = When.model_validate(rule.get("when") or {})
            except ValidationError:
                continue  # reported by the schema
            rid = str(rule.get("id"))
            earlier = next((s for s in seen if covers(s[1], when)), None)
            if earlier is not None:
                other, _, (file, line) = earlier
                msg = (
                    f"never applies: rule {other!r} ({Path(file).name}:{line}) comes first and "
                    "matches every claim this rule matches (the first matching rule wins); put "
                    f"this rule before it (in a file that extends another: `before: {other}`)"
                )
                path = f"{_label('layers', layer.get('id'))}.rules[{rid}]"
                problems.append(Problem(where[0], where[1], path, msg))
            seen.append((rid, when, where))
    return problems
