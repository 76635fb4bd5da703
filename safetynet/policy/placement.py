"""Where an item of a policy list goes: ``before: <id>`` / ``after: <id>``.

The first matching rule of a layer wins, so order matters. A file that ``extends`` another
appends its new rules at the end of their layer; a rule that must come before a more general
one says so::

    layers:
      - id: basic
        rules:
          - id: inpatient_county_poor
            before: inpatient_poor
            ...

Both keys work on any list of items with ids (rules, layers) and on items the override
restates (which then move). They are taken out of the tree before the schema sees it.
"""

from __future__ import annotations

from typing import Any

from safetynet.policy.tree import Problem, TreeMap, TreeSeq

PLACEMENT_KEYS = ("before", "after")


def place_items(node: Any) -> list[Problem]:
    """Apply every ``before:`` / ``after:`` under ``node`` (in place); return the problems."""
    problems: list[Problem] = []
    if isinstance(node, TreeMap):
        for value in node.values():
            problems += place_items(value)
    elif isinstance(node, TreeSeq):
        for item in node:
            problems += place_items(item)
        if node and all(isinstance(x, dict) and "id" in x for x in node):
            problems += _place(node)
    return problems


def _place(items: TreeSeq) -> list[Problem]:
    problems: list[Problem] = []
    for item in [x for x in items if any(k in x for k in PLACEMENT_KEYS)]:
        given = {k: item.pop(k) for k in PLACEMENT_KEYS if k in item}
        file, line = item.where.get(next(iter(given)), item.at)
        for k in given:
            item.where.pop(k, None)
        ids = [str(x["id"]) for x in items]
        if len(given) > 1:
            problems.append(Problem(file, line, "before", "give `before` or `after`, not both"))
            continue
        ((key, target),) = given.items()
        if str(target) == str(item["id"]) or str(target) not in ids:
            others = ", ".join(i for i in ids if i != str(item["id"]))
            problems.append(
                Problem(file, line, key, f"no item {target!r} to go {key} (there are: {others})")
            )
            continue
        i = ids.index(str(item["id"]))
        moved, where = items.pop(i), items.where.pop(i)
        j = [str(x["id"]) for x in items].index(str(target)) + (key == "after")
        items.insert(j, moved)
        items.where.insert(j, where)
    return problems
