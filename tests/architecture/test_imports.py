"""The import graph of ``safetynet`` has no cycle: not between modules, not between its
top-level packages (``engine``, ``policy``, ``registry``, ``web``, …).

The graph is grimp's: every ``import`` statement of every module, those inside functions
included (a lazy import still makes the two modules depend on each other), without the
imports under ``if TYPE_CHECKING:`` (those are for the type checker only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from graphlib import CycleError, TopologicalSorter

import grimp
import pytest

PACKAGE = "safetynet"


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, exclude_type_checking_imports=True)


def top_level(module: str) -> str:
    """``safetynet.web.routes.api`` → ``safetynet.web``; a top-level module stays itself."""
    return ".".join(module.split(".")[:2])


def edges(collapse: Callable[[str], str]) -> dict[str, set[str]]:
    """Importer → imported, with every module renamed by ``collapse`` (self-edges dropped)."""
    g = graph()
    out: dict[str, set[str]] = {}
    for module in g.modules:
        importer = collapse(module)
        out.setdefault(importer, set())
        for imported in g.find_modules_directly_imported_by(module):
            if collapse(imported) != importer:
                out[importer].add(collapse(imported))
    return out


def cycles(deps: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle graphlib meets, one at a time: each is reported, one of its edges removed,
    and the search goes on (so a test names them all, not only the first)."""
    deps = {node: set(targets) for node, targets in deps.items()}
    found: list[list[str]] = []
    while True:
        try:
            TopologicalSorter(deps).prepare()
            return found
        except CycleError as exc:
            cycle = list(exc.args[1])  # [a, b, …, a]: each node depends on the one before
            found.append(cycle)
            deps[cycle[1]].discard(cycle[0])


def explain(cycle: Iterable[str], collapse: Callable[[str], str]) -> str:
    """A cycle with, for each step, the module imports that make it."""
    g = graph()
    nodes = list(cycle)
    lines = [" → ".join(reversed(nodes))]
    for importer, imported in zip(nodes[1:], nodes[:-1], strict=True):
        pairs = sorted(
            (a, b)
            for a in g.modules
            if collapse(a) == importer
            for b in g.find_modules_directly_imported_by(a)
            if collapse(b) == imported
        )
        lines += [f"    {a} imports {b}" for a, b in pairs[:5]]
    return "\n".join(lines)


def test_the_graph_covers_the_package() -> None:
    modules = graph().modules
    assert "safetynet.engine.kernel" in modules and "safetynet.web.app" in modules
    assert graph().direct_import_exists(
        importer="safetynet.engine.online", imported="safetynet.engine.kernel"
    )


@pytest.mark.parametrize(
    ("level", "collapse"),
    [("module", lambda m: m), ("top-level package", top_level)],
    ids=["modules", "packages"],
)
def test_no_import_cycle(level: str, collapse: Callable[[str], str]) -> None:
    found = cycles(edges(collapse))
    assert not found, f"{len(found)} import cycle(s) between {level}s:\n" + "\n".join(
        explain(c, collapse) for c in found
    )


def test_a_cycle_is_found() -> None:
    """The check itself: a made-up loop of three is reported, an acyclic graph is not."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}})
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
