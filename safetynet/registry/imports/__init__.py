"""Importing registry files (persons, households, poverty lists, institutions) whole or not at all.

Use :func:`import_file`; problems come back in the :class:`ImportResult` and can be written
for the user with :func:`problems_to_xlsx` / :func:`problems_to_csv`.
"""

from safetynet.registry.imports.batch import KINDS, import_file
from safetynet.registry.imports.problems import (
    ImportRejected,
    ImportResult,
    Problem,
    Severity,
    problems_to_csv,
    problems_to_xlsx,
    write_problems,
)

__all__ = [
    "KINDS",
    "ImportRejected",
    "ImportResult",
    "Problem",
    "Severity",
    "import_file",
    "problems_to_csv",
    "problems_to_xlsx",
    "write_problems",
]
