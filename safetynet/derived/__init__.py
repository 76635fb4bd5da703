"""Derived data for the bureau's pages: columnar snapshots of the ledger and the registry.

:mod:`safetynet.derived.snapshot` keeps a Parquet copy of the ledger (every entry with its
claim's dates and institution, and every layer payment) and of the registry (persons with
names and resident IDs already masked, enrollment, poverty status periods) in the data dir,
and brings it up to date on every read with the ledger's *tail* (the entries above the
snapshot's highest id) and, when the registry's revision token moved, a fresh registry
copy. :mod:`safetynet.derived.views` turns a current snapshot into what the indicators, the
overview and the public notice read, with the same Polars code as a read from scratch.
Everything here can be thrown away and rebuilt from the database: ``safetynet db
rebuild-derived``.
"""
