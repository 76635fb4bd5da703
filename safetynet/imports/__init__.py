"""Importing a file of any kind (persons, households, poverty lists, institutions, catalog
items, NHSA codes, household incomes) whole or not at all with :func:`import_file`; problems
come back in the :class:`~safetynet.tabular.ImportResult`. Above the registry, the catalogs
and early warning, whose importers it picks by kind."""

from safetynet.imports.batch import KINDS, import_file

__all__ = ["KINDS", "import_file"]
