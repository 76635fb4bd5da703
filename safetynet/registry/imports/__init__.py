"""The registry's importers (persons, households, poverty lists, institutions) and the checks
of resident IDs in a sheet, built on the tabular toolkit (:mod:`safetynet.tabular`); a file
of any kind is imported with :func:`safetynet.imports.import_file`."""
