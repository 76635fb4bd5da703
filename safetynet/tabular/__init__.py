"""The generic toolkit for importing tabular files (xlsx, CSV) whole or not at all: reading
sheets, binding columns by their header, vectorised cell checks, problems written for the
user (:func:`problems_to_xlsx` / :func:`problems_to_csv`) and chunked upserts. The registry,
the catalogs and early warning build their importers on it."""

from safetynet.tabular.problems import (
    ImportRejected,
    ImportResult,
    Problem,
    Severity,
    problems_to_csv,
    problems_to_xlsx,
    write_problems,
)

__all__ = [
    "ImportRejected",
    "ImportResult",
    "Problem",
    "Severity",
    "problems_to_csv",
    "problems_to_xlsx",
    "write_problems",
]
