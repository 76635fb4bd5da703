"""A policy file as the loader reads it: mappings and lists that remember file and line.

Every check of a policy file reports a :class:`Problem` (file, line, path in the file, what is
wrong); a file with any is rejected by a :class:`PolicyError` listing them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class PolicyError(ValueError):
    """A policy file that cannot be used; ``problems`` name file, line, path and reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class TreeMap(dict[Any, Any]):
    """A YAML mapping; ``where[key]`` is the (file, line) of each key, ``at`` its own."""

    where: dict[Any, tuple[str, int]]
    at: tuple[str, int]


class TreeSeq(list[Any]):
    """A YAML list; ``where[i]`` is the (file, line) of each item, ``at`` its own."""

    where: list[tuple[str, int]]
    at: tuple[str, int]
